"""Emergency supply requests: who is eligible, which brands, approval by post (the customer-service head and the
marketing deputy manager, each with a quantity limit), and the retailer's order day (their route's weekday)."""
from datetime import date

import pytest

from db.engine import unit_of_work
from portal import incidents as ix
from portal.access.auth import PermissionDenied
from portal.errors import STALE, InputError
from tests.incidents.support import NOW, Command, command_fixture  # noqa: F401  (the fixture)

EVENT = date(2026, 7, 18)


def _request(command: Command, retailer: int = 0, **kw):
    values = dict(retailer_id=command.retailers[retailer], reason="wedding", event_date=EVENT,
                  lines={command.brands["利群(新版)"]: 10, command.brands["红双喜(硬)"]: 5}, note="婚宴 20 桌", now=NOW)
    return command.run(kw.pop("actor", command.agent), ix.request_supply, **(values | kw))


def test_a_request_is_taken_down_with_lines_per_brand(command: Command):
    request = _request(command)
    assert request.reference == f"HY-2026-{request.id:04d}"
    assert (request.state, request.total_quantity, request.requested_by_id) == ("requested", 15, command.agent.id)


def test_only_retailers_with_the_integrity_flag_may_ask(command: Command):
    with pytest.raises(InputError) as exc:
        _request(command, retailer=4)  # the fixture's retailer 4 lacks the integrity flag
    assert exc.value.field == "retailer_id" and "integrity flag" in str(exc.value)


def test_scarce_or_controlled_brands_are_refused(command: Command):
    with pytest.raises(InputError) as exc:
        _request(command, lines={command.brands["中华(软)"]: 2})
    assert exc.value.field == "lines" and "中华(软)" in str(exc.value)


@pytest.mark.parametrize("change, field", [
    ({"reason": "birthday"}, "reason"),
    ({"event_date": date(2026, 7, 1)}, "event_date"),
    ({"event_date": None}, "event_date"),
    ({"lines": {}}, "lines"),
    ({"retailer_id": None}, "retailer_id"),
])
def test_bad_requests_name_the_field(command: Command, change, field):
    with pytest.raises(InputError) as exc:
        _request(command, **change)
    assert exc.value.field == field


def test_approval_needs_the_post_whose_limit_covers_the_quantity(command: Command):
    small, large = _request(command), _request(command, lines={command.brands["利群(新版)"]: 30})
    with pytest.raises(InputError) as exc:  # the customer-service head approves up to 20 cartons
        command.run(command.supervisor, ix.approve_supply_request, request_id=large.id, now=NOW)
    assert exc.value.field == "total_quantity" and "limit of 20" in str(exc.value)
    assert "Marketing deputy manager (周杰)" in str(exc.value)
    approved = command.run(command.supervisor, ix.approve_supply_request, request_id=small.id,
                           version=small.version, now=NOW)
    assert approved.state == "approved" and approved.decided_by_id == command.supervisor.id
    assert command.run(command.marketing, ix.approve_supply_request, request_id=large.id, now=NOW).state == "approved"


def test_a_portal_role_alone_approves_nothing(command: Command, make_user):
    """Emergency coordinators and supervisors used to approve by role; now only a post's holder does."""
    request = _request(command)
    for outsider in (command.coordinator, command.agent, command.viewer, command.deputy):
        with pytest.raises(PermissionDenied):
            command.run(outsider, ix.approve_supply_request, request_id=request.id, now=NOW)
        with pytest.raises(PermissionDenied):
            command.run(outsider, ix.refuse_supply_request, request_id=request.id, reason="不批", now=NOW)
        assert command.run(outsider, ix.approval_limit) is None
    other = make_user("supervisor", department="customer_service", name="李主管")
    with pytest.raises(PermissionDenied):  # a second supervisor does not hold the head's post
        command.run(other, ix.approve_supply_request, request_id=request.id, now=NOW)


def test_a_vacated_post_approves_nothing_and_its_new_holder_does(command: Command, admin):
    request = _request(command)
    command.run(admin, ix.set_supply_approver, post="customer_service_head", holder_id=command.agent.id,
                max_quantity=20)
    with pytest.raises(PermissionDenied):
        command.run(command.supervisor, ix.approve_supply_request, request_id=request.id, now=NOW)
    assert command.run(command.agent, ix.approve_supply_request, request_id=request.id, now=NOW).state == "approved"


def test_pending_list_says_which_requests_the_reader_may_approve(command: Command):
    small, large = _request(command), _request(command, lines={command.brands["利群(新版)"]: 30})
    rows = {r.id: r for r in command.run(command.supervisor, ix.pending_supply_requests)}
    assert rows[small.id].may_approve and not rows[large.id].may_approve
    assert rows[small.id].lines == "利群(新版) × 10, 红双喜(硬) × 5"
    assert not any(r.may_approve for r in command.run(command.viewer, ix.pending_supply_requests))


def test_a_refusal_needs_a_reason_and_a_decision_is_made_once(command: Command):
    request = _request(command)
    with pytest.raises(InputError) as exc:
        command.run(command.supervisor, ix.refuse_supply_request, request_id=request.id, reason=" ")
    assert exc.value.field == "decision_note"
    command.run(command.supervisor, ix.refuse_supply_request, request_id=request.id, reason="超出本月调剂额度", now=NOW)
    with pytest.raises(InputError) as exc:
        command.run(command.marketing, ix.approve_supply_request, request_id=request.id, now=NOW)
    assert exc.value.field == "state"


def test_a_stale_approval_is_refused(command: Command):
    request = _request(command)
    command.run(command.supervisor, ix.refuse_supply_request, request_id=request.id, reason="重复申请",
                version=request.version, now=NOW)
    with pytest.raises(InputError) as exc:
        command.run(command.marketing, ix.approve_supply_request, request_id=request.id, version=request.version)
    assert exc.value.field == STALE


def test_an_approved_request_joins_its_routes_next_order_day(command: Command):
    """NOW is Tuesday 2026-07-14: 城东-01 orders on Thursdays (07-16); 城东-02 has no order day, so the next working
    day (07-15) stands in."""
    on_thursdays, without = _request(command, retailer=0), _request(command, retailer=3)
    pending = {r.id: r for r in command.run(command.viewer, ix.pending_supply_requests, today=NOW.date())}
    assert (pending[on_thursdays.id].order_day, pending[on_thursdays.id].order_weekday) == (date(2026, 7, 16), 4)
    assert (pending[without.id].order_day, pending[without.id].route) == (date(2026, 7, 15), "城东-02")
    first = command.run(command.supervisor, ix.approve_supply_request, request_id=on_thursdays.id, now=NOW)
    second = command.run(command.supervisor, ix.approve_supply_request, request_id=without.id, now=NOW)
    assert (first.next_order_date, second.next_order_date) == (date(2026, 7, 16), date(2026, 7, 15))
    assert [r.id for r in command.run(command.viewer, ix.supply_for_order_day, day=date(2026, 7, 16))] == [first.id]


def test_an_order_day_on_a_holiday_moves_to_the_next_week_and_a_late_one_is_said(command: Command, admin):
    from portal.center.workdays import WorkCalendar
    from portal.incidents.supply_posts import next_order_day

    calendar = WorkCalendar({date(2026, 7, 16): False})  # that Thursday is a day off
    assert next_order_day(calendar, 4, date(2026, 7, 14)) == date(2026, 7, 23)
    assert next_order_day(calendar, 4, date(2026, 7, 16)) == date(2026, 7, 23)  # never the day itself
    assert next_order_day(calendar, 7, date(2026, 7, 14)) == date(2026, 7, 15)  # Sundays are never worked
    soon = _request(command, event_date=date(2026, 7, 15))  # the day before 城东-01 orders
    [row] = [r for r in command.run(command.viewer, ix.pending_supply_requests, today=NOW.date()) if r.id == soon.id]
    assert row.after_event


def test_posts_order_days_and_brands_are_set_by_admins(command: Command, admin):
    with pytest.raises(PermissionDenied):
        command.run(command.supervisor, ix.set_supply_approver, post="customer_service_head",
                    holder_id=command.supervisor.id, max_quantity=500)
    with pytest.raises(PermissionDenied):
        command.run(command.supervisor, ix.set_route_order_day, route="城东-02", weekday=2)
    command.run(admin, ix.set_supply_approver, post="customer_service_head", holder_id=command.supervisor.id,
                max_quantity=40)
    assert command.run(command.supervisor, ix.approval_limit) == 40
    for bad, field in ((dict(post="director"), "post"), (dict(max_quantity=-1), "max_quantity"),
                       (dict(holder_id=999_999), "holder_id")):
        with pytest.raises(InputError) as exc:
            command.run(admin, ix.set_supply_approver, **(dict(post="customer_service_head", holder_id=None,
                                                               max_quantity=10) | bad))
        assert exc.value.field == field
    command.run(admin, ix.set_route_order_day, route="城东-02", weekday=2)
    command.run(admin, ix.set_route_order_day, route="城东-01", weekday=None)
    with unit_of_work(engine=command.engine) as s:
        assert ix.route_order_days(s) == {"城东-02": 2}
    with pytest.raises(InputError) as exc:
        command.run(admin, ix.set_route_order_day, route="城东-02", weekday=8)
    assert exc.value.field == "weekday"
    with pytest.raises(InputError) as exc:
        command.run(admin, ix.save_brand, name="利群(新版)")
    assert exc.value.field == "name"

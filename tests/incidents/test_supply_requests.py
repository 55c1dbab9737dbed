"""Emergency supply requests: who is eligible, which brands, approval limits per role, the order day."""
from datetime import date, timedelta

import pytest

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


def test_approval_needs_a_role_whose_limit_covers_the_quantity(command: Command):
    small, large = _request(command), _request(command, lines={command.brands["利群(新版)"]: 30})
    with pytest.raises(InputError) as exc:  # coordinators approve up to 20 cartons
        command.run(command.coordinator, ix.approve_supply_request, request_id=large.id, now=NOW)
    assert exc.value.field == "total_quantity" and "limit of 20" in str(exc.value) and "Supervisor" in str(exc.value)
    approved = command.run(command.coordinator, ix.approve_supply_request, request_id=small.id,
                           version=small.version, now=NOW)
    assert approved.state == "approved" and approved.next_order_date == date(2026, 7, 15)  # next working day
    assert command.run(command.supervisor, ix.approve_supply_request, request_id=large.id, now=NOW).state == "approved"
    with pytest.raises(PermissionDenied):
        command.run(command.agent, ix.approve_supply_request, request_id=small.id)


def test_pending_list_says_which_requests_the_reader_may_approve(command: Command):
    small, large = _request(command), _request(command, lines={command.brands["利群(新版)"]: 30})
    rows = {r.id: r for r in command.run(command.coordinator, ix.pending_supply_requests)}
    assert rows[small.id].may_approve and not rows[large.id].may_approve
    assert rows[small.id].lines == "利群(新版) × 10, 红双喜(硬) × 5"


def test_a_refusal_needs_a_reason_and_a_decision_is_made_once(command: Command):
    request = _request(command)
    with pytest.raises(InputError) as exc:
        command.run(command.supervisor, ix.refuse_supply_request, request_id=request.id, reason=" ")
    assert exc.value.field == "decision_note"
    command.run(command.supervisor, ix.refuse_supply_request, request_id=request.id, reason="超出本月调剂额度", now=NOW)
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.approve_supply_request, request_id=request.id, now=NOW)
    assert exc.value.field == "state"


def test_a_stale_approval_is_refused(command: Command):
    request = _request(command)
    command.run(command.supervisor, ix.refuse_supply_request, request_id=request.id, reason="重复申请",
                version=request.version, now=NOW)
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.approve_supply_request, request_id=request.id, version=request.version)
    assert exc.value.field == STALE


def test_approved_requests_are_listed_for_the_next_order_day(command: Command):
    first, second = _request(command), _request(command, retailer=1)
    command.run(command.coordinator, ix.approve_supply_request, request_id=first.id, now=NOW)
    command.run(command.coordinator, ix.approve_supply_request, request_id=second.id,
                next_order_date=date(2026, 7, 16), now=NOW)
    day = command.run(command.viewer, ix.supply_for_order_day, day=date(2026, 7, 15))
    assert [r.id for r in day] == [first.id]
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.approve_supply_request, request_id=_request(command).id,
                    next_order_date=NOW.date() - timedelta(days=1), now=NOW)
    assert exc.value.field == "next_order_date"


def test_limits_and_brands_are_set_by_admins(command: Command, admin):
    with pytest.raises(PermissionDenied):
        command.run(command.supervisor, ix.set_approval_limit, role="supervisor", max_quantity=500)
    command.run(admin, ix.set_approval_limit, role="emergency_coordinator", max_quantity=40)
    assert command.run(command.coordinator, ix.approval_limit) == 40
    with pytest.raises(InputError) as exc:
        command.run(admin, ix.save_brand, name="利群(新版)")
    assert exc.value.field == "name"

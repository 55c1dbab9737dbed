"""The incident pages as a coordinator and a viewer use them: the board, opening an incident, the incident
page with its timeline, entry form (kept with a retry when the database does not answer) and status moves."""
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from db.engine import unit_of_work
from db.incident_models import Incident, IncidentTimelineEntry
from portal import incidents as ix
from portal.incidents.rules import utcnow
from portal.ui.text import shown

PAGES = ("incident_board", "incident_new", "incident_events", "incidents", "supply_requests")


@pytest.fixture
def coordinator(make_user):
    return make_user("emergency_coordinator", login="huangwei", name="黄伟", language="en")


def _open(actor, **kw):
    values = dict(type="severe_weather", severity=3, title="城东区暴雨", started_at=utcnow() - timedelta(hours=2),
                  situation="城东-01 线路积水")
    with unit_of_work(actor.id) as s:
        return ix.open_incident(s, actor=actor, **(values | kw)).id


def _page(signed_in, login: str, page: str, **params):
    at = signed_in(login).switch_page(f"pages/{page}.py")
    for k, v in params.items():
        at.query_params[k] = str(v)
    at.run()
    assert not at.exception, at.exception
    return at


def _entries(incident_id: int) -> list[str]:
    with unit_of_work() as s:
        return list(s.scalars(select(IncidentTimelineEntry.text).where(IncidentTimelineEntry.incident_id == incident_id)
                              .where(IncidentTimelineEntry.kind == "update").order_by(IncidentTimelineEntry.id)))


def test_every_incident_page_opens_for_a_coordinator_and_a_viewer(signed_in, coordinator, make_user):
    make_user("viewer", login="xuming", language="en")
    incident_id = _open(coordinator)
    for login in ("huangwei", "xuming"):
        at = signed_in(login)
        for page in PAGES + ("incident",):
            if page == "incident_new" and login == "xuming":
                continue
            at.switch_page(f"pages/{page}.py")
            at.query_params["id"] = str(incident_id)
            at.run()
            assert not at.exception, (login, page, at.exception)
            assert not at.error, (login, page, [e.value for e in at.error])


def test_the_board_shows_open_incidents_most_severe_first(signed_in, coordinator):
    minor = _open(coordinator, title="订货系统缓慢", type="system_failure", severity=4)
    major = _open(coordinator, title="全区暴雨", severity=1, commander_id=coordinator.id)
    at = _page(signed_in, "huangwei", "incident_board")
    text = " ".join(m.value for m in at.markdown)
    refs = {i: f"YJ-{utcnow().year}-{i:04d}" for i in (minor, major)}
    assert text.index(refs[major]) < text.index(refs[minor])
    assert "2 open incidents" in at.caption[0].value


def test_a_quick_log_entry_from_the_board_lands_on_the_timeline(signed_in, coordinator):
    incident_id = _open(coordinator)
    at = _page(signed_in, "huangwei", "incident_board")
    prefix = f"board_entry_{incident_id}_"
    at.text_area(key=prefix + "text").input("备用车辆已从配送中心出发")
    at.button(key=prefix + "save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _entries(incident_id) == ["备用车辆已从配送中心出发"]
    # the browser emptied the form at the click (clear_on_submit): the next entry goes out by itself
    at.text_area(key=prefix + "text").input("车辆已到达城东-01")
    at.button(key=prefix + "save").click().run()
    assert _entries(incident_id) == ["备用车辆已从配送中心出发", "车辆已到达城东-01"]


def test_opening_an_incident_through_the_form(signed_in, coordinator):
    at = _page(signed_in, "huangwei", "incident_new")
    at.selectbox(key="new_incident_type").set_value("vehicle_breakdown")
    at.selectbox(key="new_incident_severity").set_value(2)
    at.text_input(key="new_incident_title").input("城西-02 送货车抛锚")
    at.button(key="new_incident_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with unit_of_work() as s:
        incident = s.scalar(select(Incident))
    assert (incident.title, incident.severity, incident.commander_id) == ("城西-02 送货车抛锚", 2, coordinator.id)


def test_a_major_incident_without_commander_is_refused_keeping_the_input(signed_in, coordinator):
    at = _page(signed_in, "huangwei", "incident_new")
    at.selectbox(key="new_incident_type").set_value("severe_weather")
    at.selectbox(key="new_incident_severity").set_value(1)
    at.selectbox(key="new_incident_commander").set_value(None)
    at.text_input(key="new_incident_title").input("台风")
    at.button(key="new_incident_save").click().run()
    assert [shown(e.value) for e in at.error][0].startswith("Commander: a major incident")
    assert at.text_input(key="new_incident_title").value == "台风"


def test_an_entry_survives_a_database_outage_and_is_saved_on_retry(signed_in, coordinator, monkeypatch):
    incident_id = _open(coordinator)
    at = _page(signed_in, "huangwei", "incident", id=incident_id)
    prefix = f"inc{incident_id}_entry_"
    at.text_area(key=prefix + "text").input("启动局部应急预案,通知城东-01 线路客户")
    real = ix.add_entry

    def unreachable(*_a, **_k):
        raise OperationalError("insert", {}, Exception("connection refused"))

    monkeypatch.setattr(ix, "add_entry", unreachable)
    at.button(key=prefix + "save").click().run()
    assert not at.exception, at.exception
    assert "did not answer" in at.warning[0].value
    [box] = [t for t in at.text_area if t.key.startswith(prefix) and t.key.endswith("text")]  # (drawn anew: the
    assert box.value == "启动局部应急预案,通知城东-01 线路客户"  # browser emptied it, forms.refill)
    assert _entries(incident_id) == []
    monkeypatch.setattr(ix, "add_entry", real)
    at.button(key=prefix + "retry").click().run()
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert _entries(incident_id) == ["启动局部应急预案,通知城东-01 线路客户"]
    assert at.text_area(key=prefix + "text").value == ""


def test_status_moves_from_the_incident_page_and_appear_in_the_timeline(signed_in, coordinator):
    incident_id = _open(coordinator)
    at = _page(signed_in, "huangwei", "incident", id=incident_id)
    p = f"inc{incident_id}_status_"
    at.selectbox(key=p + "to").set_value("resolved")
    at.button(key=p + "save").click().run()
    assert [shown(e.value) for e in at.error] == ["Resolution: say how it was resolved."]
    at.text_area(key=p + "resolution").input("积水已退,恢复送货")
    at.button(key=p + "save").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "Status changed." in [s.value for s in at.success]
    assert any("Opened → Resolved" in m.value for m in at.markdown)
    with unit_of_work() as s:
        assert s.get(Incident, incident_id).status == "resolved"


def test_the_customer_service_head_approves_a_supply_request_within_the_posts_limit(signed_in, coordinator,
                                                                                 make_user):
    from datetime import date

    from db.models import Retailer
    from portal.access.auth import SYSTEM

    agent = make_user("agent", login="wangli", language="en")
    head = make_user("supervisor", login="zhanghua", name="张华", language="en")
    with unit_of_work() as s:
        shop = Retailer(license_no="330102100001", shop_name="金叶便利店", owner_name="李建国", district="城东区",
                        route="城东-01", business_type="convenience")
        s.add(shop)
        s.flush()
        brand = ix.save_brand(s, actor=SYSTEM, name="利群(新版)").id
        ix.set_supply_approver(s, actor=SYSTEM, post="customer_service_head", holder_id=head.id, max_quantity=20)
        ix.set_route_order_day(s, actor=SYSTEM, route="城东-01", weekday=3)
        small = ix.request_supply(s, actor=agent, retailer_id=shop.id, reason="wedding",
                                  event_date=date.today() + timedelta(days=20), lines={brand: 10})
        large = ix.request_supply(s, actor=agent, retailer_id=shop.id, reason="meeting",
                                  event_date=date.today() + timedelta(days=20), lines={brand: 30})
    at = _page(signed_in, "zhanghua", "supply_requests")
    assert at.button(key=f"decide_{large.id}_approve").disabled
    assert any("route 城东-01, orders on Wednesdays" in m.value for m in at.markdown)
    at.button(key=f"decide_{small.id}_approve").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert f"Request {small.reference} decided." in [s.value for s in at.success]
    with unit_of_work() as s:
        day = s.get(type(small), small.id).next_order_date
        assert day.isoweekday() == 3 and day > date.today()
        assert [r.id for r in ix.supply_for_order_day(s, actor=agent, day=day)] == [small.id]
    viewer = _page(signed_in, "huangwei", "supply_requests")  # an emergency coordinator holds no post: reads only
    assert not [b for b in viewer.button if b.key and b.key.startswith("decide_")]
    assert any("Customer-service head 张华 (≤ 20)" in c.value for c in viewer.caption)


def test_the_admin_names_the_approvers_and_the_order_days(signed_in, make_user):
    from db.models import Retailer

    head = make_user("supervisor", login="zhanghua", name="张华", language="en")
    with unit_of_work() as s:
        s.add(Retailer(license_no="330102100001", shop_name="金叶便利店", owner_name="李建国", district="城东区",
                       route="城东-01", business_type="convenience"))
    at = _page(signed_in, "admin", "admin_supply")
    at.selectbox(key="supply_approvers.holder.customer_service_head").set_value(head.id)
    at.number_input(key="supply_approvers.limit.customer_service_head").set_value(80)
    at.button(key="FormSubmitter:supply_approvers.form-Save approvers").click().run()
    assert "Approvers saved." in [s.value for s in at.success]
    at.text_input(key="brand_new_name").input("红双喜(硬)")
    at.button(key="FormSubmitter:brand_new_form-Save brand").click().run()
    assert not at.error, [e.value for e in at.error]
    with unit_of_work() as s:
        [posted, vacant] = ix.supply_approvers(s)
        assert (posted.post, posted.holder_id, posted.max_quantity) == ("customer_service_head", head.id, 80)
        assert vacant.holder_id is None
        assert [b.name for b in ix.list_brands(s)] == ["红双喜(硬)"]


def test_a_suspension_starts_from_the_incidents_affected_step_and_keeps_its_planned_resumption(signed_in,
                                                                                                 coordinator):
    from db.incident_models import ServiceSuspension
    from portal.center_time import now as center_now

    incident_id = _open(coordinator, affected_steps=["sorting"], affected_routes=["城东-01", "城东-02"])
    at = _page(signed_in, "huangwei", "incident", id=incident_id)
    p = f"inc{incident_id}_suspend_"
    assert at.selectbox(key=p + "service").value == "sorting"  # from the incident's affected steps
    assert at.text_input(key=p + "area").value == "城东-01、城东-02"
    since = (center_now() - timedelta(hours=1)).replace(tzinfo=None, second=0, microsecond=0)
    at.datetime_input(key=p + "since").set_value(since)
    at.datetime_input(key=p + "planned").set_value(since - timedelta(minutes=5))
    at.button(key=p + "save").click().run()
    assert [shown(e.value) for e in at.error] == ["Planned resumption: after the suspension, please."]
    assert at.text_input(key=p + "area").value == "城东-01、城东-02"  # kept
    at.datetime_input(key=p + "planned").set_value(since + timedelta(hours=6))
    at.button(key=p + "save").click().run()
    assert not at.error, [e.value for e in at.error]
    with unit_of_work() as s:
        stop = s.scalars(select(ServiceSuspension).where(ServiceSuspension.incident_id == incident_id)).one()
        assert stop.planned_resumption_at - stop.suspended_at == timedelta(hours=6)
    assert any("planned to resume at" in m.value for m in at.markdown)

"""The response to an incident: suspensions, notices, the call list, the handover brief, and a grade-1
complaint opening a linked incident."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from db.engine import unit_of_work
from db.models import ComplaintCategory
from portal import complaints as cx
from portal import incidents as ix
from portal.access.auth import PermissionDenied
from portal.errors import InputError
from tests.incidents.support import NOW, STARTED, Command, command_fixture  # noqa: F401  (the fixture)


def test_suspension_and_resumption_go_on_the_timeline(command: Command):
    incident = command.open()
    stop = command.run(command.coordinator, ix.record_suspension, incident_id=incident.id, service="delivery",
                       area="城东-01、城东-02", suspended_at=STARTED + timedelta(minutes=15), now=NOW)
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.record_resumption, suspension_id=stop.id,
                    resumed_at=STARTED, now=NOW)
    assert exc.value.field == "resumed_at"
    command.run(command.coordinator, ix.record_resumption, suspension_id=stop.id, version=stop.version,
                now=NOW + timedelta(hours=2))
    texts = [e.text for e in command.entries(incident.id) if e.kind == "action"]
    assert texts == ["Delivery suspended: 城东-01、城东-02.", "Delivery resumed: 城东-01、城东-02."]
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.record_suspension, incident_id=incident.id, service="marketing",
                    area="x", now=NOW)
    assert exc.value.field == "service"


def test_a_suspension_since_an_earlier_time_with_its_planned_resumption(command: Command):
    incident = command.open()
    since, planned = STARTED + timedelta(minutes=10), NOW + timedelta(hours=4)  # planned: later today
    for bad in (since, since - timedelta(minutes=1), datetime(9999, 12, 31, 23, 59)):
        with pytest.raises(InputError) as exc:
            command.run(command.coordinator, ix.record_suspension, incident_id=incident.id, service="delivery",
                        area="城东-01", suspended_at=since, planned_resumption_at=bad, now=NOW)
        assert exc.value.field == "planned_resumption_at"
    stop = command.run(command.coordinator, ix.record_suspension, incident_id=incident.id, service="delivery",
                       area="城东-01", suspended_at=since, planned_resumption_at=planned, now=NOW)
    assert (stop.suspended_at, stop.planned_resumption_at) == (since, planned)
    [entry] = [e for e in command.entries(incident.id) if e.kind == "action"]
    assert entry.text.startswith("Delivery suspended: 城东-01. Planned to resume at ")
    html = ix.handover_brief_html(command.run(command.viewer, ix.incident_view, incident_id=incident.id))
    assert "Suspended since" in html and "Planned resumption" in html and "still suspended" in html


def test_notices_and_the_call_list(command: Command):
    incident = command.open()
    assert ix.suggested_notice_method("district_wide") == "sms" and ix.suggested_notice_method("local") == "call"
    command.run(command.coordinator, ix.record_notice, incident_id=incident.id, method="call",
                text="因暴雨今日送货推迟至下午", audience="城东-01 线路", now=NOW)
    added = command.run(command.coordinator, ix.add_to_call_list, incident_id=incident.id, routes=["城东-01"])
    assert added == 3
    assert command.run(command.coordinator, ix.add_to_call_list, incident_id=incident.id,
                       retailer_ids=command.retailers[:4]) == 1  # those already listed are skipped
    view = command.run(command.coordinator, ix.incident_view, incident_id=incident.id)
    first = view.call_list[0]
    command.run(command.deputy, ix.mark_called, call_id=first["id"], version=first["version"], note="已知悉", now=NOW)
    view = command.run(command.viewer, ix.incident_view, incident_id=incident.id)
    assert view.calls_done == 1 and len(view.call_list) == 4
    assert view.call_list[0]["called_by"] == "孙浩" and view.call_list[0]["phone"] is None  # viewers: no phones
    assert [e.kind for e in view.timeline].count("customer_notice") == 1
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.record_notice, incident_id=incident.id, method="pigeon", text="x")
    assert exc.value.field == "method"


def test_the_handover_brief_shows_situation_timeline_open_actions_and_who_is_in_charge(command: Command):
    incident = command.open(severity=2, commander_id=command.coordinator.id)
    command.run(command.coordinator, ix.add_entry, incident_id=incident.id, text="启动局部应急预案 <b>",
                kind="decision", significant=True, now=NOW)
    command.run(command.coordinator, ix.add_action, incident_id=incident.id, text="排查排水隐患",
                owner_id=command.deputy.id, due_date=date(2026, 7, 31), now=NOW)
    command.run(command.coordinator, ix.record_suspension, incident_id=incident.id, service="delivery",
                area="城东-01", now=NOW)
    command.run(command.coordinator, ix.record_notice, incident_id=incident.id, method="call",
                text="因暴雨今日送货推迟至下午", audience="城东-01 线路", now=NOW)
    html = ix.handover_brief_html(command.run(command.viewer, ix.incident_view, incident_id=incident.id))
    for expected in (incident.reference, "城东区 8 点起暴雨", "Commander</td><td>黄伟", "排查排水隐患", "孙浩",
                     "启动局部应急预案 &lt;b&gt;", "still suspended", "2 – Serious (major)",
                     "<td>城东-01 线路</td><td>因暴雨今日送货推迟至下午</td><td>黄伟</td>"):
        assert expected in html, expected


def test_the_brief_counts_the_call_list_as_affected_retailers_when_nobody_estimated(command: Command):
    incident = command.open()
    assert incident.affected_retailers_estimate is None
    assert "Affected retailers</td><td>—" in ix.handover_brief_html(
        command.run(command.viewer, ix.incident_view, incident_id=incident.id))
    command.run(command.coordinator, ix.add_to_call_list, incident_id=incident.id, routes=["城东-01"])
    html = ix.handover_brief_html(command.run(command.viewer, ix.incident_view, incident_id=incident.id))
    assert "Affected retailers</td><td>3 on the call list" in html


def test_a_grade_1_complaint_opens_a_linked_incident_once(command: Command):
    with unit_of_work(engine=command.engine) as s:
        category = s.scalar(select(ComplaintCategory.id).where(ComplaintCategory.code == "delivery"))
    received = datetime.now().astimezone() - timedelta(hours=1)
    major = command.run(command.agent, cx.register_complaint, channel="hotline", received_at=received,
                        complainant_name="李建国", complainant_phone="13812345678", category_id=category, grade=1,
                        description="十余家零售户联名投诉连续三天未送货", retailer_id=command.retailers[0])
    minor = command.run(command.agent, cx.register_complaint, channel="hotline", received_at=received,
                        complainant_name="王五", complainant_phone="13812345679", category_id=category, grade=3,
                        description="送货晚了")
    incident = command.run(command.coordinator, ix.open_incident_from_complaint, complaint_id=major.complaint_id)
    assert (incident.type, incident.severity, incident.commander_id) == ("major_complaint", 2, command.coordinator.id)
    assert incident.title == f"Major complaint {major.reference}"
    again = command.run(command.coordinator, ix.open_incident_from_complaint, complaint_id=major.complaint_id)
    assert again.id == incident.id
    view = command.run(command.viewer, ix.incident_view, incident_id=incident.id)
    assert view.complaint.reference == major.reference and len(view.call_list) == 1
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.open_incident_from_complaint, complaint_id=minor.complaint_id)
    assert exc.value.field == "complaint_id"
    with pytest.raises(PermissionDenied):
        command.run(command.agent, ix.open_incident_from_complaint, complaint_id=major.complaint_id)


def test_incident_and_supply_lists_come_from_the_records_layer(command: Command):
    from portal.incidents.records import INCIDENTS, SUPPLY_REQUESTS
    from portal.records.filters import Filter
    from portal.records.query import fetch_page
    from portal.records.view import ViewState

    command.open()
    command.open(title="订货系统故障", type="system_failure", affected_steps=["ordering"])
    command.run(command.agent, ix.request_supply, retailer_id=command.retailers[0], reason="funeral",
                event_date=date(2026, 7, 16), lines={command.brands["利群(新版)"]: 3}, now=NOW)
    with unit_of_work(engine=command.engine) as s:
        found = fetch_page(s, actor=command.viewer, spec=INCIDENTS, view=ViewState(search="暴雨"))
        by_step = fetch_page(s, actor=command.viewer, spec=INCIDENTS,
                             view=ViewState(filters=(Filter("affected_steps", "any_of", ("ordering",)),)))
        supply = fetch_page(s, actor=command.viewer, spec=SUPPLY_REQUESTS, view=ViewState())
    assert [r["title"] for r in found.rows] == ["城东区暴雨,部分线路积水"]
    assert [r["title"] for r in by_step.rows] == ["订货系统故障"]
    assert supply.rows[0]["retailer_id__label"] == "金叶便利店0" and supply.rows[0]["total_quantity"] == 3


def test_the_home_page_counts_what_waits_for_a_coordinator(command: Command):
    from portal.home import home_summary

    command.open(severity=2, commander_id=command.coordinator.id)
    incident = command.open()
    command.run(command.coordinator, ix.add_action, incident_id=incident.id, text="复盘", now=NOW,
                owner_id=command.coordinator.id, due_date=date(2026, 7, 20))
    with unit_of_work(engine=command.engine) as s:
        items = home_summary(s, actor=command.coordinator, language="en").items["Emergency incidents"]
    assert [(i.label, i.count) for i in items] == [
        ("Open incidents", 2), ("Of these, major (severity 1–2)", 1), ("My open follow-up actions", 1),
        ("Supply requests awaiting approval", 0)]

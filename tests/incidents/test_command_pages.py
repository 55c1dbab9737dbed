"""The command group, checklist and supervision review on the incident page and the board, as the coordinator, the
supervision center's reviewer and a viewer see them."""
from __future__ import annotations

from sqlalchemy import select

from db.engine import unit_of_work
from db.incident_models import Incident, IncidentChecklistTick
from portal import incidents as ix
from portal.incidents.rules import utcnow
from portal.ui.text import shown
from tests.incidents.test_pages import _open, _page, coordinator  # noqa: F401 (fixture)


def _text(at) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [w.value for w in at.warning])


def test_the_board_and_the_page_say_what_a_major_incidents_group_still_lacks(signed_in, coordinator, make_user):  # noqa: F811
    leader = make_user("supervisor", login="zhanghua", name="张华", language="en")
    incident_id = _open(coordinator, severity=2, commander_id=coordinator.id, title="全区订货系统瘫痪")
    board = _page(signed_in, "huangwei", "incident_board")
    assert "Command group incomplete: Group leader, Deputy group leader, Member" in _text(board)
    page = _page(signed_in, "huangwei", "incident", id=incident_id)
    p = f"inc{incident_id}_group_"
    page.selectbox(key=p + "user").set_value(leader.id)
    page.selectbox(key=p + "position").set_value("leader")
    page.button(key=p + "save").click().run()
    assert not page.exception and not page.error, [e.value for e in page.error]
    assert "Group leader: 张华 · Commander: 黄伟" in _text(page)
    assert "Command group incomplete: Deputy group leader, Member" in _text(page)
    # moving it on is refused with what is missing
    page.selectbox(key=f"inc{incident_id}_status_to").set_value("responding")
    page.button(key=f"inc{incident_id}_status_save").click().run()
    assert any("Still missing: Deputy group leader, Member" in shown(e.value) for e in page.error)
    assert "Command group: Group leader: 张华" in _text(_page(signed_in, "huangwei", "incident_board"))


def test_a_coordinator_ticks_a_checklist_item_and_a_viewer_only_reads_it(signed_in, coordinator, make_user):  # noqa: F811
    make_user("viewer", login="xuming", language="en")
    incident_id = _open(coordinator, type="vehicle_breakdown", title="城西-03 送货车辆抛锚")
    page = _page(signed_in, "huangwei", "incident", id=incident_id)
    assert "0 of 5 done" in _text(page)
    page.button(key=f"check_{incident_id}_backup_vehicle").click().run()
    assert not page.exception and not page.error
    assert "1 of 5 done" in _text(page) and "Ticked by 黄伟" in _text(page)
    with unit_of_work() as s:
        assert s.scalars(select(IncidentChecklistTick.item)).all() == ["backup_vehicle"]
    viewer = _page(signed_in, "xuming", "incident", id=incident_id)
    assert "Ticked by 黄伟" in _text(viewer)
    assert not [b for b in viewer.button if (b.key or "").startswith("check_")]
    assert not [b for b in viewer.button if (b.key or "").endswith("_group_save")]


def test_a_reviewer_alone_reaches_home_and_every_incident_page(signed_in, coordinator, make_user):  # noqa: F811
    make_user("reviewer", login="zhenglin", name="郑琳", language="en")
    incident_id = _open(coordinator)
    at = signed_in("zhenglin")
    assert not at.exception and not at.error
    for page in ("incident_board", "incident_events", "incidents", "incident", "dashboard_incidents"):
        shown_page = _page(signed_in, "zhenglin", page, id=incident_id)
        assert not shown_page.error, (page, [e.value for e in shown_page.error])


def test_the_reviewer_records_the_review_under_their_own_name_and_the_coordinator_gets_no_form(
        signed_in, coordinator, make_user):  # noqa: F811
    make_user("viewer", "reviewer", login="xuming", name="徐明", language="en")
    incident_id = _open(coordinator)
    with unit_of_work(coordinator.id) as s:
        ix.change_status(s, actor=coordinator, incident_id=incident_id, status="resolved", resolution="积水已排除",
                         resolved_at=utcnow())
    key = f"inc{incident_id}_review_"
    own = _page(signed_in, "huangwei", "incident", id=incident_id)
    assert not [b for b in own.button if b.key == key + "save"]
    assert "Awaiting the supervision center's review" in _text(own)
    page = _page(signed_in, "xuming", "incident", id=incident_id)
    assert "Recorded under your name (徐明)" in _text(page)
    page.text_area(key=key + "note").input("处置及时，客户告知到位")
    page.button(key=key + "save").click().run()
    assert not page.exception and not page.error, [e.value for e in page.error]
    assert "Reviewed by 徐明" in _text(page) and "处置及时，客户告知到位" in _text(page)
    with unit_of_work() as s:
        incident = s.get(Incident, incident_id)
        reviewer = ix.reviewer_name(s, incident)
        assert (reviewer, incident.review_note) == ("徐明", "处置及时，客户告知到位")

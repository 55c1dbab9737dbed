"""In a real browser, with a real outage (the test stops the embedded PostgreSQL that the portal server uses, then
starts it again): what was typed into the complaint intake and an incident's entry form comes back, the refusal is
shown in the reader's language, and Retry saves it exactly once, without restarting the portal. And text typed right
after "Add entry" is neither glued onto the saved entry nor wiped."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from db.complaint_models import Complaint
from db.engine import unit_of_work
from db.incident_models import IncidentTimelineEntry
from portal import incidents as ix
from portal.center.admin import list_departments
from portal.incidents.rules import utcnow
from tests.complaints.test_browser import _choose
from tests.conftest import TEST_PASSWORD
from tests.support.browser import sign_in, wait_for_app

pytestmark = pytest.mark.e2e
UNANSWERED = "The database did not answer"


def _incident(make_user) -> int:
    coordinator = make_user("emergency_coordinator", login="huangwei", name="黄伟", language="en")
    with unit_of_work(coordinator.id) as s:
        return ix.open_incident(s, actor=coordinator, type="severe_weather", severity=3, title="城东区暴雨",
                                started_at=utcnow() - timedelta(hours=2)).id


def _back_and_retry(page, outage, settle_ms: int = 400) -> None:
    """The database is back: press Retry (the page's or the part's, whichever comes first) and let the run end."""
    outage.end()
    page.get_by_role("button", name="Retry").first.click()
    wait_for_app(page, settle_ms=settle_ms)


def _entries(incident_id: int) -> list[str]:
    with unit_of_work() as s:
        return list(s.scalars(select(IncidentTimelineEntry.text).where(IncidentTimelineEntry.incident_id == incident_id)
                              .where(IncidentTimelineEntry.kind == "update").order_by(IncidentTimelineEntry.id)))


def test_the_intake_survives_a_real_outage_and_retry_saves_it_once(base_url, page, make_user, outage):
    make_user("agent", login="wangli", department="customer_service", name="王丽", staff_id="KF1001", language="en")
    sign_in(page, base_url, "wangli", TEST_PASSWORD)
    page.goto(f"{base_url}/complaint_new")
    wait_for_app(page, settle_ms=400)
    page.get_by_label("Complainant *", exact=True).fill("李建国")
    page.get_by_label("Phone *", exact=True).fill("13812345678")
    _choose(page, "Category *", "Delivery")
    page.get_by_label("Description *", exact=True).fill("送货员没有按约定时间送货,店里断货一上午。")
    outage.begin()
    page.get_by_role("button", name="Save the complaint").click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text(UNANSWERED)).to_be_visible()
    page.get_by_role("button", name="Retry").click()  # still down: the same refusal, nothing lost
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text(UNANSWERED)).to_be_visible()
    _back_and_retry(page, outage)
    expect(page.get_by_text("Tell the caller")).to_be_visible()
    with unit_of_work() as s:
        saved = s.execute(select(Complaint.complainant_name, Complaint.complainant_phone, Complaint.description)).all()
    assert saved == [("李建国", "13812345678", "送货员没有按约定时间送货,店里断货一上午。")]


def test_an_incident_entry_survives_a_real_outage_and_retry_saves_it_once(base_url, page, make_user, outage):
    incident_id = _incident(make_user)
    sign_in(page, base_url, "huangwei", TEST_PASSWORD)
    page.goto(f"{base_url}/incident?id={incident_id}")
    wait_for_app(page, settle_ms=400)
    box = page.get_by_label("What happened, was decided or was done", exact=True)
    box.fill("启动局部应急预案,通知城东-01 线路客户")
    outage.begin()
    page.get_by_role("button", name="Add entry").click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text(UNANSWERED)).to_be_visible()
    _back_and_retry(page, outage, settle_ms=600)
    expect(page.get_by_text("启动局部应急预案,通知城东-01 线路客户").first).to_be_visible()
    expect(page.get_by_text(UNANSWERED)).to_have_count(0)
    expect(box).to_have_value("")
    assert _entries(incident_id) == ["启动局部应急预案,通知城东-01 线路客户"]


def test_a_grids_search_and_layout_show_again_after_an_outage_took_the_toolbar_off(base_url, page, make_user,
                                                                                   outage):
    """A search pressed while the database is down: the grid's part says so, in place of the toolbar. After Retry the
    rows are searched, and the box shows the search again (the browser had mounted it empty: a keyed widget drawn
    again after a run that left it out shows its default, unless its value is assigned anew)."""
    make_user("supervisor", login="zhanghua", department="customer_service", name="张华", language="en")
    sign_in(page, base_url, "zhanghua", TEST_PASSWORD)
    page.goto(f"{base_url}/complaints")
    wait_for_app(page, settle_ms=400)
    box = page.get_by_role("textbox", name="Search", exact=True)
    outage.begin()
    box.fill("没有这样的投诉")
    box.press("Enter")
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text(UNANSWERED)).to_be_visible()
    _back_and_retry(page, outage)
    expect(page.get_by_text("No complaints match")).to_be_visible()
    expect(page.get_by_role("textbox", name="Search", exact=True)).to_have_value("没有这样的投诉")
    expect(page.get_by_role("radio", name="Grid")).to_be_checked()  # the layout switch shows its choice too


def test_a_picker_changed_during_an_outage_shows_its_choice_after_retry(base_url, page, make_user, outage):
    """A picker that chooses what the page shows (here: which department the form below edits) changed while the
    database is down: after Retry the picker and the form below it show the department chosen (before
    portal/ui/redraw.py, the first one again: the choice was dropped with the widget the failed run left out)."""
    make_user("admin", login="wuting", name="吴婷", language="en")
    with unit_of_work() as s:
        names = [d.name_en for d in list_departments(s)]
    sign_in(page, base_url, "wuting", TEST_PASSWORD)
    page.goto(f"{base_url}/admin_departments")
    wait_for_app(page, settle_ms=400)
    page.get_by_role("tab", name="Rename or deactivate").click()
    picker = page.get_by_label("Department", exact=True)
    expect(picker).to_have_value(names[0])
    outage.begin()
    _choose(page, "Department", names[2])
    expect(page.get_by_text(UNANSWERED)).to_be_visible()
    _back_and_retry(page, outage)
    page.get_by_role("tab", name="Rename or deactivate").click()
    expect(page.get_by_label("English name").last).to_have_value(names[2])  # the form edits the one picked
    expect(picker).to_have_value(names[2])  # and the picker says so


@pytest.mark.parametrize("pause_ms", [0, 300, 900])
def test_text_typed_right_after_add_entry_is_neither_glued_nor_wiped(base_url, page, make_user, pause_ms):
    incident_id = _incident(make_user)
    sign_in(page, base_url, "huangwei", TEST_PASSWORD)
    page.goto(f"{base_url}/incident?id={incident_id}")
    wait_for_app(page, settle_ms=400)
    box = page.get_by_label("What happened, was decided or was done", exact=True)
    box.fill("第一条:现场积水")
    page.get_by_role("button", name="Add entry").click()
    page.wait_for_timeout(pause_ms)
    box.press_sequentially("第二条:车辆绕行", delay=40)  # typed while the first one is being saved
    wait_for_app(page, settle_ms=1500)
    expect(box).to_have_value("第二条:车辆绕行")
    page.get_by_role("button", name="Add entry").click()
    wait_for_app(page, settle_ms=800)
    assert _entries(incident_id) == ["第一条:现场积水", "第二条:车辆绕行"]


def test_the_boards_quick_log_picker_keeps_the_incident_chosen_during_an_outage(base_url, page, make_user, outage):
    """The incident board's quick log entry: a coordinator picks another incident while the database is down; after
    Retry the picker names the incident the entry form below writes to, and the entry lands there."""
    coordinator = make_user("emergency_coordinator", login="huangwei", name="黄伟", language="en")
    with unit_of_work(coordinator.id) as s:
        first, second = (ix.open_incident(s, actor=coordinator, type="severe_weather", severity=severity, title=title,
                                          started_at=utcnow() - timedelta(hours=2)) for severity, title in
                         ((3, "城东区暴雨"), (4, "城西区停水")))
        first, second_id, second_label = first.id, second.id, f"{second.reference} · 城西区停水"
    sign_in(page, base_url, "huangwei", TEST_PASSWORD)
    page.goto(f"{base_url}/incident_board")
    wait_for_app(page, settle_ms=400)
    picker = page.get_by_label("Incident", exact=True)
    expect(picker).not_to_have_value(second_label)
    outage.begin()
    _choose(page, "Incident", second_label)
    expect(page.get_by_text(UNANSWERED).first).to_be_visible()
    _back_and_retry(page, outage)
    expect(picker).to_have_value(second_label)  # the picker says which incident the form writes to
    page.get_by_label("What happened, was decided or was done", exact=True).fill("供水车已到达")
    page.get_by_role("button", name="Add entry").click()
    wait_for_app(page, settle_ms=400)
    assert _entries(second_id) == ["供水车已到达"] and _entries(first) == []


def test_the_incident_logs_filters_come_back_after_its_refreshing_part_met_an_outage(base_url, page, make_user, outage):
    """The timeline redraws itself (every 4 s here). Its filters (search, kinds, ★ only) were drawn anew at their
    defaults after a refresh the database did not answer: a coordinator looking for "供水" saw the whole log again."""
    coordinator = make_user("emergency_coordinator", login="huangwei", name="黄伟", language="en")
    with unit_of_work(coordinator.id) as s:
        incident_id = ix.open_incident(s, actor=coordinator, type="severe_weather", severity=3, title="城东区暴雨",
                                       started_at=utcnow() - timedelta(hours=2)).id
        for text in ("供水车已出发", "道路封闭"):
            ix.add_entry(s, actor=coordinator, incident_id=incident_id, text=text)
    sign_in(page, base_url, "huangwei", TEST_PASSWORD)
    page.goto(f"{base_url}/incident?id={incident_id}")
    wait_for_app(page, settle_ms=400)
    page.get_by_role("tab", name="Timeline").click()
    search = page.get_by_label("Search the log", exact=True)
    search.fill("供水")
    search.press("Enter")
    expect(page.get_by_text("1 of ")).to_be_visible()
    outage.begin()
    expect(page.get_by_text("this part is shown again at its next refresh")).to_be_visible(timeout=15_000)
    outage.end()
    expect(search).to_have_value("供水", timeout=15_000)
    expect(page.get_by_text("1 of ")).to_be_visible(timeout=15_000)

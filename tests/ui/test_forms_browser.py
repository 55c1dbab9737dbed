"""In a real browser, a form that was saved shows its starting values again (portal.ui.forms): what the browser
shows is what the next save would send, so text left behind after a save would invite saving it twice."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from db.complaint_models import ComplaintEvent
from db.engine import unit_of_work
from db.models import ComplaintCategory
from portal import complaints as cx
from portal.incidents.rules import utcnow
from tests.conftest import TEST_PASSWORD
from tests.support.browser import sign_in, wait_for_app

pytestmark = pytest.mark.e2e
NOTE = "Internal note (staff only, never sent to the complainant)"


def _complaint(make_user) -> int:
    agent = make_user("agent", login="wangli", department="customer_service", name="王丽", staff_id="KF1001",
                      language="en")
    with unit_of_work(agent.id) as s:
        delivery = s.scalar(select(ComplaintCategory.id).where(ComplaintCategory.code == "delivery"))
        complaint = cx.register_complaint(s, actor=agent, channel="hotline", received_at=utcnow(),
                                          complainant_name="李建国", complainant_phone="13812345678",
                                          category_id=delivery, grade=3, description="送货员没有按约定时间送货。")
        return complaint.complaint_id


def _notes(complaint_id: int) -> list[str]:
    with unit_of_work() as s:
        return list(s.scalars(select(ComplaintEvent.note).where(ComplaintEvent.complaint_id == complaint_id,
                                                                ComplaintEvent.kind == "note")
                              .order_by(ComplaintEvent.id)))


def test_the_internal_note_box_is_empty_after_a_note_is_saved(base_url, page, make_user):
    complaint_id = _complaint(make_user)
    sign_in(page, base_url, "wangli", TEST_PASSWORD)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(f"{base_url}/complaint?id={complaint_id}")
    wait_for_app(page, settle_ms=400)
    box = page.get_by_label(NOTE, exact=True)
    for text in ("客户下午再来电,已安抚。", "第二条:已转物流部。"):  # the second save sends only the second text
        box.fill(text)
        page.get_by_role("button", name="Add internal note", exact=True).click()
        wait_for_app(page, settle_ms=400)
        expect(page.get_by_text("Internal note added.")).to_be_visible()
        expect(page.get_by_text(text).first).to_be_visible()
        expect(box).to_have_value("")
    with unit_of_work() as s:  # each note once, as typed: nothing of the first one went out with the second
        notes = s.scalars(select(ComplaintEvent.note).where(ComplaintEvent.complaint_id == complaint_id,
                                                            ComplaintEvent.kind == "note")
                          .order_by(ComplaintEvent.id)).all()
    assert notes == ["客户下午再来电,已安抚。", "第二条:已转物流部。"]


@pytest.mark.parametrize("pause_ms", [0, 300, 900])
def test_text_typed_right_after_add_internal_note_is_neither_glued_nor_wiped(base_url, page, make_user, pause_ms):
    complaint_id = _complaint(make_user)
    sign_in(page, base_url, "wangli", TEST_PASSWORD)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(f"{base_url}/complaint?id={complaint_id}")
    wait_for_app(page, settle_ms=400)
    box = page.get_by_label(NOTE, exact=True)
    box.fill("第一条:客户已来电")
    page.get_by_role("button", name="Add internal note", exact=True).click()
    page.wait_for_timeout(pause_ms)
    box.press_sequentially("第二条:已转物流部", delay=40)  # typed while the first one is being saved
    wait_for_app(page, settle_ms=1500)
    expect(box).to_have_value("第二条:已转物流部")
    page.get_by_role("button", name="Add internal note", exact=True).click()
    wait_for_app(page, settle_ms=800)
    assert _notes(complaint_id) == ["第一条:客户已来电", "第二条:已转物流部"]


def test_a_year_typed_decades_ahead_reaches_the_check_instead_of_being_dropped(base_url, page, make_user):
    """Streamlit's date boxes refuse, in the browser, a day more than ten years from today (an English tooltip) and
    the page then goes on with the value the box had before: a start typed 2062 for 2026 opened the incident "now",
    without a word. Within portal.inputs.DAY_RANGE the box sends what was typed, and the check says what is wrong."""
    from db.incident_models import Incident

    make_user("emergency_coordinator", login="huangwei", name="黄伟", language="en")
    sign_in(page, base_url, "huangwei", TEST_PASSWORD)
    page.goto(f"{base_url}/incident_new")
    wait_for_app(page, settle_ms=400)
    page.get_by_label("Title *").fill("城东区暴雨")
    page.get_by_label("Title *").press("Tab")
    wait_for_app(page)
    page.locator("[data-testid=stSelectbox]").first.click()
    page.keyboard.press("Enter")  # the first type
    wait_for_app(page)
    page.locator(".st-key-new_incident_started [data-type=year]").click()
    page.keyboard.type("206201051030")  # 2062-01-05 10:30
    page.keyboard.press("Tab")
    wait_for_app(page, settle_ms=400)
    page.get_by_role("button", name="Open incident").click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("That time is in the future; enter when it happened.")).to_be_visible()
    with unit_of_work() as s:
        assert s.scalars(select(Incident.title)).all() == []


def test_a_number_beyond_the_range_reaches_the_check_instead_of_being_dropped(base_url, page, make_user):
    """A number box with bounds refuses a number beyond them in the browser (a red mark, a tooltip), and pressing
    Save then said nothing at all: the limit stayed as it was. Without bounds in the box, the check names the range."""
    from portal import incidents as ix

    make_user("admin", login="wuting", name="吴婷", language="en")
    sign_in(page, base_url, "wuting", TEST_PASSWORD)
    page.goto(f"{base_url}/admin_supply")
    wait_for_app(page, settle_ms=400)
    page.get_by_label("Limit (cartons)").first.fill("100001")
    page.get_by_role("button", name="Save approvers").click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("Limit: enter a number of cartons from 0 to 100,000.")).to_be_visible()
    expect(page.get_by_label("Limit (cartons)").first).to_have_value("100001")  # what was typed stays
    with unit_of_work() as s:
        assert 100_001 not in [a.max_quantity for a in ix.supply_approvers(s)]

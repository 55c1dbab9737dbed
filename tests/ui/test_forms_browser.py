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

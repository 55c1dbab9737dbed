"""In a real browser: a supervisor assigns a complaint -> the handler's bell shows it, the notifications page says so
in the handler's words, links to the complaint, and marks it read; the e-mail reaches the handler (the portal's worker
sends it to a real SMTP server on loopback). Then the clock moves on a working day past the resolution limit: the
scan tells the handler it is overdue and escalates to the supervisors, whose bell and mail say so."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from db.complaint_models import Complaint
from db.engine import unit_of_work
from db.models import ComplaintCategory, Retailer
from db.notification_models import Notification
from portal import complaints as cx
from portal.center.sla import add_working_time
from portal.center.workdays import load_calendar
from portal.center_time import now
from portal.config import get_settings
from portal.notifications.watch import run_all_scans
from tests.complaints.test_browser import _as, _choose, _move
from tests.support.browser import wait_for_app
from tests.support.mailbox import wait_for_mail

pytestmark = pytest.mark.e2e
SHOTS = None  # set to a folder (e.g. "/tmp/shots") to keep a screenshot of every step


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/notify_{name}.png", full_page=True)


def test_an_assignment_reaches_the_handler_and_an_overdue_complaint_escalates_to_the_supervisor(
        base_url, page, make_user, queue, portal_mailbox, monkeypatch, request):
    agent = make_user("agent", login="wangli", department="customer_service", name="王丽", staff_id="KF1001",
                      language="en")
    supervisor = make_user("supervisor", login="zhanghua", department="customer_service", name="张华",
                           staff_id="KF1000", language="en", email="zhanghua@example.cn")
    handler = make_user("handler", login="sunhao", department="logistics", name="孙浩", staff_id="KF3001",
                        language="en", email="sunhao@example.cn")
    with unit_of_work(agent.id) as s:
        retailer = Retailer(license_no="330102123456", shop_name="金叶便利店", owner_name="李建国",
                            phone="13812345678", district="城东区", business_type="convenience")
        s.add(retailer)
        s.flush()
        delivery = s.scalar(select(ComplaintCategory.id).where(ComplaintCategory.code == "delivery"))
        reg = cx.register_complaint(s, actor=agent, channel="hotline", received_at=now() - timedelta(minutes=5),
                                    complainant_name="李建国", complainant_phone="13812345678",
                                    retailer_id=retailer.id, category_id=delivery, grade=3,
                                    description="送货员没有按约定时间送货,店里断货一上午。")

    _as(page, base_url, "sunhao")  # nothing yet: no bell
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_role("link", name="Notifications", exact=True)).to_be_visible()

    _as(page, base_url, "zhanghua")
    _move(page, base_url, str(reg.complaint_id), "Assign",
          lambda form: _choose(page, "Handler (optional)", "孙浩 (KF3001) · Logistics / delivery center"))

    deadline = time.monotonic() + 15  # the portal's worker writes it (within a second or so)
    while True:
        with unit_of_work(handler.id) as s:
            if s.scalar(select(Notification.id).where(Notification.user_id == handler.id)):
                break
        assert time.monotonic() < deadline, "no notification from the portal's worker"
        time.sleep(0.1)

    _as(page, base_url, "sunhao")
    bell = page.get_by_test_id("stSidebar").get_by_role("link", name="Notifications: 1 unread")
    expect(bell).to_be_visible()
    _shot(page, "bell")
    bell.click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(page.get_by_text(f"Complaint {reg.reference} was assigned to you")).to_be_visible()
    _shot(page, "page")
    page.get_by_role("button", name="Mark read").click()
    wait_for_app(page)
    expect(page.get_by_text("0 unread of 1, unread first.")).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    page.get_by_role("link", name="Open").click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text(reg.reference).first).to_be_visible()
    assert f"id={reg.complaint_id}" in page.url

    mail = wait_for_mail(portal_mailbox, "sunhao@example.cn")  # sent by the portal's own worker
    assert reg.reference in str(mail["Subject"]) and f"id={reg.complaint_id}" in mail.get_content()

    # the clock moves on, nothing answered: an hour past the resolution limit (overdue), then a working day later;
    # the scans run here, with the portal's mail settings (the portal's worker sends what they queue)
    monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PORTAL_SMTP_PORT", str(portal_mailbox.port))
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)
    with unit_of_work() as s:
        c = s.get(Complaint, reg.complaint_id)
        calendar = load_calendar(s)
        overdue = run_all_scans(s, add_working_time(calendar, c.resolution_due_at, timedelta(hours=1)))
    with unit_of_work() as s:
        escalated = run_all_scans(s, add_working_time(calendar, c.resolution_due_at, timedelta(days=1, hours=1)))
    assert overdue["complaint_overdue"].made >= 1 and escalated["complaint_escalation"].made >= 1
    _as(page, base_url, "zhanghua")
    bell = page.get_by_test_id("stSidebar").get_by_role("link", name=re.compile(r"Notifications: \d+ unread"))
    expect(bell).to_be_visible()
    bell.click()
    wait_for_app(page)
    expect(page.get_by_text(f"Escalation: complaint {reg.reference} is still overdue").first).to_be_visible()
    _shot(page, "escalation")
    escalation = wait_for_mail(portal_mailbox, "zhanghua@example.cn")
    assert reg.reference in str(escalation["Subject"])
    with unit_of_work(handler.id) as s:  # the handler was told it is overdue too (their supervisor as well)
        told = set(s.scalars(select(Notification.rule).where(Notification.user_id == handler.id)))
        assert {"complaint_assigned", "complaint_overdue"} <= told
        assert s.scalar(select(Notification.id).where(Notification.user_id == supervisor.id,
                                                      Notification.rule == "complaint_escalation"))

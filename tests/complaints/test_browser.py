"""In a real browser, the closed loop of one complaint: the agent registers it → the supervisor assigns it → the
handler replies → the follow-up records "dissatisfied" → it reopens → the handler replies again → the follow-up
records "satisfied" → the supervisor closes it; the timeline shows every step."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from portal.ui.session import COOKIE
from tests.conftest import TEST_PASSWORD
from tests.support.browser import sign_in, wait_for_app

pytestmark = pytest.mark.e2e
SHOTS = None  # set to a folder (e.g. "/tmp/shots") to keep a screenshot of every step


def _choose(page, label: str, option: str) -> None:
    """Pick `option` in the Streamlit selectbox labelled `label`."""
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).first.click()
    wait_for_app(page)


def _cookie(page, *, present: bool) -> None:
    """Wait until the page's script has written (or removed) the session cookie, before opening another URL."""
    deadline = time.monotonic() + 10
    while any(c["name"] == COOKIE and c["value"] for c in page.context.cookies()) != present:
        assert time.monotonic() < deadline, f"session cookie {'not set' if present else 'still set'}"
        page.wait_for_timeout(100)


def _as(page, base_url: str, login: str) -> None:
    """Sign out whoever is signed in, and sign in as `login`."""
    if page.get_by_role("button", name="Sign out").count():
        page.get_by_role("button", name="Sign out").click()
        wait_for_app(page)
        _cookie(page, present=False)
    sign_in(page, base_url, login, TEST_PASSWORD)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    _cookie(page, present=True)


def _move(page, base_url: str, complaint_id: str, label: str, fill=None, step: str = "") -> None:
    """Open the complaint, choose the move `label`, fill its form and submit it; the page confirms it."""
    page.goto(f"{base_url}/complaint?id={complaint_id}")
    wait_for_app(page, settle_ms=400)
    if not page.get_by_role("radio", name=label, exact=True).is_checked():  # "What next?" lists the moves
        page.get_by_test_id("stRadio").get_by_text(label, exact=True).click()
        wait_for_app(page)
    form = page.get_by_test_id("stForm").first
    if fill:
        fill(form)
    form.get_by_role("button", name=label, exact=True).click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text(f"{label}: done.")).to_be_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/cx_loop_{step or label}.png", full_page=True)


def test_a_complaint_goes_round_the_closed_loop(base_url, page, make_user):
    make_user("agent", login="wangli", department="customer_service", name="王丽", staff_id="KF1001", language="en")
    make_user("supervisor", login="zhanghua", department="customer_service", name="张华", staff_id="KF1000",
              language="en")
    make_user("handler", login="sunhao", department="logistics", name="孙浩", staff_id="KF3001", language="en")

    # the agent takes the call and tells the caller the reference, their staff ID and the promised times
    _as(page, base_url, "wangli")
    page.get_by_role("link", name="Register a complaint").first.click()
    wait_for_app(page)
    page.get_by_label("Complainant *", exact=True).fill("李建国")
    page.get_by_label("Phone *", exact=True).fill("13812345678")
    _choose(page, "Category *", "Delivery")
    page.get_by_label("Description *", exact=True).fill("送货员没有按约定时间送货,店里断货一上午。")
    page.get_by_role("button", name="Save the complaint").click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("Tell the caller")).to_be_visible()
    expect(page.get_by_text("staff ID KF1001")).to_be_visible()
    reference = re.search(r"TS-\d{4}-\d{6}", page.get_by_text("Your complaint number is").inner_text()).group(0)
    href = page.get_by_role("link", name=f"Open complaint {reference}").get_attribute("href")
    complaint_id = re.search(r"id=(\d+)", href).group(1)

    _as(page, base_url, "zhanghua")
    _move(page, base_url, complaint_id, "Assign", lambda form: _choose(page, "Handler (optional)",
                                                                       "孙浩 (KF3001) · Logistics / delivery center"))

    def retriage(form):  # issue 17: the supervisor raises the grade after intake, with a reason
        _choose(page, "Grade *", "2 – Serious")
        form.get_by_label("Reason for the change *", exact=True).fill("同一线路多家零售客户断货")
    _move(page, base_url, complaint_id, "Re-triage", retriage)
    _as(page, base_url, "sunhao")
    _move(page, base_url, complaint_id, "Start work")

    def answer(text):
        def fill(form):
            if form.get_by_label("Verification result *", exact=True).count():
                form.get_by_label("Verification result *", exact=True).fill("属实:车辆故障,未通知客户。")
            form.get_by_label("What the complainant was told *", exact=True).fill(text)
        return fill

    _move(page, base_url, complaint_id, "Reply", answer("已安排今天下午补送,向您致歉。"), step="reply1")

    def follow_up(mood):
        return lambda form: _choose(page, "Satisfaction *", mood)

    _as(page, base_url, "wangli")
    _move(page, base_url, complaint_id, "Record follow-up", follow_up("Dissatisfied"), step="dissatisfied")
    expect(page.get_by_role("heading", name=f"{reference} · In progress")).to_be_visible()  # reopened

    _as(page, base_url, "sunhao")
    _move(page, base_url, complaint_id, "Reply", answer("已补送并赔偿运费,配送中心已整改。"), step="reply2")
    _as(page, base_url, "wangli")
    _move(page, base_url, complaint_id, "Record follow-up", follow_up("Satisfied"), step="satisfied")
    _as(page, base_url, "zhanghua")
    _move(page, base_url, complaint_id, "Close the loop")
    expect(page.get_by_role("heading", name=f"{reference} · Loop closed")).to_be_visible()

    timeline = page.locator(".st-key-complaint_timeline").inner_text()
    assert "Grade: 3 → 2" in timeline and "同一线路多家零售客户断货" in timeline
    steps = ["Registered", "Registered → Assigned", "Assigned → In progress", "In progress → Replied",
             "Replied → In progress", "In progress → Replied", "Replied → Followed up", "Followed up → Loop closed"]
    positions = [timeline.find(s) for s in steps]
    assert -1 not in positions, (steps, timeline)
    assert timeline.count("In progress → Replied") == 2 and "Dissatisfied" in timeline and "Satisfied" in timeline
    for who in ("王丽 (KF1001)", "张华 (KF1000)", "孙浩 (KF3001)"):
        assert who in timeline

"""In a real browser, one rainstorm from the first report to the review: an emergency coordinator opens a severity-2
severe-weather incident with a commander → the page opens on the plan's checklist, and an item is ticked → logs
entries and flags one significant (it shows on the significant-events view) → the board says the command group is
incomplete → raises the severity (the timeline says so) → names a member of the group → records a suspension, a
customer notice and a call list, ticking one retailer off → resolves it → the supervision center's reviewer records
the review under their own name → the coordinator closes it with root cause and a follow-up action; the handover
brief shows it all. On the way, the board redraws itself without losing a half-typed entry."""
from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from db.engine import unit_of_work
from db.incident_models import Incident, IncidentRetailer
from db.models import Retailer, User
from portal import incidents as ix
from portal.center.sla import local
from portal.incidents.rules import utcnow
from tests.conftest import TEST_PASSWORD
from tests.support.browser import sign_in, wait_for_app

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("PORTAL_E2E_SHOTS")  # a folder to keep a screenshot of every step (e.g. /tmp/shots)
REFRESH = float(os.environ.get("PORTAL_INCIDENT_REFRESH_SECONDS") or 4)  # as the e2e server runs the board


def _shot(page, name: str, at=None) -> None:
    """Keep a screenshot of the page (scrolled to `at`: Streamlit scrolls its main area itself, so a full-page shot
    shows only the top)."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        if at is not None:
            at.scroll_into_view_if_needed()
        page.screenshot(path=f"{SHOTS}/incident_{name}.png", full_page=True)


def _choose(page, label: str, option: str, scope=None) -> None:
    """Pick `option` in the Streamlit selectbox labelled `label` (typing to narrow a long list down), and see it
    chosen. A click that lands while the page is still redrawing may not open the list: then try again."""
    scope = scope or page
    box = scope.get_by_label(label, exact=True)
    choice = page.get_by_role("option", name=option, exact=True).first
    for _attempt in range(3):
        wait_for_app(page)
        box.click()
        try:
            expect(choice).to_be_visible(timeout=5_000)
        except AssertionError:
            page.keyboard.type(option)  # the box has the focus; the list shows what matches
        try:
            choice.click(timeout=5_000)
            break
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    else:
        raise AssertionError(f"{label}: could not choose {option}")
    wait_for_app(page)
    expect(box).to_have_value(option)


def _add_option(page, scope, label: str, option: str) -> None:
    """Add `option` to the multiselect labelled `label`: open it, type to narrow the list down if the option is not
    offered at once, pick it; the chosen option then shows as a chip in the box."""
    box = scope.get_by_label(label, exact=True)
    choice = page.get_by_role("option", name=option, exact=True)
    for attempt in range(3):  # the board redraws itself every few seconds, which may close an open list: again
        box.click()
        try:
            expect(choice).to_be_visible(timeout=5_000)
        except AssertionError:
            page.keyboard.type(option)  # the box has the focus
        try:
            choice.click(timeout=5_000)
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    page.keyboard.press("Escape")
    expect(scope.get_by_text(option, exact=True)).to_be_visible()


def _form(page, button: str):
    """The Streamlit form whose submit button says `button`."""
    return page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name=button, exact=True))


def _submit(page, button: str, confirmation: str) -> None:
    _form(page, button).get_by_role("button", name=button, exact=True).click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text(confirmation).first).to_be_visible()


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    wait_for_app(page)


def _log(page, text: str, *, kind: str | None = None, significant: bool = False) -> None:
    """Write a timeline entry on the incident page."""
    form = _form(page, "Add entry")
    form.get_by_label("What happened, was decided or was done", exact=True).fill(text)
    if kind:
        _choose(page, "Kind", kind, scope=form)
    if significant:
        form.get_by_test_id("stCheckbox").filter(has_text="Significant").click()
    form.get_by_role("button", name="Add entry", exact=True).click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text(text).first).to_be_visible()
    expect(form.get_by_label("What happened, was decided or was done", exact=True)).to_have_value("")
    wait_for_app(page)


def _timeline(page) -> str:
    return page.get_by_role("tabpanel", name="Timeline").inner_text()


def test_a_rainstorm_from_first_report_to_review_and_handover(base_url, page, make_user):
    make_user("emergency_coordinator", login="huangwei", department="security", name="黄伟", staff_id="KF6001",
              language="en")
    deputy = make_user("emergency_coordinator", login="sunhao", department="logistics", name="孙浩", staff_id="KF3001",
                       language="en")
    leader = make_user("supervisor", login="zhanghua", department="customer_service", name="张华", staff_id="KF1000")
    make_user("handler", login="wuting", department="information", name="吴婷", staff_id="KF4001")
    make_user("viewer", "reviewer", login="xuming", department="supervision", name="徐明", staff_id="KF7001",
              language="en")
    with unit_of_work() as s:
        s.add_all([Retailer(license_no=f"330102{100000 + n}", shop_name=f"金叶便利店{n}", owner_name="李建国",
                            phone=f"1381234{n:04d}", district="城东区", route="城东-01", business_type="convenience")
                   for n in range(3)])

    # open it in under 30 seconds: type, severity, title, what is happening, commander, affected step
    sign_in(page, base_url, "huangwei", TEST_PASSWORD)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(f"{base_url}/incident_new")
    wait_for_app(page)
    _choose(page, "Type *", "Severe weather")
    _choose(page, "Severity *", "2 – Serious (major)")
    page.get_by_label("Title *", exact=True).fill("城东区暴雨,城东-01 线路积水")
    page.get_by_label("What is happening", exact=True).fill("早上 7 点起持续暴雨,人民路积水 30 厘米,送货车辆无法通行。")
    _choose(page, "Commander *", "黄伟 (KF6001)")
    page.get_by_role("button", name="Delivery", exact=True).click()
    wait_for_app(page)
    _shot(page, "1_open")
    page.get_by_role("button", name="Open incident", exact=True).click()
    wait_for_app(page, settle_ms=500)
    incident_id = int(re.search(r"id=(\d+)", page.url).group(1))
    reference = f"YJ-{local(utcnow()).year}-{incident_id:04d}"
    expect(page.get_by_role("heading", name=f"{reference} · 城东区暴雨,城东-01 线路积水")).to_be_visible()
    expect(page.get_by_text("2 – Serious (major)").first).to_be_visible()

    # a new incident opens on its checklist (the plan's measures for severe weather); one is ticked
    expect(page.get_by_role("tab", name="Checklist", exact=True)).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("0 of 6 done")).to_be_visible()
    page.locator(f".st-key-check_{incident_id}_cash_settlement_row").get_by_role("button", name="Done").click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("1 of 6 done")).to_be_visible()
    expect(page.get_by_text("Ticked by 黄伟")).to_be_visible()
    _shot(page, "1b_checklist")
    _tab(page, "Timeline")
    assert "Checklist: ✓ Retailers who cannot pay through the bank" in _timeline(page)

    # the log: entries as things unfold, one of them flagged significant
    _log(page, "城东-01 线路 12 户今日上午无法送达。")
    _log(page, "启动局部应急预案,现场指挥设在配送中心。", kind="Decision", significant=True)
    _log(page, "调配备用厢式货车 1 辆待命。", kind="Resource")
    _shot(page, "2_timeline")
    page.goto(f"{base_url}/incident_events")
    wait_for_app(page)
    events = page.get_by_test_id("stMain").inner_text()
    assert "启动局部应急预案" in events and reference in events and "城东-01 线路 12 户" not in events
    _shot(page, "3_significant")

    # the board redraws itself every few seconds; a half-typed quick entry survives it
    page.goto(f"{base_url}/incident_board")
    wait_for_app(page)
    expect(page.get_by_text(reference)).to_be_visible()
    expect(page.get_by_text("Command group incomplete: Group leader, Deputy group leader, Member")).to_be_visible()
    quick = page.get_by_label("What happened, was decided or was done", exact=True)
    quick.fill("交警确认解放路 10 点后可单向通")
    caption = page.get_by_text(re.compile(r"open incidents · updated"))
    before = caption.inner_text()
    expect(caption).not_to_have_text(before, timeout=REFRESH * 3 * 1000)  # it refreshed (the time moved on)
    expect(quick).to_have_value("交警确认解放路 10 点后可单向通")
    quick.press_sequentially("行。")
    _shot(page, "4_board")
    _form(page, "Add entry").get_by_role("button", name="Add entry", exact=True).click()
    wait_for_app(page, settle_ms=400)
    expect(quick).to_have_value("")

    # command: the severity goes up, and the timeline says so
    page.goto(f"{base_url}/incident?id={incident_id}")
    wait_for_app(page)
    assert "交警确认解放路 10 点后可单向通行。" in _timeline(page)
    _tab(page, "Status and command")
    form = _form(page, "Save severity and commander")
    expect(form.get_by_label("Commander", exact=True)).to_have_value("黄伟 (KF6001)")
    _choose(page, "Severity", "1 – Critical (major)", scope=form)
    form.get_by_label("Note", exact=True).fill("积水范围扩大到城东-02")
    _submit(page, "Save severity and commander", "Severity changed.")
    _shot(page, "5_severity")
    _tab(page, "Timeline")
    assert "Severity: 2 – Serious (major) → 1 – Critical (major). 积水范围扩大到城东-02" in _timeline(page)

    # the command group: a member named here (the leader and deputy were named from another desk)
    with unit_of_work(deputy.id) as s:
        for user, position in ((leader, "leader"), (deputy, "deputy_leader")):
            ix.name_to_group(s, actor=deputy, incident_id=incident_id, user_id=user.id, position=position)
    _tab(page, "Status and command")
    form = _form(page, "Name to the group")
    expect(form.get_by_label("Position", exact=True)).to_have_value("Member")
    _choose(page, "Person", "吴婷 (KF4001)", scope=form)
    _submit(page, "Name to the group", "Named to the command group.")
    expect(page.get_by_text(re.compile("Command group: Group leader: 张华 · Deputy group leader: 孙浩 · "
                                       "Commander: 黄伟 · Members: 吴婷"))).to_be_visible()

    # response: delivery suspended on the route, retailers told by phone, and the call list ticked off
    _tab(page, "Suspensions, notices, calls")
    form = _form(page, "Record suspension")
    _choose(page, "Service", "Delivery", scope=form)
    form.get_by_label("Area", exact=True).fill("城东-01")
    _submit(page, "Record suspension", "Suspension recorded.")
    _tab(page, "Suspensions, notices, calls")
    form = _form(page, "Record notice")
    form.get_by_label("What retailers were told", exact=True).fill("因暴雨积水,今日上午送货暂停,预计下午 2 点后恢复。")
    form.get_by_label("Who was told", exact=True).fill("城东-01 线路客户")
    _submit(page, "Record notice", "Notice recorded.")
    _tab(page, "Suspensions, notices, calls")
    form = _form(page, "Add to call list")
    _add_option(page, form, "Add every active retailer on routes", "城东-01")
    _submit(page, "Add to call list", "Call list updated.")
    _tab(page, "Suspensions, notices, calls")
    expect(page.get_by_text("0 of 3 called")).to_be_visible()
    find = page.get_by_label("Find on the call list", exact=True)  # a long list is searched, not scrolled
    find.fill("100001")
    find.press("Enter")
    wait_for_app(page)
    expect(_call_rows(page)).to_have_count(1)
    expect(_call_rows(page)).to_contain_text("金叶便利店1")
    find.fill("")
    find.press("Enter")
    wait_for_app(page)
    expect(_call_rows(page)).to_have_count(3)
    row = _call_rows(page).filter(has_text="金叶便利店0")  # on the phone: what they said, then "Called"
    row.get_by_placeholder("What they said (optional)").fill("已知悉,下午等补送")
    row.get_by_role("button", name="Called", exact=True).click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("1 of 3 called")).to_be_visible()
    expect(row).to_contain_text("Called by 黄伟")
    expect(row).to_contain_text("已知悉,下午等补送")
    expect(_call_rows(page).filter(has_text="金叶便利店1").get_by_placeholder("What they said (optional)")) \
        .to_have_value("")
    _shot(page, "6_response", at=_call_rows(page).last)
    page.get_by_role("button", name="Resumed", exact=True).click()  # the water is gone: delivery runs again
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("Service resumed.")).to_be_visible()

    # resolved, then a follow-up action, then closed out with the review
    _tab(page, "Status and command")
    form = _form(page, "Change status")
    _choose(page, "New status", "Resolved", scope=form)
    form.get_by_label("Resolution", exact=True).fill("积水消退,14:10 恢复送货,受影响客户下午全部补送。")
    _submit(page, "Change status", "Status changed.")
    _tab(page, "Follow-up actions")
    form = _form(page, "Add action")
    form.get_by_label("Action", exact=True).fill("修订暴雨天气送货应急路线")
    _choose(page, "Owner", "孙浩 (KF3001)", scope=form)
    due = local(utcnow()).date() + timedelta(days=14)
    _date(page, form.get_by_label("Due date", exact=True), due)
    _submit(page, "Add action", "Action added.")

    # the supervision center's reviewer records the review in their own browser, under their own name
    reviewer = page.context.browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US").new_page()
    sign_in(reviewer, base_url, "xuming", TEST_PASSWORD)
    expect(reviewer.get_by_role("button", name="Sign out")).to_be_visible()
    reviewer.goto(f"{base_url}/incident?id={incident_id}")
    wait_for_app(reviewer)
    _tab(reviewer, "Status and command")
    expect(reviewer.get_by_text("Recorded under your name (徐明) and the time you save it.")).to_be_visible()
    _form(reviewer, "Record review").get_by_label("Review findings", exact=True).fill("处置及时,客户告知到位。")
    _submit(reviewer, "Record review", "Review recorded.")
    expect(reviewer.get_by_text(re.compile("Reviewed by 徐明, "))).to_be_visible()
    _shot(reviewer, "6b_review")
    reviewer.context.close()

    page.reload()  # (the coordinator's screen: the review changed the incident)
    wait_for_app(page)
    _tab(page, "Status and command")
    expect(page.get_by_text(re.compile("Reviewed by 徐明, "))).to_be_visible()
    form = _form(page, "Change status")
    _choose(page, "New status", "Closed out", scope=form)
    form.get_by_label("Root cause", exact=True).fill("极端降雨,道路积水超过车辆涉水深度。")
    form.get_by_role("button", name="Change status", exact=True).click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("follow-up actions are still open")).to_be_visible()  # says so, nothing lost
    expect(form.get_by_label("Root cause", exact=True)).to_have_value("极端降雨,道路积水超过车辆涉水深度。")
    form.get_by_test_id("stCheckbox").filter(has_text="Close with open actions").click()
    _submit(page, "Change status", "Status changed.")
    expect(page.get_by_text("Closed out").first).to_be_visible()
    _shot(page, "7_closed")
    with unit_of_work() as s:
        incident = s.get(Incident, incident_id)
        assert (incident.status, incident.severity) == ("closed", 1) and incident.review_note
        assert s.get(User, incident.reviewed_by_id).login == "xuming"
        assert s.query(IncidentRetailer).filter_by(incident_id=incident_id, called=True).count() == 1

    # the handover brief, one click: situation, who is in charge, timeline, suspension, notice, open action
    with page.expect_download() as download:
        page.get_by_role("button", name="Handover brief").click()
    brief = Path(download.value.path()).read_text(encoding="utf-8")
    for part in (reference, "早上 7 点起持续暴雨", "黄伟", "Closed out", "1 – Critical (major)", "★ 启动局部应急预案",
                 "城东-01 线路 12 户", "Severity: 2 – Serious (major) → 1 – Critical (major)",
                 "交警确认解放路 10 点后可单向通行。", "因暴雨积水,今日上午送货暂停", "Delivery",
                 "修订暴雨天气送货应急路线", "孙浩", "积水消退,14:10 恢复送货",
                 "极端降雨", "处置及时,客户告知到位。", "1 of 3 retailers on the call list have been called"):
        assert part in brief, part
    if SHOTS:
        brief_page = page.context.new_page()
        brief_page.set_content(brief)
        brief_page.screenshot(path=f"{SHOTS}/incident_8_brief.png", full_page=True)
        brief_page.close()


def _call_rows(page):
    """The call list's rows (one bordered box per retailer)."""
    return page.locator("[class*='st-key-call_'][class*='_row']")


def _date(page, field, day) -> None:
    """Type a date into a date field's segments (year, month, day), as a keyboard user does."""
    spins = field.get_by_role("spinbutton")
    expect(spins).to_have_count(3)
    for n, value in enumerate((day.strftime("%Y"), day.strftime("%m"), day.strftime("%d"))):
        spins.nth(n).click()
        page.keyboard.type(value)
    expect(field).to_contain_text(day.strftime("%d"))

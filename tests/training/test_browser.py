"""In a real browser, one training session from plan to coverage: the coordinator drafts it → the supervisor
approves it → the coordinator signs up more retailers than it has seats → one cancels with a reason → the first on
the waiting list moves up (the roster shows it) → attendance is marked on the check-in page → an evaluation is
entered → the retailer's training record card and the coverage page show it.

The session is drafted for later today (check-in opens on the session's day, sign-ups close when it starts)."""
from __future__ import annotations

import os
import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from sqlalchemy import select

from db.engine import unit_of_work
from db.models import Retailer
from db.training_models import SignUp, TrainingSession
from portal import training as tr
from portal.center_time import now as center_now
from tests.complaints.test_browser import _as, _choose
from tests.support.browser import wait_for_app
from tests.training.support import add_retailers

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("PORTAL_E2E_SHOTS")  # a folder (e.g. /tmp/shots) to keep a screenshot of every step


def _shot(page, name: str) -> None:
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/training_{name}.png", full_page=True)


def _later_today() -> tuple[datetime, datetime]:
    """A start at least 5 minutes ahead on a quarter hour (the form's step), ending 15 minutes later, both today
    (center time, on the morning portal's clock): the test signs retailers up before the start and checks them in
    on the day."""
    now = center_now().replace(second=0, microsecond=0)
    start = now + timedelta(minutes=5 + (-(now.minute + 5)) % 15)
    end = start + timedelta(minutes=15)
    assert end.date() == now.date(), f"the morning portal's clock reads {now:%H:%M}: the session ends tomorrow"
    return start, end


def _segments(page, label: str, *values: str) -> None:
    """Type into a date or time field's segments (year, month, day / hour, minute, and AM/PM where shown)."""
    spins = page.get_by_label(label, exact=True).get_by_role("spinbutton").all()
    assert len(spins) >= len(values), f"{label}: {len(spins)} segments"
    for spin, value in zip(spins, values, strict=False):
        spin.click()
        page.keyboard.type(value)


def _time(page, label: str, value: datetime) -> None:
    spins = page.get_by_label(label, exact=True).get_by_role("spinbutton").count()
    if spins >= 3:  # a 12-hour clock
        _segments(page, label, value.strftime("%I"), value.strftime("%M"), value.strftime("%p"))
    else:
        _segments(page, label, value.strftime("%H"), value.strftime("%M"))


def _pick(page, label: str, option: re.Pattern) -> None:
    """Pick the option matching `option` in the selectbox labelled `label` (again if a rerun redrew the list)."""
    for attempt in range(3):
        wait_for_app(page)
        page.get_by_label(label, exact=True).click()
        try:
            page.get_by_role("option", name=option).first.click(timeout=5_000)
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    wait_for_app(page)


def _open_session(page, base_url: str, session_id: str, tab: str | None = None) -> None:
    page.goto(f"{base_url}/training_session?id={session_id}")
    wait_for_app(page, settle_ms=300)
    if tab:
        page.get_by_role("tab", name=tab).click()
        wait_for_app(page)


def _grid_text(page, grid) -> str:
    """A data grid's cells as tab-separated text, read as a screen reader does: the grid draws on a canvas, and
    keeps its visible rows in an accessible table beside it (copying with Ctrl+C is off: the portal exports itself)."""
    page.set_viewport_size({"width": 2400, "height": 1200})  # it holds the columns in view: every column, here
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    grid.locator("td[data-testid^=glide-cell]").first.wait_for(state="attached")
    return "\n".join("\t".join(cell.text_content() or "" for cell in row.locator("td[data-testid^=glide-cell]").all())
                     for row in grid.locator("tr").all())


def _roster(page) -> str:
    """The roster under its tab, chosen first as a person would. (In one CI run the first grid of the page stayed
    "not visible" for 15 s after the page was opened again, while the screenshot taken then shows the roster: a
    hidden grid was read. Not reproduced in 9 runs; the tab click makes the one read the one shown.)"""
    page.get_by_role("tab", name="Roster").click()
    return _grid_text(page, page.get_by_test_id("stDataFrame").first)


def test_a_session_goes_from_plan_to_coverage(morning_url, page, make_user, db):
    base_url = morning_url
    coordinator = make_user("handler", "training_coordinator", login="chenjing", department="marketing", name="陈静",
                            staff_id="KF2002", language="en")
    make_user("supervisor", login="zhanghua", department="customer_service", name="张华", staff_id="KF1000",
              language="en")
    with unit_of_work(coordinator.id, engine=db) as s:
        tr.create_course(s, actor=coordinator, title="卷烟陈列技巧", kind="skill", duration_minutes=90,
                         target_business_types=[], target_star_levels=[])
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    add_retailers(db, 3)  # 测试便利店0..2, owners 店主0..2, licences 330102000000..02
    start, end = _later_today()

    # the coordinator drafts a two-seat session for later today and submits it
    _as(page, base_url, "chenjing")
    page.goto(f"{base_url}/training_plan")
    wait_for_app(page, settle_ms=300)
    form = page.get_by_test_id("stForm").first
    _choose(page, "Course", "卷烟陈列技巧")
    _segments(page, "Date", start.strftime("%Y"), start.strftime("%m"), start.strftime("%d"))
    _time(page, "Starts", start)
    _time(page, "Ends", end)
    form.get_by_label("Place", exact=True).fill("公司三楼培训室")
    _choose(page, "Trainer (in-house)", "陈静 (KF2002)")
    form.get_by_label("Capacity", exact=True).fill("2")
    _shot(page, "1_draft_form")
    form.get_by_role("button", name="Save draft").click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("Session “卷烟陈列技巧” drafted.")).to_be_visible()
    _pick(page, "Session", re.compile("卷烟陈列技巧 · Draft"))
    href = page.get_by_role("link", name="Open the roster").get_attribute("href")
    session_id = re.search(r"id=(\d+)", href).group(1)
    page.get_by_role("button", name="Submit for approval").click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("Submitted for approval.")).to_be_visible()

    # the supervisor approves it: it takes sign-ups now
    _as(page, base_url, "zhanghua")
    _open_session(page, base_url, session_id)
    page.get_by_role("button", name="Approve").click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("Approved: the session takes sign-ups now.")).to_be_visible()
    _shot(page, "2_approved")

    # the coordinator signs up three retailers for two seats: the third waits
    _as(page, base_url, "chenjing")
    _open_session(page, base_url, session_id, "Sign up retailers")
    page.get_by_label("Find retailers", exact=True).fill("测试便利店")
    page.get_by_label("Find retailers", exact=True).press("Enter")
    wait_for_app(page, settle_ms=400)
    for n in range(3):
        _pick(page, "Retailers to sign up", re.compile(f"测试便利店{n} "))
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Sign up", exact=True).click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("2 signed up, 1 on the waiting list.")).to_be_visible()
    _open_session(page, base_url, session_id)
    roster = _roster(page)
    assert "#1" in roster and "测试便利店2" in roster
    expect(page.get_by_test_id("stMetric").filter(has_text="Seats taken")).to_contain_text("2 / 2")
    _shot(page, "3_roster_full")

    # one seated retailer cancels with a reason: the first waiting retailer moves up
    page.get_by_text("Cancel a sign-up").click()
    _pick(page, "Sign-up", re.compile("测试便利店0 · 店主0"))
    page.get_by_label("Reason for cancelling", exact=True).fill("店里临时有事")
    page.get_by_role("button", name="Cancel sign-up").click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("Sign-up cancelled. Moved up from the waiting list: 1.")).to_be_visible()
    roster = _roster(page)
    assert "测试便利店0" not in roster and "#1" not in roster and "测试便利店2" in roster
    expect(page.get_by_test_id("stMetric").filter(has_text="Waiting list")).to_contain_text("0")
    _shot(page, "4_promoted")

    # on the day: the promoted retailer is checked in at the door
    page.goto(f"{base_url}/training_check_in?session={session_id}")
    wait_for_app(page, settle_ms=300)
    page.get_by_label("Name or licence number", exact=True).fill("330102000002")
    page.get_by_label("Name or licence number", exact=True).press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Check in", exact=True).click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("测试便利店2 checked in.")).to_be_visible()
    search = page.get_by_label("Name or licence number", exact=True)
    expect(search).to_have_value("")  # ready for the next name: emptied and focused
    expect(search).to_be_focused()
    search.fill("测试便利店0")  # cancelled before: offered as a walk-in, but both seats are taken
    search.press("Enter")
    wait_for_app(page)
    expect(page.get_by_role("button", name="Seat as walk-in")).to_be_disabled()
    _shot(page, "5_checked_in")

    # the attendee's evaluation form is entered
    page.goto(f"{base_url}/training_evaluation?session={session_id}")
    wait_for_app(page, settle_ms=300)
    form = page.get_by_test_id("stForm").first
    for question, score in (("Content", "5"), ("Trainer", "4"), ("Usefulness", "5")):
        group = form.get_by_role("radiogroup", name=re.compile(question))
        group.get_by_text(score, exact=True).click()
    form.get_by_label("Comments", exact=True).fill("陈列方法回去就能用")
    form.get_by_role("button", name="Save evaluation").click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("Evaluation saved.")).to_be_visible()
    expect(page.get_by_text("Evaluation sample reached (at least 10% of attendees)")).to_be_visible()
    _shot(page, "6_evaluated")

    # the retailer's record card shows the session, the attendance and the evaluation
    with unit_of_work(engine=db) as s:
        retailer_id = s.scalar(select(Retailer.id).where(Retailer.license_no == "330102000002"))
    page.goto(f"{base_url}/retailer?id={retailer_id}")
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("Training record card", exact=True)).to_be_visible()
    card = page.get_by_text("Training record card", exact=True).locator(
        "xpath=following::*[@data-testid='stDataFrame'][1]")  # the grid under the card's heading
    text = _grid_text(page, card)
    assert "卷烟陈列技巧" in text and "Attended" in text and "4.7 / 5" in text, text
    _shot(page, "7_record_card")

    # coverage: one of three active retailers trained this year, and the others are listed as untrained
    page.goto(f"{base_url}/training_coverage")
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_test_id("stMetric").first).to_contain_text("33")
    expect(page.get_by_text("2 active retailers without an attended session")).to_be_visible()
    _shot(page, "8_coverage")


def _y4m(photo: bytes, path) -> None:
    """A one-frame Y4M video of `photo` (640×480, 4:2:0): what chromium's fake camera plays, over and over."""
    import io

    import numpy as np
    from PIL import Image

    frame = Image.open(io.BytesIO(photo)).convert("RGB").resize((640, 480)).convert("YCbCr")
    y, cb, cr = (np.asarray(plane, dtype=np.uint8) for plane in frame.split())
    chroma = [np.asarray(Image.fromarray(p).resize((320, 240)), dtype=np.uint8) for p in (cb, cr)]
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\nFRAME\n")
        out.write(y.tobytes() + chroma[0].tobytes() + chroma[1].tobytes())


def test_the_desks_camera_reads_the_printed_code_and_checks_the_retailer_in(morning_url, browser, make_user, db,
                                                                             tmp_path):
    """The check-in desk's camera in a real browser: chromium's fake camera shows a photo of the code printed on the
    sign-in sheet (the portal's own SVG), the desk takes the photo, zxing-cpp reads it, the retailer is checked in."""
    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
    from tests.training.test_check_in_desk import photo_of_printed_code

    coordinator = make_user("training_coordinator", login="chenjing", department="marketing", name="陈静",
                            language="en")
    base_url, now = morning_url, center_now()
    assert (now + timedelta(minutes=30)).date() == now.date(), f"the morning portal's clock reads {now:%H:%M}"
    with unit_of_work(coordinator.id, engine=db) as s:
        course = tr.create_course(s, actor=coordinator, title="网上订货操作", kind="skill", duration_minutes=60)
        ts = TrainingSession(course_id=course.id, title="网上订货操作", starts_at=now + timedelta(minutes=30),
                             ends_at=now + timedelta(minutes=90), place="培训室", format="lecture",
                             trainer_id=coordinator.id, capacity=3, state="approved", approved_at=now)
        s.add(ts)
        s.flush()
        sid = ts.id
    [retailer] = add_retailers(db, 1)
    with unit_of_work(coordinator.id, engine=db) as s:
        tr.sign_up(s, actor=coordinator, session_id=sid, retailer_id=retailer)
    video = tmp_path / "code.y4m"
    _y4m(photo_of_printed_code(coordinator, sid), video)
    camera = browser.browser_type.launch(executable_path=CHROMIUM, args=[  # a chromium of its own: a fake camera
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        context = camera.new_context(viewport={"width": 1024, "height": 768}, locale="en-US")
        context.grant_permissions(["camera"], origin=base_url)
        context.set_default_timeout(15_000)
        page = context.new_page()
        _as(page, base_url, "chenjing")
        page.goto(f"{base_url}/training_check_in?session={sid}")
        wait_for_app(page, settle_ms=300)
        page.get_by_text("Scan codes with the camera").click()
        wait_for_app(page)
        # the fake camera's first frame is playing (a photo taken before it would be black)
        page.wait_for_function("[...document.querySelectorAll('video')].some(v => v.readyState >= 2 && v.videoWidth)")
        page.get_by_role("button", name="Take Photo").click()
        expect(page.get_by_text("测试便利店0 checked in.")).to_be_visible(timeout=15_000)
        _shot(page, "9_camera_check_in")
    finally:
        camera.close()
    with unit_of_work(engine=db) as s:
        assert s.scalar(select(SignUp.attended).where(SignUp.session_id == sid)) is True

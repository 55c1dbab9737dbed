"""The check-in desk (portal/training/check_in_desk.py): the sign-in sheet's printed QR code, photographed by the
tablet's camera, checks its retailer in (a real picture of the portal's own code, read by zxing-cpp); walk-ins are
seated while there is room and recorded as walk-ins; late arrivals and excused absences are recorded, and an excused
absentee is nobody's call to make."""
from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import vl_convert
from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy import update

from db.engine import unit_of_work
from db.models import Retailer
from db.training_models import SignUp, TrainingSession
from portal import training as tr
from portal.access.auth import PermissionDenied
from portal.errors import InputError
from portal.training import check_in_desk as desk
from tests.training.support import add_retailers

BASE = "http://portal.example:8501"


@pytest.fixture
def today(db, make_user):
    """A session that started ten minutes ago, for 3: retailers 0–2 seated, 3 waiting; 4 and 5 not signed up.
    Returns (coordinator, session id, retailer ids)."""
    coordinator = make_user("training_coordinator", login="coord", department="marketing", name="陈静", language="en")
    now = datetime.now(UTC)
    retailers = add_retailers(db, 6)
    with unit_of_work(coordinator.id) as s:
        course = tr.create_course(s, actor=coordinator, title="网上订货操作", kind="skill", duration_minutes=60)
        ts = TrainingSession(course_id=course.id, title="网上订货操作", starts_at=now - timedelta(minutes=10),
                             ends_at=now + timedelta(hours=1), place="培训室", format="lecture",
                             trainer_id=coordinator.id, capacity=3, state="approved", approved_at=now)
        s.add(ts)
        s.flush()
        for n, rid in enumerate(retailers[:4]):
            s.add(SignUp(session_id=ts.id, retailer_id=rid, state="signed_up" if n < 3 else "waitlisted",
                         waitlist_position=None if n < 3 else 1, signed_up_at=now - timedelta(days=3, minutes=n)))
        return coordinator, ts.id, retailers


def run(user, fn, **kw):
    with unit_of_work(user.id) as s:
        return fn(s, actor=user, **kw)


def _sign_up(session_id: int, retailer_id: int) -> SignUp | None:
    with unit_of_work() as s:
        return s.query(SignUp).filter_by(session_id=session_id, retailer_id=retailer_id).filter(
            SignUp.state != "cancelled").one_or_none()


def photo_of_printed_code(coordinator, session_id: int, row: int = 0) -> bytes:
    """A camera's photo of one line's code on the printed sign-in sheet: the sheet's own SVG, rasterised, on a page
    with the shop's name beside it, turned a little, a bit blurred, shrunk and saved as a JPEG."""
    with unit_of_work(coordinator.id) as s:
        sheet = tr.sign_in_sheet_html(s, actor=coordinator, session_id=session_id, check_in_base=BASE)
    svg = re.findall(r"<svg.*?</svg>", sheet, flags=re.S)[row]
    svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" width="220" height="220" ', 1)
    code = Image.open(io.BytesIO(vl_convert.svg_to_png(svg))).convert("RGB")
    page = Image.new("RGB", (640, 480), (236, 233, 226))  # paper under indoor light
    page.paste(code, (300, 120))
    ImageDraw.Draw(page).text((40, 200), "测试便利店 · 店主 · 330102000000", fill=(30, 30, 30))
    page = page.rotate(7, expand=False, fillcolor=(120, 110, 100)).filter(ImageFilter.GaussianBlur(1.1))
    out = io.BytesIO()
    page.resize((560, 420)).save(out, format="JPEG", quality=60)
    return out.getvalue()


def test_the_printed_code_photographed_reads_back_as_the_check_in_link(today):
    coordinator, sid, _retailers = today
    with unit_of_work(coordinator.id) as s:
        seated = {str(row["id"]) for row in tr.check_in_list(s, actor=coordinator, session_id=sid)}
    texts = [desk.read_code(photo_of_printed_code(coordinator, sid, row)) for row in range(3)]
    assert all(t is not None and t.startswith(f"{BASE}/training_check_in?session={sid}&signup=") for t in texts)
    assert {desk.code_params(t)[0] for t in texts} == seated  # each line's code names its own sign-up


def test_a_photo_of_the_code_checks_its_retailer_in_late_once_the_session_began(today):
    coordinator, sid, retailers = today
    photo = photo_of_printed_code(coordinator, sid)
    found = run(coordinator, desk.check_in_photo, session_id=sid, image=photo)
    su = _sign_up(sid, found["retailer_id"])
    assert found["already"] is False and su.id == found["id"] and found["retailer_id"] in retailers[:3]
    assert (su.attended, su.late, su.walk_in) == (True, True, False)  # it began ten minutes ago
    assert run(coordinator, desk.check_in_photo, session_id=sid, image=photo)["already"] is True


def test_a_photo_without_a_check_in_code_or_of_another_sessions_code_is_refused(today, make_user):
    coordinator, sid, _retailers = today
    blank = io.BytesIO()
    Image.new("RGB", (320, 240), "white").save(blank, format="PNG")
    other = io.BytesIO()
    import segno

    segno.make("https://example.com/not-a-check-in", error="m").save(other, kind="png", scale=6)
    for image, said in ((blank.getvalue(), "No QR code found"), (b"not a picture", "No QR code found"),
                        (other.getvalue(), "not a check-in code")):
        with pytest.raises(InputError, match=said):
            run(coordinator, desk.check_in_photo, session_id=sid, image=image)
    with pytest.raises(InputError, match="code is for another session"):
        run(coordinator, desk.check_in_photo, session_id=sid + 1000, image=photo_of_printed_code(coordinator, sid))
    viewer = make_user("viewer")
    with pytest.raises(PermissionDenied):
        run(viewer, desk.check_in_photo, session_id=sid, image=blank.getvalue())


def test_a_walk_in_is_seated_while_there_is_room_and_recorded_as_a_walk_in(today):
    coordinator, sid, r = today
    with pytest.raises(InputError, match="No free seat: all 3 seats are taken"):
        run(coordinator, desk.seat_walk_in, session_id=sid, retailer_id=r[4])
    seated = _sign_up(sid, r[1])
    run(coordinator, desk.excuse_absence, sign_up_id=seated.id, version=seated.version, reason="家里有事")
    with unit_of_work() as s:
        assert desk.room_left(s, s.get(TrainingSession, sid)) == 1  # the excused absentee's seat is free
    run(coordinator, desk.seat_walk_in, session_id=sid, retailer_id=r[4])
    walk_in = _sign_up(sid, r[4])
    assert (walk_in.state, walk_in.channel, walk_in.walk_in, walk_in.attended, walk_in.late) == (
        "signed_up", "walk_in", True, True, True)
    with pytest.raises(InputError, match="No free seat"):
        run(coordinator, desk.seat_walk_in, session_id=sid, retailer_id=r[5])
    with pytest.raises(InputError, match="already has a seat"):
        run(coordinator, desk.seat_walk_in, session_id=sid, retailer_id=r[0])


def test_a_retailer_on_the_waiting_list_who_comes_is_seated_from_it(today):
    coordinator, sid, r = today
    run(coordinator, tr.mark_attendance, sign_up_id=_sign_up(sid, r[2]).id)  # present: their seat stays theirs
    seated = _sign_up(sid, r[0])
    run(coordinator, desk.excuse_absence, sign_up_id=seated.id, version=None, reason="生病")
    with unit_of_work(coordinator.id) as s:
        candidates = desk.walk_in_candidates(s, actor=coordinator, session_id=sid, search="测试便利店")
    assert {c["id"]: c["waiting"] for c in candidates} == {r[3]: 1, r[4]: None, r[5]: None}  # not the seated
    with unit_of_work() as s:
        s.execute(update(Retailer).where(Retailer.id == r[5]).values(status="suspended"))
    with unit_of_work(coordinator.id) as s:
        assert [c["id"] for c in desk.walk_in_candidates(s, actor=coordinator, session_id=sid, search="测试便利店")] \
            == [r[3], r[4]]  # nor a suspended shop
    with pytest.raises(InputError, match="Only active retailers"):
        run(coordinator, desk.seat_walk_in, session_id=sid, retailer_id=r[5])
    run(coordinator, desk.seat_walk_in, session_id=sid, retailer_id=r[3])
    su = _sign_up(sid, r[3])
    assert (su.state, su.waitlist_position, su.walk_in, su.attended, su.channel) == (
        "signed_up", None, True, True, "phone")  # how they signed up stays; the walk-in is its own mark


def test_walk_ins_and_excuses_wait_for_the_session_day(db, make_user):
    coordinator = make_user("training_coordinator", department="marketing", language="en")
    r = add_retailers(db, 2)
    now = datetime.now(UTC)
    with unit_of_work(coordinator.id) as s:
        course = tr.create_course(s, actor=coordinator, title="法规", kind="knowledge", duration_minutes=60)
        ts = TrainingSession(course_id=course.id, title="法规", starts_at=now + timedelta(days=3),
                             ends_at=now + timedelta(days=3, hours=1), place="培训室", format="lecture",
                             trainer_id=coordinator.id, capacity=5, state="approved", approved_at=now)
        s.add(ts)
        s.flush()
        su = SignUp(session_id=ts.id, retailer_id=r[0], state="signed_up", signed_up_at=now)
        s.add(su)
        s.flush()
        sid, su_id = ts.id, su.id
    with pytest.raises(InputError, match="opens on the day"):
        run(coordinator, desk.seat_walk_in, session_id=sid, retailer_id=r[1])
    with pytest.raises(InputError, match="cancel the sign-up"):
        run(coordinator, desk.excuse_absence, sign_up_id=su_id, version=None, reason="出差")


def test_late_on_time_and_excused_are_recorded_and_checking_in_clears_an_excuse(today):
    coordinator, sid, r = today
    late, on_time, excused = (_sign_up(sid, rid).id for rid in r[:3])
    run(coordinator, tr.mark_attendance, sign_up_id=late, late=True)
    run(coordinator, tr.mark_attendance, sign_up_id=on_time)
    with pytest.raises(InputError, match="Reason"):
        run(coordinator, desk.excuse_absence, sign_up_id=excused, version=None, reason=" ")
    run(coordinator, desk.excuse_absence, sign_up_id=excused, version=None, reason="店里进货")
    with unit_of_work(coordinator.id) as s:
        rows = {row["id"]: row for row in tr.check_in_list(s, actor=coordinator, session_id=sid)}
        absent = tr.absentees(s, actor=coordinator, session_id=sid)
    assert [(rows[i]["attended"], rows[i]["late"], rows[i]["excused"]) for i in (late, on_time, excused)] == [
        (True, True, False), (True, False, False), (False, False, True)]
    assert [(a["id"], a["excused"], a["absence_reason"]) for a in absent] == [(excused, True, "店里进货")]
    run(coordinator, tr.mark_attendance, sign_up_id=excused, late=True)  # came after all
    su = _sign_up(sid, r[2])
    assert (su.attended, su.late, su.excused, su.absence_reason) == (True, True, False, None)

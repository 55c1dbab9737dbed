"""The check-in desk (签到台) on the session's day, on a tablet at the door: the sign-in sheet's QR code read from the
tablet's camera (zxing-cpp), walk-ins seated while there is room (a retailer not signed up, or still on the waiting
list), late arrivals, excused absences (请假: they said they cannot come; nobody calls them as absentees).

Room for a walk-in: the capacity less the seats held, an excused absentee's seat counting as free."""
from __future__ import annotations

import io
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Retailer
from db.training_models import SignUp, TrainingSession
from portal.access.auth import CurrentUser, require
from portal.i18n import _
from portal.training.attendance import _day_started, mark_attendance
from portal.training.check_in_codes import CHECK_IN_PATH, scanned_sign_up
from portal.training.rules import (
    MANAGE,
    VIEW,
    TrainingInputError,
    lock_session,
    lock_session_and_sign_up,
    require_text,
    utcnow,
)
from portal.training.signups import ACTIVE, find_retailers, renumber_waiting

MAX_PHOTO_PIXELS = 4096 * 4096  # a tablet camera's photo is far smaller; anything bigger is not read


def read_code(image: bytes) -> str | None:
    """The text of the first QR code in a photo (JPEG or PNG bytes); None when there is none or it is no picture."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(image)) as photo:
            if photo.width * photo.height > MAX_PHOTO_PIXELS:
                return None
            found = zxingcpp.read_barcodes(photo.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    return next((code.text for code in found if code.valid and code.text), None)


def code_params(text: str) -> tuple[str, str] | None:
    """(sign-up, token) of a check-in link as printed on the sign-in sheet; None for any other text."""
    try:
        link = urlsplit(text.strip())
    except ValueError:
        return None
    query = parse_qs(link.query)
    if link.path.rstrip("/").rsplit("/", 1)[-1] != CHECK_IN_PATH or not query.get("signup") or not query.get("t"):
        return None
    return query["signup"][0], query["t"][0]


def started(ts: TrainingSession, now: datetime | None = None) -> bool:
    """The session has begun: a retailer checked in from now on arrived late (unless staff say otherwise)."""
    return (now or utcnow()) >= ts.starts_at


def check_in_photo(session: Session, *, actor: CurrentUser, session_id: int, image: bytes,
                   now: datetime | None = None) -> dict:
    """Check in the retailer whose sign-in sheet code is in the camera's photo, late when the session has begun.
    Returns the sign-up (id, session, shop, owner, licence) with `already` True when they were checked in before and
    `late` when checked in late now; refused when the photo holds no portal check-in code, the code is not valid, or
    it is another session's."""
    require(actor, MANAGE)
    now = now or utcnow()
    if (text := read_code(image)) is None:
        raise TrainingInputError("code", _("No QR code found in the photo: hold the code on the sign-in sheet flat "
                                           "and close to the camera, and take the photo again."))
    if (params := code_params(text)) is None:
        raise TrainingInputError("code", _("This QR code is not a check-in code from a sign-in sheet."))
    row = scanned_sign_up(session, actor=actor, sign_up_id=params[0], token=params[1])
    if row["session_id"] != session_id:
        raise TrainingInputError("code", _("{shop}'s code is for another session: open that session's check-in.")
                                 .format(shop=row["shop_name"]))
    late = False
    if not row["attended"]:
        ts = session.get(TrainingSession, session_id)
        late = mark_attendance(session, actor=actor, sign_up_id=row["id"], late=started(ts, now), now=now).late
    return row | {"already": bool(row["attended"]), "late": late}


def room_left(session: Session, ts: TrainingSession) -> int:
    """Seats a walk-in may take: the capacity less the seats held (an excused absentee's seat is free)."""
    held = session.scalar(select(func.count()).where(SignUp.session_id == ts.id, SignUp.state == "signed_up",
                                                     SignUp.excused.is_(False))) or 0
    return max(ts.capacity - held, 0)


def walk_in_candidates(session: Session, *, actor: CurrentUser, session_id: int, search: str,
                       limit: int = 8) -> list[dict]:
    """Active retailers matching the desk's search who have no seat at the session (id, licence, shop, owner, status
    and `waiting`: their waiting-list place, if any): those the desk may seat as walk-ins."""
    require(actor, VIEW)
    found = find_retailers(session, actor=actor, text=search, limit=limit * 2)
    if not found:
        return []
    states = dict(session.execute(select(SignUp.retailer_id, SignUp.waitlist_position).where(
        SignUp.session_id == session_id, SignUp.retailer_id.in_([r["id"] for r in found]),
        SignUp.state.in_(ACTIVE))).all())
    return [r | {"waiting": states.get(r["id"])} for r in found if r["status"] == "active"
            and (r["id"] not in states or states[r["id"]] is not None)][:limit]


def seat_walk_in(session: Session, *, actor: CurrentUser, session_id: int, retailer_id: int,
                 now: datetime | None = None) -> SignUp:
    """Seat a retailer who came without a seat (not signed up, or waiting) and check them in, recorded as a walk-in
    (late after the start); on the session's day, while there is room."""
    require(actor, MANAGE)
    now = now or utcnow()
    ts = lock_session(session, session_id)  # walk-ins and sign-ups queue behind each other here
    if ts.state not in ("approved", "held"):
        raise TrainingInputError("state", _("Session “{title}” is not approved: no check-in.").format(title=ts.title))
    if not _day_started(ts.starts_at, now):
        raise TrainingInputError("state", _("Check-in opens on the day of the session."))
    retailer = session.get(Retailer, retailer_id)
    if retailer is None or retailer.status != "active":
        raise TrainingInputError("retailer_id", _("Only active retailers can be seated."))
    su = session.scalar(select(SignUp).where(SignUp.session_id == ts.id, SignUp.retailer_id == retailer_id,
                                             SignUp.state.in_(ACTIVE)).with_for_update())
    if su is not None and su.state == "signed_up":
        raise TrainingInputError("retailer_id", _("{shop} already has a seat: check them in from the list.")
                                 .format(shop=retailer.shop_name))
    if room_left(session, ts) <= 0:
        raise TrainingInputError("capacity", _("No free seat: all {n} seats are taken. {shop} cannot be seated.")
                                 .format(n=ts.capacity, shop=retailer.shop_name))
    was_waiting = su is not None
    if su is None:
        su = SignUp(session_id=ts.id, retailer_id=retailer_id, channel="walk_in", signed_up_at=now,
                    signed_up_by_id=actor.id)
        session.add(su)
    su.state, su.waitlist_position, su.walk_in = "signed_up", None, True
    su.attended, su.checked_in_at, su.late = True, now, started(ts, now)
    session.flush()
    if was_waiting:
        renumber_waiting(session, ts.id)
    return su


def excuse_absence(session: Session, *, actor: CurrentUser, sign_up_id: int, version: int | None, reason: str,
                   now: datetime | None = None) -> SignUp:
    """A seated retailer said they cannot come (请假), on the session's day: absent and excused, with the reason; no
    absentee call is asked for them, and their seat counts as free for a walk-in."""
    require(actor, MANAGE)
    now = now or utcnow()
    reason = require_text("excuse_reason", reason, _("Reason: write why the retailer cannot come."), limit=2000)
    ts, su = lock_session_and_sign_up(session, sign_up_id, version)
    if su.state != "signed_up":
        raise TrainingInputError("state", _("Only retailers with a seat can be excused."))
    if ts.state not in ("approved", "held"):
        raise TrainingInputError("state", _("Session “{title}” is not approved: no check-in.").format(title=ts.title))
    if not _day_started(ts.starts_at, now):
        raise TrainingInputError("state", _("An absence is excused on the session's day; before it, cancel the "
                                            "sign-up so the seat goes to the waiting list."))
    su.attended, su.excused, su.late, su.checked_in_at, su.absence_reason = False, True, False, None, reason
    session.flush()
    return su

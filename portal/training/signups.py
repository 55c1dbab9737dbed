"""Sign-ups (报名): staff sign retailers up to approved, future sessions; capacity holds under concurrent
sign-ups (the session row is locked first); past capacity a sign-up waits and is promoted in order when a
seat frees up. Then the notification list (who still has to be told)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Retailer
from db.notification_models import NotificationRuleSetting
from db.training_models import NOTIFY_METHODS, SIGN_UP_CHANNELS, SignUp, TrainingSession
from portal.access.auth import CurrentUser, can, require
from portal.i18n import _
from portal.notifications.channels.retailer_status import MessageStatus, message_statuses
from portal.records.query import MASK
from portal.training.labels import SESSION_STATE_LABELS
from portal.training.rules import (
    MANAGE,
    VIEW,
    TrainingInputError,
    lock_session,
    lock_session_and_sign_up,
    lock_sign_up,
    require_text,
    utcnow,
)

ACTIVE = ("signed_up", "waitlisted")
WAITLIST_WARNING = 10  # "sign up all shown" asks first when more than this many would go on a waiting list
CONFIRM_RULE = "training_seat_unconfirmed"  # its lead time (Admin · Notification rules) is the time to confirm
CONFIRM_WITHIN = timedelta(hours=24)  # as built: a promoted retailer confirms within a day, or the seat moves on


class WaitingListOverflow(TrainingInputError):
    """A batch of sign-ups would put more than the limit on the waiting list (the screen asks before going on)."""


def confirmation_deadline(session: Session, ts: TrainingSession, now: datetime) -> datetime | None:
    """By when a retailer promoted now must confirm the seat: now plus the release rule's lead time (24 hours as
    built; Admin · Notification rules changes it), if that is before the session starts; None (no confirmation
    asked) when it is not, or when an admin switched the release rule off."""
    setting = session.get(NotificationRuleSetting, CONFIRM_RULE)
    if setting is not None and not setting.enabled:
        return None
    within = CONFIRM_WITHIN if setting is None or setting.lead_minutes is None else timedelta(
        minutes=setting.lead_minutes)
    return now + within if now + within < ts.starts_at else None


def seats_taken(session: Session, session_id: int) -> int:
    """How many retailers hold a seat (the waiting list not counted)."""
    return session.scalar(select(func.count()).where(SignUp.session_id == session_id,
                                                     SignUp.state == "signed_up")) or 0


def _session_refusal(ts: TrainingSession, now: datetime) -> str | None:
    if ts.state != "approved":
        return _("Session “{title}” is “{state}”: only approved sessions take sign-ups.").format(
            title=ts.title, state=_(SESSION_STATE_LABELS[ts.state]))
    if ts.starts_at <= now:
        return _("Session “{title}” has already started: sign-ups are closed.").format(title=ts.title)
    return None


def _retailer_refusal(retailer: Retailer | None) -> str | None:
    if retailer is None:
        return _("That retailer does not exist.")
    if retailer.status != "active":
        return _("{shop} ({licence}) is suspended or closed and cannot be signed up.").format(
            shop=retailer.shop_name, licence=retailer.license_no)
    return None


def _active_sign_ups(session: Session, session_id: int, retailer_ids: Iterable[int]) -> set[int]:
    return set(session.scalars(select(SignUp.retailer_id).where(
        SignUp.session_id == session_id, SignUp.retailer_id.in_(list(retailer_ids)), SignUp.state.in_(ACTIVE))))


def _add(session: Session, ts: TrainingSession, retailer_id: int, actor: CurrentUser, channel: str,
         now: datetime, taken: int) -> SignUp:
    """One sign-up: a seat while there is one, else the end of the waiting list (the session row is locked)."""
    if taken < ts.capacity:
        su = SignUp(session_id=ts.id, retailer_id=retailer_id, state="signed_up")
    else:
        last = session.scalar(select(func.max(SignUp.waitlist_position)).where(SignUp.session_id == ts.id)) or 0
        su = SignUp(session_id=ts.id, retailer_id=retailer_id, state="waitlisted", waitlist_position=last + 1)
    su.channel, su.signed_up_at, su.signed_up_by_id = channel, now, actor.id
    session.add(su)
    session.flush()
    return su


def _check_channel(channel: str) -> None:
    if channel not in SIGN_UP_CHANNELS:
        raise TrainingInputError("channel", _("Channel: choose how the retailer was reached."))


def sign_up(session: Session, *, actor: CurrentUser, session_id: int, retailer_id: int, channel: str = "phone",
            now: datetime | None = None) -> SignUp:
    """Sign a retailer up to an approved, future session: a seat, or the waiting list when it is full."""
    require(actor, MANAGE)
    _check_channel(channel)
    now = now or utcnow()
    ts = lock_session(session, session_id)  # concurrent sign-ups to this session wait here, one at a time
    if (problem := _session_refusal(ts, now)) is not None:
        raise TrainingInputError("session", problem)
    retailer = session.get(Retailer, retailer_id)
    if (problem := _retailer_refusal(retailer)) is not None:
        raise TrainingInputError("retailer_id", problem)
    if _active_sign_ups(session, ts.id, [retailer_id]):
        raise TrainingInputError("retailer_id", _("{shop} is already signed up to this session (or waiting).")
                                 .format(shop=retailer.shop_name))
    return _add(session, ts, retailer_id, actor, channel, now, seats_taken(session, ts.id))


@dataclass
class SignUpBatch:
    """What signing up several retailers at once did: seats, waiting list, and who was refused and why."""

    signed_up: list[int] = field(default_factory=list)  # retailer ids
    waitlisted: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # retailer id -> reason


def sign_up_many(session: Session, *, actor: CurrentUser, session_id: int, retailer_ids: Iterable[int],
                 channel: str = "phone", now: datetime | None = None,
                 waiting_limit: int | None = None) -> SignUpBatch:
    """Sign up several retailers (e.g. from the untrained list) in order; those refused are reported, not fatal.
    With `waiting_limit`, nothing is done (WaitingListOverflow, naming how many) when more than that many would go
    on the waiting list: the screen asks before signing them up anyway."""
    require(actor, MANAGE)
    _check_channel(channel)
    now = now or utcnow()
    ts = lock_session(session, session_id)
    if (problem := _session_refusal(ts, now)) is not None:
        raise TrainingInputError("session", problem)
    wanted = list(dict.fromkeys(retailer_ids))
    retailers = {r.id: r for r in session.scalars(select(Retailer).where(Retailer.id.in_(wanted)))}
    already = _active_sign_ups(session, ts.id, wanted)
    taken = seats_taken(session, ts.id)
    if waiting_limit is not None:
        joining = [rid for rid in wanted if rid not in already and _retailer_refusal(retailers.get(rid)) is None]
        free = max(ts.capacity - taken, 0)
        if (waiting := len(joining) - free) > waiting_limit:
            raise WaitingListOverflow("waiting_list", _(
                "{waiting} of these {n} retailers would go on the waiting list of “{title}”: it has {free} free "
                "seats.").format(waiting=waiting, n=len(joining), title=ts.title, free=free))
    batch = SignUpBatch()
    for rid in wanted:
        if (problem := _retailer_refusal(retailers.get(rid))) is not None:
            batch.refused[rid] = problem
        elif rid in already:
            batch.refused[rid] = _("{shop} is already signed up to this session (or waiting).").format(
                shop=retailers[rid].shop_name)
        else:
            su = _add(session, ts, rid, actor, channel, now, taken)
            if su.state == "signed_up":
                taken += 1
                batch.signed_up.append(rid)
            else:
                batch.waitlisted.append(rid)
    return batch


def fill_free_seats(session: Session, ts: TrainingSession, now: datetime) -> list[SignUp]:
    """Promote from the waiting list, first in line first, while seats are free (the session row is locked)."""
    if ts.state != "approved" or ts.starts_at <= now:
        return []
    free = ts.capacity - seats_taken(session, ts.id)
    if free <= 0:
        return []
    waiting = list(session.scalars(select(SignUp).where(SignUp.session_id == ts.id, SignUp.state == "waitlisted")
                                   .order_by(SignUp.waitlist_position, SignUp.id).limit(free).with_for_update()))
    deadline = confirmation_deadline(session, ts, now)
    for su in waiting:  # the audit log records each promotion: state waitlisted → signed_up, by whom, when
        su.state, su.waitlist_position, su.promoted_at = "signed_up", None, now
        su.confirm_by, su.confirmed_at, su.confirmed_by_id = deadline, None, None
        su.needs_renotify = su.notified_at is not None  # they were told they wait: now tell them they have a seat
    session.flush()
    renumber_waiting(session, ts.id)
    return waiting


def renumber_waiting(session: Session, session_id: int) -> None:
    """Close the gaps in a waiting list (1, 2, 3… in the order they wait) after a promotion or a cancellation."""
    waiting = session.scalars(select(SignUp).where(SignUp.session_id == session_id, SignUp.state == "waitlisted")
                              .order_by(SignUp.waitlist_position, SignUp.id).with_for_update())
    for position, su in enumerate(waiting, start=1):
        if su.waitlist_position != position:
            su.waitlist_position = position
    session.flush()


def close_waiting_list(session: Session, ts: TrainingSession, reason: str, now: datetime,
                       tell: bool) -> int:
    """A held or cancelled session takes nobody more: everyone still waiting leaves the list with `reason`
    (flagged to be told when `tell`). Returns how many (the session row is locked)."""
    waiting = list(session.scalars(select(SignUp).where(SignUp.session_id == ts.id, SignUp.state == "waitlisted")
                                   .with_for_update()))
    for su in waiting:
        su.state, su.waitlist_position, su.cancel_reason, su.cancelled_at = "cancelled", None, reason, now
        su.needs_renotify = tell
    session.flush()
    return len(waiting)


def cancel_sign_up(session: Session, *, actor: CurrentUser, sign_up_id: int, version: int | None, reason: str,
                   now: datetime | None = None) -> list[SignUp]:
    """Cancel a sign-up with a reason; a freed seat goes to the first on the waiting list (returned)."""
    require(actor, MANAGE)
    reason = require_text("cancel_reason", reason, _("Reason: say why the sign-up is cancelled."), limit=2000)
    now = now or utcnow()
    ts, su = lock_session_and_sign_up(session, sign_up_id, version)
    if su.state not in ACTIVE:
        raise TrainingInputError("state", _("This sign-up is already cancelled."))
    if ts.state == "approved" and ts.starts_at <= now:
        raise TrainingInputError("state", _("The session has started: record an absence instead of cancelling."))
    if ts.state in ("held",):
        raise TrainingInputError("state", _("The session was held: record an absence instead of cancelling."))
    held_seat = su.state == "signed_up"
    su.state, su.waitlist_position, su.cancel_reason, su.cancelled_at = "cancelled", None, reason, now
    su.needs_renotify = False
    session.flush()
    if held_seat:
        return fill_free_seats(session, ts, now)
    renumber_waiting(session, ts.id)
    return []


def mark_notified(session: Session, *, actor: CurrentUser, sign_up_id: int, version: int | None, method: str,
                  now: datetime | None = None) -> SignUp:
    """Record that the retailer was told about the session (and how); clears a re-notification flag."""
    require(actor, MANAGE)
    if method not in NOTIFY_METHODS:
        raise TrainingInputError("notified_method", _("Method: choose how the retailer was notified."))
    su = lock_sign_up(session, sign_up_id, version)
    if su.state not in ACTIVE and not su.needs_renotify:  # a waiting list closed by a cancelled session: tell them
        raise TrainingInputError("state", _("This sign-up is cancelled."))
    su.notified_method, su.notified_at, su.notified_by_id = method, now or utcnow(), actor.id
    su.needs_renotify = False
    session.flush()
    return su


def _phone(actor: CurrentUser):
    return Retailer.phone if can(actor, "retailers.view_phone") else func.coalesce(
        func.left(Retailer.phone, 3) + "****" + func.right(Retailer.phone, 4), MASK)


def roster(session: Session, *, actor: CurrentUser, session_id: int, include_cancelled: bool = False) -> list[dict]:
    """A session's sign-ups: seats first (by sign-up time), then the waiting list in order."""
    require(actor, VIEW)
    states = ("signed_up", "waitlisted", "cancelled") if include_cancelled else ACTIVE
    order = func.array_position(list(states), SignUp.state)
    stmt = (select(SignUp.id, SignUp.version, SignUp.state, SignUp.waitlist_position, SignUp.signed_up_at,
                   SignUp.promoted_at, SignUp.notified_method, SignUp.notified_at, SignUp.needs_renotify,
                   SignUp.attended, SignUp.absence_reason, SignUp.cancel_reason, SignUp.retailer_id,
                   SignUp.late, SignUp.excused, SignUp.walk_in, SignUp.confirm_by, SignUp.confirmed_at,
                   Retailer.license_no, Retailer.shop_name, Retailer.owner_name, _phone(actor).label("phone"),
                   Retailer.district)
            .join(Retailer, Retailer.id == SignUp.retailer_id)
            .where(SignUp.session_id == session_id, SignUp.state.in_(states))
            .order_by(order, SignUp.waitlist_position, SignUp.signed_up_at, SignUp.id))
    return [dict(r) for r in session.execute(stmt).mappings()]


def notification_list(session: Session, *, actor: CurrentUser, session_id: int) -> list[dict]:
    """Who still has to be called: sign-ups never notified, or flagged after the session moved or they were
    promoted from the waiting list; and those taken off the waiting list when the session was cancelled."""
    return [r for r in roster(session, actor=actor, session_id=session_id, include_cancelled=True)
            if r["needs_renotify"] or (r["state"] in ACTIVE and r["notified_at"] is None)]


def session_messages(session: Session, *, actor: CurrentUser, session_id: int) -> dict[int, MessageStatus] | None:
    """The text messages to the session's retailers (reminders, promotions), newest per retailer, by retailer id, in
    one query: what the roster and the absentees show beside each; None when no gateway is set up."""
    require(actor, VIEW)
    return message_statuses(session, about_table="training_sessions", about_id=session_id)


def counts(session: Session, session_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per session: seats taken, waiting, attended (one grouped query)."""
    ids = list(session_ids)
    rows = session.execute(select(SignUp.session_id,
                                  func.count().filter(SignUp.state == "signed_up"),
                                  func.count().filter(SignUp.state == "waitlisted"),
                                  func.count().filter(SignUp.attended.is_(True)))
                           .where(SignUp.session_id.in_(ids)).group_by(SignUp.session_id)).all()
    found = {sid: {"signed_up": a, "waitlisted": b, "attended": c} for sid, a, b, c in rows}
    return {sid: found.get(sid, {"signed_up": 0, "waitlisted": 0, "attended": 0}) for sid in ids}


def find_retailers(session: Session, *, actor: CurrentUser, text: str, limit: int = 20) -> list[dict]:
    """Retailers whose licence number, shop or owner contains `text` (the sign-up search box)."""
    from portal.records.query import fetch_page
    from portal.records.view import ViewState
    from portal.retailers.table import RETAILERS

    require(actor, VIEW)
    if not text.strip():
        return []
    view = ViewState(search=text.strip(), columns=("license_no", "shop_name", "owner_name", "district", "status"),
                     page_size=50)
    return fetch_page(session, actor=actor, spec=RETAILERS, view=view).rows[:limit]



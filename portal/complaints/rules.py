"""Who may make which complaint move from which state, and the plumbing every move shares.

The role rule of DOMAIN.md: agents work their own and their department's complaints, handlers those
assigned to their department, supervisors everything. Each move locks the complaint row, refuses it when
the complaint changed since the user read `version`, checks permission, role rule and state, and writes
a timeline event (workflow.py).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.complaint_models import OPEN_STATES, SIDE_EXITS, STATES, Complaint, ComplaintEvent
from db.models import SlaLimit, User
from portal.access.auth import CurrentUser, PermissionDenied, can, require
from portal.center.admin import sla_clock_start
from portal.center.reference import SLA_DEFAULTS
from portal.center.sla import RUNNING_STATES, local, next_due, shift_for_pause, working_time_between
from portal.center.workdays import WorkCalendar, load_calendar
from portal.center_time import utcnow  # noqa: F401  (the domain's clock; callers import it from here)
from portal.complaints.labels import MOVE_LABELS, STATE_LABELS
from portal.errors import STALE, InputError, checked_text
from portal.i18n import _, fmt_datetime


class ComplaintInputError(InputError):
    """Bad input for a complaint: `field` names the form field, the message says what to do."""


class MoveNotAllowed(InputError):
    """The move is not possible from the complaint's current state (`field` is "state")."""


# --- who may work a complaint -------------------------------------------------------------------------

def _supervisor(actor: CurrentUser, c: Complaint) -> bool:
    return "supervisor" in actor.roles


def _owns(actor: CurrentUser, c: Complaint) -> bool:
    return actor.id is not None and c.first_contact_owner_id == actor.id


def handles(actor: CurrentUser, c: Complaint) -> bool:
    """Whether `actor` works the case itself: its handler, a handler of its department, or a supervisor."""
    if _supervisor(actor, c) or (actor.id is not None and c.handler_id == actor.id):
        return True
    return "handler" in actor.roles and actor.department_id is not None and c.department_id == actor.department_id


def can_work(actor: CurrentUser, c: Complaint) -> bool:
    """Agents: their own and their department's; handlers: their department's; supervisors: all."""
    if handles(actor, c):
        return True
    dept = actor.department_id
    return "agent" in actor.roles and (_owns(actor, c) or (dept is not None and dept in (
        c.owner_department_id, c.department_id)))


def can_view(actor: CurrentUser, c: Complaint) -> bool:
    """Those who may work it, and viewers (read-only, phone numbers masked)."""
    return can_work(actor, c) or "viewer" in actor.roles


def _may_start(actor: CurrentUser, c: Complaint) -> bool:
    if c.state == "registered":  # the receiver resolves a simple (grade 4) complaint on the spot
        return _owns(actor, c) and c.grade == 4 and actor.department_id is not None
    return handles(actor, c)


def _may_dismiss(actor: CurrentUser, c: Complaint) -> bool:
    return _supervisor(actor, c) or (c.state == "registered" and _owns(actor, c))


def awaits_review(actor: CurrentUser) -> bool:
    """Whether `actor`'s closure as invalid or duplicate waits for a supervisor's confirmation (a supervisor's own
    needs none)."""
    return "supervisor" not in actor.roles


def _awaiting_review(c: Complaint) -> bool:
    return c.awaiting_review


def answered(actor: CurrentUser, c: Complaint) -> bool:
    """Whether `actor` answered `c` or handles it: the follow-up is someone else's (an independent check)."""
    return actor.id is not None and actor.id in (c.replied_by_id, c.handler_id)


def _may_follow_up(actor: CurrentUser, c: Complaint) -> bool:
    return can_work(actor, c) and not answered(actor, c)


def _may_reply_interim(actor: CurrentUser, c: Complaint) -> bool:
    return handles(actor, c) or (_owns(actor, c) and can_work(actor, c))


@dataclass(frozen=True)
class Move:
    """A move's rule: the permission, who among its holders (role rule), and from which states."""

    permission: str
    who: Callable[[CurrentUser, Complaint], bool]
    states: frozenset[str]
    when: Callable[[Complaint], bool] = lambda c: True


_RUNNING = frozenset(RUNNING_STATES)
MOVES: dict[str, Move] = {
    "assign": Move("complaints.supervise", _supervisor, frozenset({"registered", "assigned", "in_progress"})),
    "start_progress": Move("complaints.work", _may_start, frozenset({"registered", "assigned"})),
    "record_investigation": Move("complaints.work", handles, frozenset({"in_progress", "replied"})),
    "interim_reply": Move("complaints.work", _may_reply_interim, _RUNNING),
    "reply": Move("complaints.work", handles, frozenset({"in_progress"})),
    "record_follow_up": Move("complaints.work", _may_follow_up, frozenset({"replied", "followed_up", "closed"})),
    "close": Move("complaints.supervise", _supervisor, frozenset({"followed_up"})),
    "mark_invalid": Move("complaints.work", _may_dismiss, frozenset({"registered", "assigned"})),
    "mark_duplicate": Move("complaints.work", _may_dismiss, frozenset({"registered", "assigned"})),
    "confirm_exit": Move("complaints.supervise", _supervisor, frozenset(SIDE_EXITS), _awaiting_review),
    "send_back_exit": Move("complaints.supervise", _supervisor, frozenset(SIDE_EXITS), _awaiting_review),
    "pause_sla": Move("complaints.work", can_work, _RUNNING, lambda c: not c.sla_paused),
    "resume_sla": Move("complaints.work", can_work, _RUNNING, lambda c: c.sla_paused),
    "retriage": Move("complaints.supervise", _supervisor, frozenset(OPEN_STATES)),
    "transfer_ownership": Move("complaints.supervise", _supervisor, frozenset(OPEN_STATES)),
    "add_internal_note": Move("complaints.work", can_work, frozenset(STATES)),
    "add_attachment": Move("complaints.work", can_work, frozenset(STATES)),
}


def check_move(actor: CurrentUser, c: Complaint, move: str) -> None:
    """Raise PermissionDenied or MoveNotAllowed unless `actor` may make `move` on `c` now."""
    rule = MOVES[move]
    require(actor, rule.permission)
    if not rule.who(actor, c):
        raise PermissionDenied(move)
    if c.state not in rule.states or not rule.when(c):
        raise MoveNotAllowed("state", _("Complaint {ref} is “{state}”: “{move}” is not possible now.").format(
            ref=c.reference, state=_(STATE_LABELS[c.state]), move=_(MOVE_LABELS[move])))


def allowed_moves(actor: CurrentUser, c: Complaint) -> list[str]:
    """The moves `actor` may make on `c` now (the buttons a complaint page offers)."""
    allowed = []
    for move, rule in MOVES.items():
        if can(actor, rule.permission) and rule.who(actor, c) and c.state in rule.states and rule.when(c):
            allowed.append(move)
    return allowed


# --- shared plumbing of the moves ---------------------------------------------------------------------


def json_value(value: Any) -> Any:
    """A value as the timeline's JSON details hold it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def sla_limits(session: Session, grade: int) -> tuple[int, int]:
    """(first reply hours, resolution working days) for `grade`, as the admin set them."""
    row = session.get(SlaLimit, grade)
    return (row.first_reply_hours, row.resolution_working_days) if row else SLA_DEFAULTS[grade]


def limits_start(session: Session, *, received_at: datetime, registered_at: datetime) -> datetime:
    """Where a complaint's time limits count from: its receipt (the default, ISO 10002: a late registration counts
    against the limits), or its registration where the center's rules say so (Admin · Time limits)."""
    return received_at if sla_clock_start(session) == "received" else registered_at


def work_calendar(session: Session) -> WorkCalendar:
    """The working-day calendar, read once per unit of work (a few dozen rows)."""
    if "work_calendar" not in session.info:
        session.info["work_calendar"] = load_calendar(session)
    return session.info["work_calendar"]


def lock_complaint(session: Session, complaint_id: int, version: int | None = None) -> Complaint:
    """The complaint, row-locked for this transaction; refused when it changed since `version` was read."""
    c = session.get(Complaint, complaint_id, with_for_update=True, populate_existing=True)
    if c is None:
        raise ComplaintInputError("complaint", _("That complaint does not exist."))
    if version is not None and c.version != version:
        last = session.execute(select(ComplaintEvent.at, User.name).outerjoin(User, User.id == ComplaintEvent.actor_id)
                               .where(ComplaintEvent.complaint_id == c.id)
                               .order_by(ComplaintEvent.at.desc(), ComplaintEvent.id.desc()).limit(1)).first()
        who, when = (last.name or _("System"), fmt_datetime(last.at)) if last else ("?", "")
        raise InputError(STALE, _("{name} changed complaint {ref} at {time} (it is now “{state}”). "
                                  "Reload it, check, and try again.").format(
            name=who, ref=c.reference, time=when, state=_(STATE_LABELS[c.state])))
    return c


def add_event(session: Session, c: Complaint, actor: CurrentUser, now: datetime, kind: str, *,
              from_state: str | None = None, to_state: str | None = None, note: str = "",
              data: dict | None = None) -> ComplaintEvent:
    """Append a timeline entry to `c`."""
    event = ComplaintEvent(complaint_id=c.id, at=now, actor_id=actor.id, kind=kind, from_state=from_state,
                           to_state=to_state, note=note.strip(),
                           data={k: json_value(v) for k, v in data.items()} if data else None)
    session.add(event)
    return event


def set_state(session: Session, c: Complaint, actor: CurrentUser, now: datetime, to_state: str, *,
              kind: str = "state_change", note: str = "", data: dict | None = None,
              calendar: WorkCalendar | None = None) -> ComplaintEvent:
    """Move `c` to `to_state` with a timeline entry; leaving the running states ends an SLA pause."""
    if c.sla_paused and to_state not in RUNNING_STATES:
        resume_clock(session, c, actor, now, calendar or work_calendar(session), note=_("Resumed automatically."))
    from_state, c.state = c.state, to_state
    if to_state in ("closed", "invalid", "duplicate"):
        c.closed_at = now
    c.next_due_at = next_due(c)
    return add_event(session, c, actor, now, kind, from_state=from_state, to_state=to_state, note=note, data=data)


def resume_clock(session: Session, c: Complaint, actor: CurrentUser, now: datetime, calendar: WorkCalendar, *,
                 note: str = "") -> None:
    """End a pause: the due times still running move later by the working time spent paused."""
    paused = max(working_time_between(calendar, c.paused_since, now), timedelta(0))
    changes: dict[str, list] = {"paused_working_hours": round(paused / timedelta(hours=1), 2)}
    if c.first_replied_at is None:
        new = shift_for_pause(calendar, c.first_reply_due_at, paused)
        changes["first_reply_due_at"] = [json_value(c.first_reply_due_at), json_value(new)]
        c.first_reply_due_at = new
    new = shift_for_pause(calendar, c.resolution_due_at, paused)
    changes["resolution_due_at"] = [json_value(c.resolution_due_at), json_value(new)]
    c.resolution_due_at = new
    c.paused_working_time += paused
    c.sla_paused, c.paused_since = False, None
    c.next_due_at = next_due(c)
    add_event(session, c, actor, now, "resume", note=note, data=changes)


def require_text(field: str, value: str | None, message: str, *, limit: int = 10_000) -> str:
    """`value` trimmed; refused with `message` ("Field: what to write") when blank, or when longer than `limit`
    characters (portal/errors.py, naming the field as `message` does)."""
    return checked_text(ComplaintInputError, field, value, blank=message, limit=limit)


def optional_text(field: str, value: str | None, *, label: str, limit: int) -> str:
    """`value` trimmed ("" when blank); refused when longer than `limit` characters, naming the field by `label`."""
    return checked_text(ComplaintInputError, field, value, label=label, limit=limit)


def check_moment(field: str, moment: datetime | None, c: Complaint, now: datetime) -> datetime:
    """A user-given time (default now): not in the future, not before the complaint was received."""
    if moment is None:
        return now
    moment = local(moment)
    if moment > now + timedelta(minutes=1):
        raise ComplaintInputError(field, _("That time is in the future; enter when it happened."))
    if moment < c.received_at:
        raise ComplaintInputError(field, _("That time is before the complaint was received."))
    return moment

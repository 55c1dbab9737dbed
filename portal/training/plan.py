"""The monthly plan (月度培训计划): sessions drafted by marketing, submitted, approved by the deputy director
(a supervisor) within the first 3 working days of the month, then held or cancelled. A trainer is never booked twice
at once and a shared place is confirmed (conflicts.py); an approved session moved to another time or place goes back
to the supervisor for approval (its last approval is kept in approved_at / approved_by_id, who is told)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import User
from db.training_models import MAX_CAPACITY, SESSION_FORMATS, SignUp, TrainingCourse, TrainingSession
from portal.access.auth import CurrentUser, require
from portal.center.sla import local
from portal.i18n import _
from portal.training.conflicts import check_place, check_trainer
from portal.training.labels import SESSION_STATE_LABELS
from portal.training.rules import (
    APPROVE,
    MANAGE,
    VIEW,
    TrainingInputError,
    end_of_day,
    lock_session,
    month_bounds,
    month_start,
    nth_working_day,
    optional_text,
    require_text,
    utcnow,
    work_calendar,
)

APPROVAL_WORKING_DAYS = 3  # the plan is approved within the first 3 working days of its month
EDITABLE_STATES = ("draft", "submitted", "approved")
ACTIVE_SIGN_UP = ("signed_up", "waitlisted")
MAX_SESSION_HOURS = 12


@dataclass(frozen=True)
class SessionInput:
    """What the session form collects."""

    course_id: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    place: str
    format: str
    trainer_id: int | None
    capacity: int | None
    audience: str = ""
    content: str = ""
    title: str = ""
    share_place: bool = False  # the planner confirms that a place booked at that time takes both sessions


def _checked(session: Session, data: SessionInput, now: datetime, *, moving: bool) -> dict:
    """The session's fields checked; TrainingInputError names the first wrong one."""
    course = session.get(TrainingCourse, data.course_id) if data.course_id else None
    if course is None or not course.active:
        raise TrainingInputError("course_id", _("Course: choose an active course of the catalog."))
    if data.starts_at is None:
        raise TrainingInputError("starts_at", _("Start: enter the date and time the session begins."))
    if data.ends_at is None or data.ends_at <= data.starts_at:
        raise TrainingInputError("ends_at", _("End: the session must end after it starts."))
    if data.ends_at - data.starts_at > timedelta(hours=MAX_SESSION_HOURS):
        raise TrainingInputError("ends_at", _("End: a session lasts at most {n} hours.").format(n=MAX_SESSION_HOURS))
    if moving and data.starts_at <= now:
        raise TrainingInputError("starts_at", _("Start: choose a time in the future."))
    if data.format not in SESSION_FORMATS:
        raise TrainingInputError("format", _("Format: choose lecture, discussion or on-site."))
    trainer = session.get(User, data.trainer_id) if data.trainer_id else None
    if trainer is None or not trainer.active:
        raise TrainingInputError("trainer_id", _("Trainer: choose an active staff member as the in-house trainer."))
    if data.capacity is None or not 1 <= int(data.capacity) <= MAX_CAPACITY:
        raise TrainingInputError("capacity", _("Capacity: between 1 and {n} attendees per session.")
                                 .format(n=MAX_CAPACITY))
    return {
        "course_id": course.id,
        "title": optional_text("title", data.title, label=_("Title"), limit=120) or course.title,
        "starts_at": data.starts_at, "ends_at": data.ends_at,
        "place": require_text("place", data.place, _("Place: where is the session held?"), limit=200),
        "format": data.format, "trainer_id": trainer.id, "capacity": int(data.capacity),
        "audience": optional_text("audience", data.audience, label=_("Audience"), limit=200),
        "content": optional_text("content", data.content, label=_("Content"), limit=5000),
    }


def create_session(session: Session, *, actor: CurrentUser, data: SessionInput,
                   now: datetime | None = None) -> TrainingSession:
    """Draft a session of the monthly plan."""
    require(actor, MANAGE)
    values = _checked(session, data, now or utcnow(), moving=True)
    _check_conflicts(session, values, data.share_place, trainer=True, place=True)
    ts = TrainingSession(**values, state="draft", created_by_id=actor.id)
    session.add(ts)
    session.flush()
    return ts


def _check_conflicts(session: Session, values: dict, share_place: bool, *, trainer: bool, place: bool,
                     session_id: int | None = None) -> None:
    """The trainer is free then (refused otherwise); the place is free then, or the planner says both fit."""
    when = {"starts_at": values["starts_at"], "ends_at": values["ends_at"], "exclude_id": session_id}
    if trainer:
        check_trainer(session, trainer_id=values["trainer_id"], **when)
    if place:
        check_place(session, place=values["place"], shared=share_place, **when)


def _flag_for_renotify(session: Session, ts: TrainingSession) -> int:
    """Everyone holding a place must be told again (time, place or cancellation changed)."""
    ids = list(session.scalars(select(SignUp.id).where(SignUp.session_id == ts.id, SignUp.state.in_(ACTIVE_SIGN_UP),
                                                       SignUp.needs_renotify.is_(False))))
    for su in session.scalars(select(SignUp).where(SignUp.id.in_(ids)).with_for_update()):
        su.needs_renotify = True
    return len(ids)


def update_session(session: Session, *, actor: CurrentUser, session_id: int, version: int | None,
                   data: SessionInput, now: datetime | None = None) -> TrainingSession:
    """Change a session that is not held or cancelled. A new time or place flags its sign-ups for
    re-notification and sends an approved session back for approval (submitted again; the sign-ups keep their
    seats); a larger capacity promotes from the waiting list; capacity never drops below the sign-ups already
    taken. A new time or trainer must find the trainer free, a new time or place the place free (or shared)."""
    from portal.training.signups import fill_free_seats, seats_taken

    require(actor, MANAGE)
    now = now or utcnow()
    ts = lock_session(session, session_id, version)
    _check_state(ts, EDITABLE_STATES)
    moved = (data.starts_at, data.ends_at) != (ts.starts_at, ts.ends_at)
    values = _checked(session, data, now, moving=moved)
    taken = seats_taken(session, ts.id)
    if values["capacity"] < taken:
        raise TrainingInputError("capacity", _("Capacity: {n} retailers are already signed up; cancel sign-ups "
                                               "first or keep at least {n} seats.").format(n=taken))
    relocated = values["place"] != ts.place
    _check_conflicts(session, values, data.share_place, trainer=moved or values["trainer_id"] != ts.trainer_id,
                     place=moved or relocated, session_id=ts.id)
    for name, value in values.items():
        if getattr(ts, name) != value:
            setattr(ts, name, value)
    if ts.state == "approved" and (moved or relocated):
        ts.state, ts.submitted_at = "submitted", now  # approved_at / approved_by_id: the approval it had
    session.flush()
    if moved or relocated:
        _flag_for_renotify(session, ts)
    fill_free_seats(session, ts, now)
    session.flush()
    return ts


def _check_state(ts: TrainingSession, states: tuple[str, ...]) -> None:
    if ts.state not in states:
        raise TrainingInputError("state", _("Session “{title}” is “{state}”: that is not possible now.").format(
            title=ts.title, state=_(SESSION_STATE_LABELS[ts.state])))


def submit_session(session: Session, *, actor: CurrentUser, session_id: int, version: int | None,
                   now: datetime | None = None) -> TrainingSession:
    """Send a draft session to the supervisor for approval."""
    require(actor, MANAGE)
    ts = lock_session(session, session_id, version)
    _check_state(ts, ("draft",))
    ts.state, ts.submitted_at, ts.return_note = "submitted", now or utcnow(), None
    session.flush()
    return ts


def approve_session(session: Session, *, actor: CurrentUser, session_id: int, version: int | None,
                    now: datetime | None = None) -> TrainingSession:
    """Supervisor (deputy director): approve a submitted session; from now on it takes sign-ups."""
    require(actor, APPROVE)
    ts = lock_session(session, session_id, version)
    _check_state(ts, ("submitted",))
    ts.state, ts.approved_at, ts.approved_by_id = "approved", now or utcnow(), actor.id
    session.flush()
    return ts


def return_session(session: Session, *, actor: CurrentUser, session_id: int, version: int | None,
                   note: str) -> TrainingSession:
    """Supervisor: send a submitted session back to draft, saying what to change."""
    require(actor, APPROVE)
    note = require_text("return_note", note, _("Note: say what should change before approval."), limit=2000)
    ts = lock_session(session, session_id, version)
    _check_state(ts, ("submitted",))
    ts.state, ts.return_note = "draft", note
    session.flush()
    return ts


def _month_sessions(session: Session, month: date, state: str) -> list[int]:
    start, end = month_bounds(month)
    return list(session.scalars(select(TrainingSession.id).where(
        TrainingSession.state == state, TrainingSession.starts_at >= start, TrainingSession.starts_at < end)
        .order_by(TrainingSession.starts_at, TrainingSession.id)))


def submit_plan(session: Session, *, actor: CurrentUser, month: date, now: datetime | None = None) -> int:
    """Submit every draft session of `month`; returns how many."""
    require(actor, MANAGE)
    ids = _month_sessions(session, month, "draft")
    for sid in ids:
        submit_session(session, actor=actor, session_id=sid, version=None, now=now)
    return len(ids)


def approve_plan(session: Session, *, actor: CurrentUser, month: date, now: datetime | None = None) -> int:
    """Supervisor: approve every submitted session of `month`; returns how many."""
    require(actor, APPROVE)
    ids = _month_sessions(session, month, "submitted")
    for sid in ids:
        approve_session(session, actor=actor, session_id=sid, version=None, now=now)
    return len(ids)


def cancel_session(session: Session, *, actor: CurrentUser, session_id: int, version: int | None, reason: str,
                   now: datetime | None = None) -> TrainingSession:
    """Call a session off; everyone signed up or waiting is flagged to be told."""
    require(actor, MANAGE)
    reason = require_text("cancel_reason", reason, _("Reason: say why the session is cancelled."), limit=2000)
    ts = lock_session(session, session_id, version)
    _check_state(ts, EDITABLE_STATES)
    from portal.training.signups import close_waiting_list

    now = now or utcnow()
    ts.state, ts.cancel_reason, ts.cancelled_at = "cancelled", reason, now
    session.flush()
    _flag_for_renotify(session, ts)
    close_waiting_list(session, ts, _("Session cancelled: {reason}").format(reason=reason), now, tell=True)
    session.flush()
    return ts


def mark_held(session: Session, *, actor: CurrentUser, session_id: int, version: int | None,
              now: datetime | None = None) -> TrainingSession:
    """Record that an approved session took place; sign-ups not marked present count as absent, and the waiting
    list is closed."""
    from portal.training.signups import close_waiting_list

    require(actor, MANAGE)
    now = now or utcnow()
    ts = lock_session(session, session_id, version)
    _check_state(ts, ("approved",))
    if ts.starts_at > now:
        raise TrainingInputError("state", _("Session “{title}” has not started yet.").format(title=ts.title))
    ts.state, ts.held_at = "held", now
    close_waiting_list(session, ts, _("The session was held; the waiting list is closed."), now, tell=False)
    for su in session.scalars(select(SignUp).where(SignUp.session_id == ts.id, SignUp.state == "signed_up",
                                                   SignUp.attended.is_(None)).with_for_update()):
        su.attended = False  # at most 100 rows: through the ORM, so the audit log has each
    session.flush()
    return ts


PLANNED_STATES = ("submitted", "approved", "held")  # a draft is not in the plan yet; a cancelled one is out of it


@dataclass(frozen=True)
class PlanStatus:
    """A month's plan against the targets: at least one session, approved within the first 3 working days."""

    month: date
    counts: dict[str, int]  # sessions per state
    approval_deadline: date
    approved_at: datetime | None  # when the plan's last session was approved (None while one still waits)
    timing: str  # no_sessions | pending | on_time | late | overdue (see labels.PLAN_TIMING_LABELS)

    @property
    def live_sessions(self) -> int:
        """Sessions in the plan: submitted, approved or held (drafts not submitted do not count)."""
        return sum(self.counts.get(state, 0) for state in PLANNED_STATES)

    @property
    def has_session(self) -> bool:
        return self.live_sessions >= 1

    @property
    def awaiting(self) -> int:
        return self.counts.get("draft", 0) + self.counts.get("submitted", 0)


def plan_status(session: Session, *, actor: CurrentUser, month: date, now: datetime | None = None) -> PlanStatus:
    """Whether `month` has a session and whether its plan was approved by the 3rd working day."""
    require(actor, VIEW)
    now = now or utcnow()
    month = month_start(month)
    start, end = month_bounds(month)
    rows = session.execute(select(TrainingSession.state, TrainingSession.submitted_at, TrainingSession.approved_at)
                           .where(TrainingSession.starts_at >= start, TrainingSession.starts_at < end)).all()
    counts: dict[str, int] = {}
    for state, *_times in rows:
        counts[state] = counts.get(state, 0) + 1
    deadline = nth_working_day(work_calendar(session), month, APPROVAL_WORKING_DAYS)
    timing, approved = plan_timing(rows, deadline=deadline, now=now)
    return PlanStatus(month, counts, deadline, approved and local(approved), timing)


def plan_timing(sessions, *, deadline: date, now: datetime) -> tuple[str, datetime | None]:
    """A month's plan timing (labels.PLAN_TIMING_LABELS) and the moment its plan was approved, from its sessions'
    (state, submitted_at, approved_at) and its approval deadline (the 3rd working day) — shared by the plan page and
    the training dashboard.

    The plan is what was submitted by the deadline (a session added later does not make it late); when nothing
    was, every session of the month. It is on time when every one of its sessions was approved by the deadline;
    one approval among several still waiting is not an approved plan."""
    due = end_of_day(deadline)
    live = [(state, submitted, approved) for state, submitted, approved in sessions if state != "cancelled"]
    if not live:
        return "no_sessions", None
    plan = [s for s in live if (s[1] is not None and s[1] < due) or (s[1] is None and s[0] in ("approved", "held"))]
    plan = plan or live
    if any(state not in ("approved", "held") for state, _s, _a in plan):
        return ("overdue" if now >= due else "pending"), None
    approved = max((a for _st, _s, a in plan if a is not None), default=None)
    return ("late" if approved is not None and approved >= due else "on_time"), approved


def list_sessions(session: Session, *, actor: CurrentUser, start: datetime, end: datetime,
                  states: tuple[str, ...] | None = None) -> list[TrainingSession]:
    """Sessions starting in [start, end), by start time (pickers on the check-in and evaluation pages)."""
    require(actor, VIEW)
    stmt = (select(TrainingSession).where(TrainingSession.starts_at >= start, TrainingSession.starts_at < end)
            .order_by(TrainingSession.starts_at, TrainingSession.id))
    if states:
        stmt = stmt.where(TrainingSession.state.in_(states))
    return list(session.scalars(stmt))


def get_session(session: Session, *, actor: CurrentUser, session_id: int) -> TrainingSession | None:
    """One session, or None."""
    require(actor, VIEW)
    return session.get(TrainingSession, session_id)


def trainer_choices(session: Session, *, actor: CurrentUser) -> dict[int, str]:
    """Active staff who may be named in-house trainer (内训师): id -> "name (staff ID)"."""
    require(actor, VIEW)
    rows = session.execute(select(User.id, User.name, User.staff_id).where(User.active).order_by(User.name))
    return {i: f"{name} ({staff})" for i, name, staff in rows}

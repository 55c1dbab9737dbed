"""The moves of a complaint after registration, one function each (rules.py says who and when).

Every function takes `version` (the complaint's version the user's screen showed; None skips that check,
for scripts) and `now` (the clock; default the current time). Each writes timeline events.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from db.complaint_models import FOLLOW_UP_METHODS, REPLY_METHODS, SATISFACTION, Complaint, ComplaintEvent, FollowUp
from db.models import ComplaintCategory, Department, User
from portal.access.auth import CurrentUser
from portal.center.sla import local, next_due
from portal.complaints.labels import FIELD_LABELS
from portal.complaints.rules import (
    ComplaintInputError,
    MoveNotAllowed,
    add_event,
    answered,
    awaits_review,
    can_view,
    can_work,
    check_moment,
    check_move,
    json_value,
    lock_complaint,
    optional_text,
    require_text,
    resume_clock,
    set_state,
    sla_limits,
    utcnow,
    work_calendar,
)
from portal.i18n import _, current_language

INVESTIGATION_FIELDS = ("verification_result", "responsibility_analysis", "root_cause", "corrective_action",
                        "responsible_person")
SCORE_FIELDS = ("score_attitude", "score_phrasing", "score_speed", "score_no_buck_passing")


def assign_complaint(session: Session, *, actor: CurrentUser, complaint_id: int, version: int | None = None,
                     department_id: int | None = None, handler_id: int | None = None, note: str = "",
                     now: datetime | None = None) -> Complaint:
    """Supervisor: send the complaint to a department (default: its category's) and optionally a handler."""
    now = now or utcnow()
    c = lock_complaint(session, complaint_id, version)
    check_move(actor, c, "assign")
    if department_id is None:
        department_id = session.get(ComplaintCategory, c.category_id).default_department_id
    dept = session.get(Department, department_id) if department_id is not None else None
    if dept is None or not dept.active:
        raise ComplaintInputError("department_id", _("Department: choose an active department."))
    if handler_id is not None:
        handler = session.get(User, handler_id)
        if handler is None or not handler.active or handler.department_id != dept.id or not (
                set(handler.roles) & {"handler", "agent", "supervisor"}):
            name = dept.name_zh if current_language() == "zh_CN" else dept.name_en
            raise ComplaintInputError("handler_id", _("Handler: choose an active member of {dept} who works "
                                                      "complaints, or leave it empty.").format(dept=name))
    changes = {"department_id": [c.department_id, dept.id], "handler_id": [c.handler_id, handler_id]}
    c.department_id, c.handler_id = dept.id, handler_id
    set_state(session, c, actor, now, "assigned", note=note, data=changes)
    session.flush()
    return c


def start_progress(session: Session, *, actor: CurrentUser, complaint_id: int, version: int | None = None,
                   note: str = "", now: datetime | None = None) -> Complaint:
    """Handler: begin investigating; taking an unassigned-to-anyone case makes the actor its handler.

    From "registered", the first-contact owner takes a simple (grade 4) complaint on themselves.
    """
    now = now or utcnow()
    c = lock_complaint(session, complaint_id, version)
    check_move(actor, c, "start_progress")
    changes = {}
    if c.state == "registered":
        changes["department_id"] = [c.department_id, actor.department_id]
        c.department_id = actor.department_id
    if c.handler_id is None or c.state == "registered":
        changes["handler_id"] = [c.handler_id, actor.id]
        c.handler_id = actor.id
    set_state(session, c, actor, now, "in_progress", note=note, data=changes or None)
    session.flush()
    return c


def record_investigation(session: Session, *, actor: CurrentUser, complaint_id: int, version: int | None = None,
                         now: datetime | None = None, **fields: str | None) -> Complaint:
    """Handler: set investigation fields (verification_result, responsibility_analysis, root_cause,
    corrective_action, responsible_person); fields not passed stay as they are, "" clears one."""
    now = now or utcnow()
    unknown = set(fields) - set(INVESTIGATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown investigation fields: {sorted(unknown)}")
    c = lock_complaint(session, complaint_id, version)
    check_move(actor, c, "record_investigation")
    for field, value in fields.items():
        if value is None:
            continue
        value = optional_text(field, value, label=_(FIELD_LABELS[field]),
                              limit=100 if field == "responsible_person" else 10_000) or None
        old = getattr(c, field)
        if old != value:
            setattr(c, field, value)
            add_event(session, c, actor, now, "field_change", data={"field": field, "old": old, "new": value})
    session.flush()
    return c


def _check_reply(text: str, method: str) -> str:
    text = require_text("reply_text", text, _("Reply: write what the complainant was told."))
    if method not in REPLY_METHODS:
        raise ComplaintInputError("reply_method", _("Reply method: choose how the complainant was answered."))
    return text


def record_interim_reply(session: Session, *, actor: CurrentUser, complaint_id: int, text: str, method: str,
                         replied_at: datetime | None = None, version: int | None = None,
                         now: datetime | None = None) -> ComplaintEvent:
    """Owner or handler: tell the complainant it is being handled (meets the 24-hour first-reply limit)."""
    now = now or utcnow()
    text = _check_reply(text, method)
    c = lock_complaint(session, complaint_id, version)
    check_move(actor, c, "interim_reply")
    replied_at = check_moment("replied_at", replied_at, c, now)
    if c.first_replied_at is None:
        c.first_replied_at = replied_at
        c.next_due_at = next_due(c)
    event = add_event(session, c, actor, now, "reply", note=text,
                      data={"final": False, "method": method, "replied_at": replied_at})
    session.flush()
    return event


def reply_to_complainant(session: Session, *, actor: CurrentUser, complaint_id: int, text: str, method: str,
                         replied_at: datetime | None = None, version: int | None = None,
                         now: datetime | None = None) -> Complaint:
    """Handler: give the answer (text, method, time); needs a verification result. Moves it to replied."""
    now = now or utcnow()
    text = _check_reply(text, method)
    c = lock_complaint(session, complaint_id, version)
    check_move(actor, c, "reply")
    replied_at = check_moment("replied_at", replied_at, c, now)
    if not c.verification_result:
        raise ComplaintInputError("verification_result",
                                  _("Record the verification result of the investigation before replying."))
    c.reply_text, c.reply_method, c.replied_at, c.replied_by_id = text, method, replied_at, actor.id
    c.first_replied_at = c.first_replied_at or replied_at
    set_state(session, c, actor, now, "replied", kind="reply", note=text,
              data={"final": True, "method": method, "replied_at": replied_at})
    session.flush()
    return c


def record_follow_up(session: Session, *, actor: CurrentUser, complaint_id: int, level: int, method: str,
                     satisfaction: str, result: str = "", at: datetime | None = None,
                     scores: dict[str, int | None] | None = None, version: int | None = None,
                     now: datetime | None = None) -> FollowUp:
    """Record a follow-up (回访). Dissatisfied reopens the complaint (in progress, a fresh resolution limit,
    reopen count + 1); satisfied or basically satisfied after a reply moves it to followed up."""
    now = now or utcnow()
    scores = {k: v for k, v in (scores or {}).items() if v is not None}
    if level not in (1, 2, 3):
        raise ComplaintInputError("level", _("Follow-up level: choose 1, 2 or 3."))
    if method not in FOLLOW_UP_METHODS:
        raise ComplaintInputError("method", _("Follow-up method: choose how the complainant was reached."))
    if satisfaction not in SATISFACTION:
        raise ComplaintInputError("satisfaction", _("Satisfaction: choose what the complainant said."))
    for field, score in scores.items():
        if field not in SCORE_FIELDS:
            raise TypeError(f"unknown survey dimension {field!r}")
        if not isinstance(score, int) or not 1 <= score <= 5:
            raise ComplaintInputError(field, _("Survey scores go from 1 (poor) to 5 (excellent)."))
    c = lock_complaint(session, complaint_id, version)
    if answered(actor, c) and can_work(actor, c):
        raise MoveNotAllowed("by", _("The follow-up checks the answer, so someone other than its handler records "
                                     "it (a colleague's phone survey, or a supervisor's spot check)."))
    check_move(actor, c, "record_follow_up")
    at = check_moment("at", at, c, now)
    follow_up = FollowUp(complaint_id=c.id, level=level, method=method, result=result.strip(),
                         satisfaction=satisfaction, by_id=actor.id, at=at, **scores)
    session.add(follow_up)
    c.followed_up_at, c.satisfaction = at, satisfaction
    data = {"level": level, "method": method, "satisfaction": satisfaction, **scores}
    if satisfaction == "dissatisfied":
        calendar = work_calendar(session)
        _hours, days = sla_limits(session, c.grade)
        due = calendar.add_working_days(local(now), days)
        data["resolution_due_at"] = [json_value(c.resolution_due_at), json_value(due)]
        c.reopen_count += 1
        c.resolution_due_at, c.replied_at, c.closed_at = due, None, None
        c.reply_text, c.reply_method, c.replied_by_id = None, None, None  # no longer stands; the timeline keeps it
        set_state(session, c, actor, now, "in_progress", kind="follow_up", note=result, data=data)
    elif c.state == "replied":
        set_state(session, c, actor, now, "followed_up", kind="follow_up", note=result, data=data)
    else:  # a further level on a followed-up or closed complaint: recorded, state unchanged
        add_event(session, c, actor, now, "follow_up", note=result, data=data)
    session.flush()
    return follow_up


def close_complaint(session: Session, *, actor: CurrentUser, complaint_id: int, version: int | None = None,
                    note: str = "", now: datetime | None = None) -> Complaint:
    """Supervisor: close the loop (办结) once the follow-up is done."""
    now = now or utcnow()
    c = lock_complaint(session, complaint_id, version)
    check_move(actor, c, "close")
    set_state(session, c, actor, now, "closed", note=note)
    session.flush()
    return c


def mark_invalid(session: Session, *, actor: CurrentUser, complaint_id: int, reason: str,
                 version: int | None = None, now: datetime | None = None) -> Complaint:
    """Supervisor (or the receiver while still registered): close as invalid (无效投诉) with a reason; the receiver's
    closure awaits a supervisor's confirmation (exits.py)."""
    now = now or utcnow()
    reason = require_text("reason", reason, _("Reason: say why the complaint is invalid."), limit=2000)
    c = lock_complaint(session, complaint_id, version)
    check_move(actor, c, "mark_invalid")
    c.invalid_reason, c.awaiting_review = reason, awaits_review(actor)
    set_state(session, c, actor, now, "invalid", note=reason,
              data={"awaiting_review": True} if c.awaiting_review else None)
    session.flush()
    return c


def mark_duplicate(session: Session, *, actor: CurrentUser, complaint_id: int, original_id: int,
                   version: int | None = None, note: str = "", now: datetime | None = None) -> Complaint:
    """Supervisor (or the receiver while still registered): link to the original and close as duplicate; the
    receiver's closure awaits a supervisor's confirmation (exits.py).

    The original (and the root it links to) must be one `actor` may see: linking writes into its timeline.
    """
    now = now or utcnow()
    c = lock_complaint(session, complaint_id, version)
    check_move(actor, c, "mark_duplicate")
    original = session.get(Complaint, original_id)
    while original is not None and can_view(actor, original) and original.duplicate_of_id is not None:
        original = session.get(Complaint, original.duplicate_of_id)  # link to the root, not a copy
    if original is None or not can_view(actor, original):  # one answer: no hint that an unseen one exists
        raise ComplaintInputError("original_id", _("Original: no such complaint."))
    if original.id == c.id:
        raise ComplaintInputError("original_id", _("Original: a complaint cannot duplicate itself."))
    c.duplicate_of_id, c.awaiting_review = original.id, awaits_review(actor)
    set_state(session, c, actor, now, "duplicate", kind="link", note=note,
              data={"duplicate_of": original.id, "duplicate_of_reference": original.reference,
                    **({"awaiting_review": True} if c.awaiting_review else {})})
    add_event(session, original, actor, now, "link", note=note,
              data={"duplicate": c.id, "duplicate_reference": c.reference})
    session.flush()
    return c


def pause_sla(session: Session, *, actor: CurrentUser, complaint_id: int, reason: str,
              version: int | None = None, now: datetime | None = None) -> Complaint:
    """Stop the SLA clocks while waiting on the complainant (the pause shows in the timeline)."""
    now = now or utcnow()
    reason = require_text("reason", reason, _("Reason: say what you are waiting for from the complainant."),
                          limit=2000)
    c = lock_complaint(session, complaint_id, version)
    check_move(actor, c, "pause_sla")
    c.sla_paused, c.paused_since = True, now
    add_event(session, c, actor, now, "pause", note=reason)
    session.flush()
    return c


def resume_sla(session: Session, *, actor: CurrentUser, complaint_id: int, note: str = "",
               version: int | None = None, now: datetime | None = None) -> Complaint:
    """Restart the SLA clocks; due times move later by the working time spent paused."""
    now = now or utcnow()
    c = lock_complaint(session, complaint_id, version)
    check_move(actor, c, "resume_sla")
    resume_clock(session, c, actor, now, work_calendar(session), note=note)
    session.flush()
    return c


def add_internal_note(session: Session, *, actor: CurrentUser, complaint_id: int, text: str,
                      now: datetime | None = None) -> ComplaintEvent:
    """Staff-only note on the timeline; never shown or sent to the complainant as a reply."""
    now = now or utcnow()
    text = require_text("note", text, _("Note: write something first."))
    c = lock_complaint(session, complaint_id)
    check_move(actor, c, "add_internal_note")
    event = add_event(session, c, actor, now, "note", note=text)
    session.flush()
    return event

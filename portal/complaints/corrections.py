"""A supervisor's corrections after intake, each with a reason and a timeline entry:

- re-triage: the grade or the category changes (the grade drives the time limits, which are counted again from the
  complaint's own start — its receipt or registration, or its latest reopening for the resolution — with the pauses
  it had);
- ownership transfer: the first-contact owner (首问负责人) left or is on leave; otherwise the first-contact rule
  stands and nobody else takes a complaint over.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.complaint_models import Complaint, ComplaintEvent
from db.models import ComplaintCategory, User
from portal.access.auth import CurrentUser
from portal.center.sla import add_working_time, due_times, next_due
from portal.complaints.rules import (
    ComplaintInputError,
    add_event,
    check_move,
    json_value,
    limits_start,
    lock_complaint,
    require_text,
    sla_limits,
    utcnow,
    work_calendar,
)
from portal.i18n import _

RECEIVER_ROLES = frozenset({"agent", "supervisor"})  # may own complaints (complaints.register)


def _reason(reason: str) -> str:
    return require_text("reason", reason, _("Reason: say why, for the timeline."), limit=2000)


def _resolution_start(session: Session, c: Complaint) -> datetime:
    """Where the resolution limit counts from: the latest reopening (a dissatisfied follow-up), else the start."""
    if c.reopen_count:
        reopened = session.scalar(select(ComplaintEvent.at).where(
            ComplaintEvent.complaint_id == c.id, ComplaintEvent.kind == "follow_up",
            ComplaintEvent.to_state == "in_progress").order_by(ComplaintEvent.at.desc()).limit(1))
        if reopened is not None:
            return reopened
    return _start(session, c)


def _start(session: Session, c: Complaint) -> datetime:
    return limits_start(session, received_at=c.received_at, registered_at=c.created_at)


def retriage_complaint(session: Session, *, actor: CurrentUser, complaint_id: int, reason: str,
                       grade: int | None = None, category_id: int | None = None, version: int | None = None,
                       now: datetime | None = None) -> Complaint:
    """Supervisor: change the grade and/or category; a new grade counts the time limits again from the start."""
    now = now or utcnow()
    reason = _reason(reason)
    c = lock_complaint(session, complaint_id, version)
    check_move(actor, c, "retriage")
    grade = c.grade if grade is None else grade
    if grade not in (1, 2, 3, 4):
        raise ComplaintInputError("grade", _("Grade: choose 1 (major) to 4 (simple)."))
    category_id = c.category_id if category_id is None else category_id
    category = session.get(ComplaintCategory, category_id)
    if category is None or (not category.active and category_id != c.category_id):
        raise ComplaintInputError("category_id", _("Category: choose one of the offered categories."))
    if (grade, category_id) == (c.grade, c.category_id):
        raise ComplaintInputError("grade", _("Grade and category: nothing changes; choose another grade or "
                                             "category."))
    data: dict[str, list] = {}
    if category_id != c.category_id:
        data["category_id"] = [c.category_id, category_id]
    if grade != c.grade:
        data["grade"] = [c.grade, grade]
        calendar = work_calendar(session)
        hours, days = sla_limits(session, grade)
        reply_due, _resolution = due_times(calendar, _start(session, c), first_reply_hours=hours,
                                           resolution_working_days=days)
        resolution_due = calendar.add_working_days(_resolution_start(session, c), days)
        if c.paused_working_time:  # the clock stood still that long before
            reply_due = add_working_time(calendar, reply_due, c.paused_working_time)
            resolution_due = add_working_time(calendar, resolution_due, c.paused_working_time)
        data["first_reply_due_at"] = [json_value(c.first_reply_due_at), json_value(reply_due)]
        data["resolution_due_at"] = [json_value(c.resolution_due_at), json_value(resolution_due)]
        c.first_reply_due_at, c.resolution_due_at = reply_due, resolution_due
    c.grade, c.category_id = grade, category_id
    c.next_due_at = next_due(c)
    add_event(session, c, actor, now, "retriage", note=reason, data=data)
    session.flush()
    return c


def transfer_ownership(session: Session, *, actor: CurrentUser, complaint_id: int, owner_id: int | None,
                       reason: str, version: int | None = None, now: datetime | None = None) -> Complaint:
    """Supervisor: make another receiver the first-contact owner (the owner left, or is on leave)."""
    now = now or utcnow()
    reason = _reason(reason)
    c = lock_complaint(session, complaint_id, version)
    check_move(actor, c, "transfer_ownership")
    owner = session.get(User, owner_id) if owner_id is not None else None
    if owner is None or not owner.active or not RECEIVER_ROLES & set(owner.roles):
        raise ComplaintInputError("owner_id", _("New owner: choose an active agent or supervisor."))
    if owner.id == c.first_contact_owner_id:
        raise ComplaintInputError("owner_id", _("New owner: that is the owner already."))
    data = {"first_contact_owner_id": [c.first_contact_owner_id, owner.id],
            "owner_department_id": [c.owner_department_id, owner.department_id]}
    c.first_contact_owner_id, c.owner_department_id = owner.id, owner.department_id
    add_event(session, c, actor, now, "transfer", note=reason, data=data)
    session.flush()
    return c

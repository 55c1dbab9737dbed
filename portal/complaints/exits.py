"""Reviewed side exits: an agent's closure as invalid (无效投诉) or duplicate waits for a supervisor, who confirms it
or sends it back with a reason (both on the timeline); a supervisor's own closure needs no confirmation.

While it waits the complaint is closed (its clocks stop; the dashboard's figures leave it out like any invalid
complaint or duplicate); sent back, it returns to the state it was closed from, its time limits as they were
(counted from its start, so the time it spent closed counts against them), and a duplicate is unlinked from its
original. The monthly report counts these closures on their own lines, confirmed and waiting
(monthly.py `side_exit_counts`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.complaint_models import Complaint, ComplaintEvent
from portal.access.auth import CurrentUser, require
from portal.complaints.rules import (
    add_event,
    check_move,
    lock_complaint,
    require_text,
    set_state,
    utcnow,
)
from portal.i18n import _

WAITING_LIMIT = 200


def confirm_side_exit(session: Session, *, actor: CurrentUser, complaint_id: int, note: str = "",
                      version: int | None = None, now: datetime | None = None) -> Complaint:
    """Supervisor: confirm an agent's closure as invalid or duplicate (it stays closed)."""
    now = now or utcnow()
    c = lock_complaint(session, complaint_id, version)
    check_move(actor, c, "confirm_exit")
    c.awaiting_review = False
    add_event(session, c, actor, now, "review", note=note, data={"decision": "confirmed", "exit": c.state})
    session.flush()
    return c


def _closed_from(session: Session, c: Complaint) -> str:
    """The state the complaint was in when it was closed as it is now (registered or assigned)."""
    state = session.scalar(select(ComplaintEvent.from_state).where(
        ComplaintEvent.complaint_id == c.id, ComplaintEvent.to_state == c.state)
        .order_by(ComplaintEvent.at.desc(), ComplaintEvent.id.desc()).limit(1))
    return state if state in ("registered", "assigned") else "registered"


def send_back_side_exit(session: Session, *, actor: CurrentUser, complaint_id: int, reason: str,
                        version: int | None = None, now: datetime | None = None) -> Complaint:
    """Supervisor: refuse an agent's closure as invalid or duplicate; the complaint is open again where it was."""
    now = now or utcnow()
    reason = require_text("reason", reason, _("Reason: say why the complaint goes back to work."), limit=2000)
    c = lock_complaint(session, complaint_id, version)
    check_move(actor, c, "send_back_exit")
    exit_state, back = c.state, _closed_from(session, c)
    data: dict = {"decision": "sent_back", "exit": exit_state}
    if exit_state == "duplicate":
        original = session.get(Complaint, c.duplicate_of_id)
        data["duplicate_of_reference"] = original.reference
        add_event(session, original, actor, now, "review", note=reason,
                  data={"decision": "unlinked", "duplicate_reference": c.reference})
        c.duplicate_of_id = None
    c.invalid_reason, c.awaiting_review, c.closed_at = None, False, None
    set_state(session, c, actor, now, back, kind="review", note=reason, data=data)
    session.flush()
    return c


def waiting_side_exits(session: Session, *, actor: CurrentUser, limit: int = WAITING_LIMIT) -> list[Complaint]:
    """Supervisor: the closures as invalid or duplicate that wait for confirmation, oldest first."""
    require(actor, "complaints.supervise")
    return list(session.scalars(select(Complaint).where(Complaint.awaiting_review)
                                .order_by(Complaint.closed_at, Complaint.id).limit(limit)))

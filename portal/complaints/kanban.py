"""Complaints as a kanban board, one column per state: moving a card is the workflow's own move (assign, start,
reply, follow up, close, mark invalid or duplicate), with its rules, permissions and version check."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from db.complaint_models import FOLLOW_UP_METHODS, REPLY_METHODS, SATISFACTION
from portal.access.auth import CurrentUser
from portal.complaints import workflow
from portal.complaints.labels import (
    FOLLOW_UP_LEVEL_LABELS,
    FOLLOW_UP_METHOD_LABELS,
    MOVE_LABELS,
    REPLY_METHOD_LABELS,
    SATISFACTION_LABELS,
)
from portal.complaints.queries import complaint_id_of
from portal.complaints.rules import ComplaintInputError
from portal.complaints.table import COMPLAINTS
from portal.i18n import N_, _
from portal.records.fields import Choice
from portal.records.kanban import Board, CardMove, MoveInput, register_board

WORK, SUPERVISE = "complaints.work", "complaints.supervise"
NOTE = MoveInput("note", N_("Note"))
OPENING = frozenset({"registered", "assigned"})


def _choices(values, labels: dict[Any, str]) -> tuple[Choice, ...]:
    return tuple(Choice(str(v), labels[v]) for v in values)


def _assign(session: Session, *, actor: CurrentUser, record_id: int, version: int, note: str = "") -> None:
    """To its category's department (the record page also picks another department or a handler)."""
    workflow.assign_complaint(session, actor=actor, complaint_id=record_id, version=version, note=note)


def _start(session: Session, *, actor: CurrentUser, record_id: int, version: int) -> None:
    workflow.start_progress(session, actor=actor, complaint_id=record_id, version=version)


def _reply(session: Session, *, actor: CurrentUser, record_id: int, version: int, text: str = "",
           method: str = "", verification_result: str = "") -> None:
    """As on the record page: a verification result typed here is recorded first (the reply needs one)."""
    if verification_result.strip():
        version = workflow.record_investigation(session, actor=actor, complaint_id=record_id, version=version,
                                                verification_result=verification_result).version
    workflow.reply_to_complainant(session, actor=actor, complaint_id=record_id, version=version, text=text,
                                  method=method)


def _follow_up(session: Session, *, actor: CurrentUser, record_id: int, version: int, satisfaction: str = "",
               level: str = "2", method: str = "phone", result: str = "") -> None:
    """Satisfied moves it on to followed up; dissatisfied reopens it (the domain's rule)."""
    workflow.record_follow_up(session, actor=actor, complaint_id=record_id, version=version, level=int(level or 0),
                              method=method, satisfaction=satisfaction, result=result)


def _close(session: Session, *, actor: CurrentUser, record_id: int, version: int, note: str = "") -> None:
    workflow.close_complaint(session, actor=actor, complaint_id=record_id, version=version, note=note)


def _invalid(session: Session, *, actor: CurrentUser, record_id: int, version: int, reason: str = "") -> None:
    workflow.mark_invalid(session, actor=actor, complaint_id=record_id, version=version, reason=reason)


def _duplicate(session: Session, *, actor: CurrentUser, record_id: int, version: int, original: str = "",
               note: str = "") -> None:
    original_id = complaint_id_of(session, original) if original.strip() else None
    if original_id is None:
        raise ComplaintInputError("original_id", _("Original: no complaint has the reference “{ref}”.").format(
            ref=original.strip()))
    workflow.mark_duplicate(session, actor=actor, complaint_id=record_id, version=version, original_id=original_id,
                            note=note)


BOARD = register_board(Board(table=COMPLAINTS.name, field="state", moves=(
    CardMove("assign", MOVE_LABELS["assign"], "assigned", frozenset({"registered"}), _assign, SUPERVISE, (NOTE,)),
    CardMove("start_progress", MOVE_LABELS["start_progress"], "in_progress", OPENING, _start, WORK),
    CardMove("reply", MOVE_LABELS["reply"], "replied", frozenset({"in_progress"}), _reply, WORK, (
        MoveInput("verification_result", N_("Verification result"), "long_text"),
        MoveInput("text", N_("What the complainant was told"), "long_text", required=True),
        MoveInput("method", N_("Reply method"), "select", _choices(REPLY_METHODS, REPLY_METHOD_LABELS), True))),
    CardMove("record_follow_up", MOVE_LABELS["record_follow_up"], "followed_up", frozenset({"replied"}), _follow_up,
             WORK, (
                 MoveInput("satisfaction", N_("Satisfaction"), "select", _choices(SATISFACTION, SATISFACTION_LABELS),
                           True),
                 MoveInput("level", N_("Level"), "select", _choices((1, 2, 3), FOLLOW_UP_LEVEL_LABELS), True),
                 MoveInput("method", N_("Method"), "select", _choices(FOLLOW_UP_METHODS, FOLLOW_UP_METHOD_LABELS),
                           True),
                 MoveInput("result", N_("What the complainant said"), "long_text"))),
    CardMove("close", MOVE_LABELS["close"], "closed", frozenset({"followed_up"}), _close, SUPERVISE, (NOTE,)),
    CardMove("mark_invalid", MOVE_LABELS["mark_invalid"], "invalid", OPENING, _invalid, WORK,
             (MoveInput("reason", N_("Why it is invalid"), "long_text", required=True),)),
    CardMove("mark_duplicate", MOVE_LABELS["mark_duplicate"], "duplicate", OPENING, _duplicate, WORK, (
        MoveInput("original", N_("Reference of the original complaint"), required=True), NOTE)),
)))

"""Training sessions as a kanban board, one column per state: moving a card is the plan's own step (submit,
approve, return to draft, mark as held, cancel), with its permission, state rule and version check."""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal.access.auth import CurrentUser
from portal.i18n import N_
from portal.records.kanban import Board, CardMove, MoveInput, register_board
from portal.training import plan
from portal.training.rules import APPROVE, MANAGE
from portal.training.tables import SESSIONS


def _submit(session: Session, *, actor: CurrentUser, record_id: int, version: int) -> None:
    plan.submit_session(session, actor=actor, session_id=record_id, version=version)


def _approve(session: Session, *, actor: CurrentUser, record_id: int, version: int) -> None:
    plan.approve_session(session, actor=actor, session_id=record_id, version=version)


def _return(session: Session, *, actor: CurrentUser, record_id: int, version: int, note: str = "") -> None:
    plan.return_session(session, actor=actor, session_id=record_id, version=version, note=note)


def _held(session: Session, *, actor: CurrentUser, record_id: int, version: int) -> None:
    plan.mark_held(session, actor=actor, session_id=record_id, version=version)


def _cancel(session: Session, *, actor: CurrentUser, record_id: int, version: int, reason: str = "") -> None:
    plan.cancel_session(session, actor=actor, session_id=record_id, version=version, reason=reason)


BOARD = register_board(Board(table=SESSIONS.name, field="state", moves=(
    CardMove("submit", N_("Submit for approval"), "submitted", frozenset({"draft"}), _submit, MANAGE),
    CardMove("approve", N_("Approve"), "approved", frozenset({"submitted"}), _approve, APPROVE),
    CardMove("return", N_("Return to draft"), "draft", frozenset({"submitted"}), _return, APPROVE,
             (MoveInput("note", N_("What should change?"), "long_text", required=True),)),
    CardMove("held", N_("Mark as held"), "held", frozenset({"approved"}), _held, MANAGE),
    CardMove("cancel", N_("Cancel session"), "cancelled", frozenset(plan.EDITABLE_STATES), _cancel, MANAGE,
             (MoveInput("reason", N_("Reason for cancelling"), "long_text", required=True),)),
)))

"""Incidents as a kanban board, one column per status: moving a card is `log.change_status`, with its transitions,
its command-group rule for major incidents, what resolving and closing out need, and its version check."""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal.access.auth import CurrentUser
from portal.i18n import N_
from portal.incidents.labels import STATUS_LABELS
from portal.incidents.log import change_status
from portal.incidents.records import INCIDENTS
from portal.incidents.rules import RUN, TRANSITIONS
from portal.records.kanban import Board, CardMove, MoveInput, register_board

NOTE = MoveInput("note", N_("Note"))
NEEDS: dict[str, tuple[MoveInput, ...]] = {  # what a status asks for (change_status says when it is missing)
    "resolved": (MoveInput("resolution", N_("Resolution"), "long_text", required=True), NOTE),
    "closed": (MoveInput("root_cause", N_("Root cause"), "long_text", required=True),
               MoveInput("close_with_open_actions", N_("Close with open actions"), "checkbox"), NOTE),
}


def _to(status: str):
    def run(session: Session, *, actor: CurrentUser, record_id: int, version: int, **inputs) -> None:
        change_status(session, actor=actor, incident_id=record_id, status=status, version=version, **inputs)
    return run


BOARD = register_board(Board(table=INCIDENTS.name, field="status", moves=tuple(
    CardMove(f"to_{status}", label, status, frozenset(old for old, new in TRANSITIONS.items() if status in new),
             _to(status), RUN, NEEDS.get(status, (NOTE,)))
    for status, label in STATUS_LABELS.items() if any(status in new for new in TRANSITIONS.values()))))

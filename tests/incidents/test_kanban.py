"""Incidents as a kanban board (portal/incidents/kanban.py): a card moves by `change_status`, with its transitions
and what resolving needs; the columns count by status."""
import pytest

from db.engine import unit_of_work
from portal.incidents.kanban import BOARD
from portal.incidents.records import INCIDENTS
from portal.incidents.rules import IncidentInputError
from portal.records.kanban import move_card, read_board
from portal.records.view import ViewState
from tests.incidents.support import command_fixture  # noqa: F401  (the `command` fixture)


def _counts(command, actor):
    with unit_of_work(actor.id, engine=command.engine) as s:
        return {c.value: c.count for c in read_board(s, actor=actor, spec=INCIDENTS, board=BOARD, view=ViewState())
                if c.count}


def _move(command, actor, incident, move, **inputs):
    with unit_of_work(actor.id, engine=command.engine) as s:
        move_card(s, actor=actor, board=BOARD, move=move, record_id=incident.id, version=incident.version,
                  inputs=inputs)


def test_incident_cards_move_by_status_through_change_status(command):
    first, second = command.open(), command.open(title="城西区停电")
    assert _counts(command, command.viewer) == {"open": 2}
    assert {m.name for m in BOARD.moves_from("open", command.coordinator)} == {
        "to_responding", "to_monitoring", "to_resolved"}
    assert BOARD.moves_from("open", command.viewer) == []  # a viewer moves nothing
    _move(command, command.coordinator, first, "to_responding", note="已启动预案")
    with pytest.raises(IncidentInputError) as refused:  # resolving needs the resolution
        _move(command, command.coordinator, second, "to_resolved")
    assert refused.value.field == "resolution"
    assert _counts(command, command.viewer) == {"open": 1, "responding": 1}
    assert command.entries(first.id)[-1].kind == "status_change"

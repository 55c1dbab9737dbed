"""Training sessions as a kanban board (portal/training/kanban.py): submit, approve and return are the plan's own
steps, with their permissions and version check."""
from datetime import timedelta

import pytest

from db.engine import unit_of_work
from portal.access.auth import PermissionDenied
from portal.errors import STALE
from portal.records.kanban import move_card, read_board
from portal.records.view import ViewState
from portal.training.kanban import BOARD
from portal.training.rules import TrainingInputError
from portal.training.tables import SESSIONS
from tests.training.support import NOW, academy_fixture  # noqa: F401  (the `academy` fixture)


def _counts(academy, actor):
    with unit_of_work(actor.id, engine=academy.engine) as s:
        return {c.value: c.count for c in read_board(s, actor=actor, spec=SESSIONS, board=BOARD, view=ViewState())
                if c.count}


def _move(academy, actor, sid, move, version, **inputs):
    with unit_of_work(actor.id, engine=academy.engine) as s:
        move_card(s, actor=actor, board=BOARD, move=move, record_id=sid, version=version, inputs=inputs)


def test_session_cards_move_through_the_plan_steps(academy):
    sid, other = academy.draft(), academy.draft(starts_at=NOW + timedelta(days=8))
    _move(academy, academy.coordinator, sid, "submit", academy.session(sid).version)
    with pytest.raises(PermissionDenied):  # approving is the supervisor's
        _move(academy, academy.coordinator, sid, "approve", academy.session(sid).version)
    seen = academy.session(sid).version
    _move(academy, academy.supervisor, sid, "return", seen, note="请改到周四")
    with pytest.raises(TrainingInputError) as stale:  # the card showed the session before it was returned
        _move(academy, academy.coordinator, sid, "cancel", seen, reason="讲师出差")
    assert stale.value.field == STALE
    assert _counts(academy, academy.viewer) == {"draft": 2}
    _move(academy, academy.coordinator, other, "submit", academy.session(other).version)
    assert _counts(academy, academy.viewer) == {"draft": 1, "submitted": 1}

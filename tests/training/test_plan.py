"""The monthly plan: draft → submitted → approved (supervisor) → held or cancelled; approval within the first
3 working days of the month; at least one session a month; permissions and field-named validation."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from db.engine import unit_of_work
from portal import training as tr
from portal.access.auth import PermissionDenied
from tests.training.support import academy_fixture, cst, english_fixture  # noqa: F401

BEFORE = cst(11, 20, 10)  # when December's plan is drafted
DEC_10 = cst(12, 10, 14)  # a session in December 2026 (1 Dec is a Tuesday: the 3rd working day is 3 Dec)


def _december(academy, **kw) -> int:
    return academy.draft(starts_at=DEC_10, now=BEFORE, **kw)


def _status(academy, now):
    with unit_of_work() as s:
        return tr.plan_status(s, actor=academy.viewer, month=date(2026, 12, 1), now=now)


def test_a_session_moves_from_draft_through_approval_to_held(academy):
    sid = _december(academy)
    assert academy.session(sid).state == "draft"
    academy.run(academy.coordinator, tr.submit_session, session_id=sid, version=None, now=BEFORE)
    academy.run(academy.supervisor, tr.approve_session, session_id=sid, version=None, now=BEFORE)
    approved = academy.session(sid)
    assert (approved.state, approved.approved_by_id) == ("approved", academy.supervisor.id)
    with pytest.raises(tr.TrainingInputError) as err:  # not before it took place
        academy.run(academy.coordinator, tr.mark_held, session_id=sid, version=None, now=DEC_10 - timedelta(hours=1))
    assert err.value.field == "state"
    academy.run(academy.coordinator, tr.mark_held, session_id=sid, version=None, now=DEC_10 + timedelta(hours=3))
    assert academy.session(sid).state == "held"


def test_only_a_supervisor_approves_and_a_coordinator_cannot(academy):
    sid = _december(academy)
    academy.run(academy.coordinator, tr.submit_session, session_id=sid, version=None, now=BEFORE)
    with pytest.raises(PermissionDenied):
        academy.run(academy.coordinator, tr.approve_session, session_id=sid, version=None)
    with pytest.raises(PermissionDenied):
        academy.run(academy.viewer, tr.create_session, data=academy.session_input(starts_at=DEC_10), now=BEFORE)
    with pytest.raises(PermissionDenied):
        academy.run(academy.agent, tr.submit_session, session_id=sid, version=None)


def test_a_draft_cannot_be_approved_before_it_is_submitted(academy):
    sid = _december(academy)
    with pytest.raises(tr.TrainingInputError) as err:
        academy.run(academy.supervisor, tr.approve_session, session_id=sid, version=None)
    assert err.value.field == "state" and "Draft" in str(err.value)


def test_a_supervisor_returns_a_session_to_draft_with_a_note(academy):
    sid = _december(academy)
    academy.run(academy.coordinator, tr.submit_session, session_id=sid, version=None, now=BEFORE)
    with pytest.raises(tr.TrainingInputError) as err:
        academy.run(academy.supervisor, tr.return_session, session_id=sid, version=None, note="  ")
    assert err.value.field == "return_note"
    academy.run(academy.supervisor, tr.return_session, session_id=sid, version=None, note="请改到周四下午")
    assert (academy.session(sid).state, academy.session(sid).return_note) == ("draft", "请改到周四下午")


def test_cancelling_needs_a_reason_and_flags_the_sign_ups(academy):
    sid = academy.approved()
    academy.sign_up(sid, academy.retailers[0])
    with pytest.raises(tr.TrainingInputError) as err:
        academy.run(academy.coordinator, tr.cancel_session, session_id=sid, version=None, reason="")
    assert err.value.field == "cancel_reason"
    academy.run(academy.coordinator, tr.cancel_session, session_id=sid, version=None, reason="讲师临时出差")
    assert academy.session(sid).state == "cancelled"
    assert [su.needs_renotify for su in academy.sign_ups(sid)] == [True]


@pytest.mark.parametrize(("field", "changes"), [
    ("course_id", {"course_id": 999_999}),
    ("ends_at", {"ends_at": DEC_10 - timedelta(hours=1)}),
    ("starts_at", {"starts_at": BEFORE - timedelta(days=1), "ends_at": BEFORE - timedelta(hours=22)}),
    ("place", {"place": "   "}),
    ("format", {"format": "webinar"}),
    ("trainer_id", {"trainer_id": None}),
    ("capacity", {"capacity": 0}),
])
def test_session_input_errors_name_the_field(academy, field, changes):
    with pytest.raises(tr.TrainingInputError) as err:
        data = academy.session_input(**({"starts_at": DEC_10} | changes))
        academy.run(academy.coordinator, tr.create_session, data=data, now=BEFORE)
    assert err.value.field == field


def test_plan_approved_by_the_third_working_day_is_on_time(academy):
    _december(academy)
    assert _status(academy, BEFORE).timing == "pending"
    academy.run(academy.coordinator, tr.submit_plan, month=date(2026, 12, 1), now=BEFORE)
    assert academy.run(academy.supervisor, tr.approve_plan, month=date(2026, 12, 1), now=cst(12, 3, 17)) == 1
    status = _status(academy, cst(12, 4, 9))
    assert status.approval_deadline == date(2026, 12, 3)
    assert (status.timing, status.has_session) == ("on_time", True)


def test_plan_approved_after_the_third_working_day_is_late(academy):
    _december(academy)
    academy.run(academy.coordinator, tr.submit_plan, month=date(2026, 12, 1), now=BEFORE)
    academy.run(academy.supervisor, tr.approve_plan, month=date(2026, 12, 1), now=cst(12, 4, 9))
    assert _status(academy, cst(12, 4, 10)).timing == "late"


def test_plan_not_approved_by_the_deadline_is_overdue(academy):
    _december(academy)
    assert _status(academy, cst(12, 3, 23, 59)).timing == "pending"
    assert _status(academy, cst(12, 4, 0, 1)).timing == "overdue"


def test_a_month_with_only_cancelled_sessions_has_no_session(academy):
    sid = _december(academy)
    academy.run(academy.coordinator, tr.cancel_session, session_id=sid, version=None, reason="改期")
    status = _status(academy, BEFORE)
    assert (status.timing, status.has_session, status.counts) == ("no_sessions", False, {"cancelled": 1})

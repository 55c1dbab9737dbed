"""Planning (issue 17): a trainer booked twice at once is refused, a place booked at that time is a warning the
planner may accept; an approved session moved to another time or place goes back for approval (on its history, its
approver told through the notification rules); the plan grid shows seats taken / capacity / waiting."""
from __future__ import annotations

from datetime import timedelta

import pytest

from db.engine import unit_of_work
from db.models import User
from portal import training as tr
from portal.i18n import fmt_datetime
from portal.notifications.rules import handle_event
from portal.records.history import record_history
from portal.records.query import fetch_page
from portal.records.view import ViewState
from portal.training.conflicts import PlaceTaken
from tests.training.support import academy_fixture, cst, english_fixture  # noqa: F401
from tests.training.test_notify import _notes, _rendered, _setting, queue  # noqa: F401

BEFORE = cst(11, 20, 10)
DEC_10 = cst(12, 10, 14)  # 14:00–16:00
WHEN = f"{fmt_datetime(DEC_10)} to {fmt_datetime(DEC_10 + timedelta(hours=2))}"  # as English shows it


def _draft(academy, starts_at=DEC_10, **kw) -> int:
    return academy.draft(starts_at=starts_at, now=BEFORE, **kw)


def test_the_same_trainer_at_an_overlapping_time_is_refused_naming_the_other_session(academy, make_user):
    _draft(academy)
    with pytest.raises(tr.TrainingInputError) as err:  # 15:00–17:00 overlaps 14:00–16:00, elsewhere
        _draft(academy, starts_at=DEC_10 + timedelta(hours=1), place="城西区分公司")
    assert err.value.field == "trainer_id"
    assert str(err.value) == (f"Trainer: 周杰 already trains “卷烟陈列技巧” from {WHEN}. Choose another trainer "
                              "or another time.")
    assert not isinstance(err.value, PlaceTaken)
    with pytest.raises(tr.TrainingInputError):  # confirming a shared place does not share a trainer
        _draft(academy, starts_at=DEC_10 + timedelta(hours=1), share_place=True)
    back_to_back = _draft(academy, starts_at=DEC_10 + timedelta(hours=2), place="城西区分公司")
    other = make_user("handler", name="刘洋")
    _draft(academy, starts_at=DEC_10 + timedelta(hours=1), place="城西区分公司二楼", trainer_id=other.id)
    # editing: moving the back-to-back session onto the first, or giving it to a busy trainer, is refused too
    with pytest.raises(tr.TrainingInputError) as err:
        academy.run(academy.coordinator, tr.update_session, session_id=back_to_back, version=None, now=BEFORE,
                    data=academy.session_input(starts_at=DEC_10 + timedelta(minutes=90), place="城西区分公司"))
    assert err.value.field == "trainer_id"
    with pytest.raises(tr.TrainingInputError) as err:
        academy.run(academy.coordinator, tr.update_session, session_id=back_to_back, version=None, now=BEFORE,
                    data=academy.session_input(starts_at=DEC_10 + timedelta(hours=2), place="城西区分公司",
                                               trainer_id=other.id))
    assert err.value.field == "trainer_id" and "刘洋" in str(err.value)
    assert academy.session(back_to_back).starts_at == DEC_10 + timedelta(hours=2)


def test_a_cancelled_session_frees_its_trainer_and_place(academy):
    first = _draft(academy)
    academy.run(academy.coordinator, tr.cancel_session, session_id=first, version=None, reason="讲师出差")
    assert academy.session(_draft(academy)).state == "draft"


def test_the_same_place_at_the_same_time_is_a_warning_the_planner_may_accept(academy, make_user):
    _draft(academy, place="营销中心 Room 3")
    other = make_user("handler", name="刘洋").id
    with pytest.raises(PlaceTaken) as err:  # the same words, other spacing and case: the same place
        _draft(academy, starts_at=DEC_10 + timedelta(hours=1), trainer_id=other, place=" 营销中心  room 3")
    assert err.value.field == "place" and str(err.value).startswith(
        f"Place: “营销中心 Room 3” is booked for “卷烟陈列技巧” from {WHEN}. If both fit")
    shared = _draft(academy, starts_at=DEC_10 + timedelta(hours=1), trainer_id=other, place="营销中心 room 3",
                    share_place=True)
    assert academy.session(shared).place == "营销中心 room 3"
    with pytest.raises(PlaceTaken):  # a third one is asked again
        _draft(academy, starts_at=DEC_10, trainer_id=make_user("handler").id, place="营销中心 ROOM 3")
    # another place, or the same place once the other sessions are over, is no warning
    _draft(academy, starts_at=DEC_10, trainer_id=make_user("handler").id, place="营销中心 Room 4")
    _draft(academy, starts_at=DEC_10 + timedelta(hours=3), trainer_id=make_user("handler").id, place="营销中心 Room 3")


def _move(academy, sid, **kw):
    return academy.run(academy.coordinator, tr.update_session, session_id=sid, version=None, now=BEFORE,
                       data=academy.session_input(**({"starts_at": DEC_10} | kw)))


def test_moving_an_approved_session_sends_it_back_for_approval_and_its_sign_ups_keep_their_seats(academy):
    sid = academy.approved(starts_at=DEC_10, now=BEFORE)
    seated = academy.sign_up(sid, academy.retailers[0], now=BEFORE)
    _move(academy, sid, capacity=5, content="新的内容")  # neither time nor place: stays approved
    assert academy.session(sid).state == "approved"
    moved = _move(academy, sid, starts_at=DEC_10 + timedelta(days=1), capacity=5)
    assert (moved.state, moved.approved_by_id) == ("submitted", academy.supervisor.id)  # the approval it had
    assert moved.approved_at is not None and moved.submitted_at == BEFORE
    [su] = academy.sign_ups(sid)
    assert (su.id, su.state, su.needs_renotify) == (seated.id, "signed_up", True)
    with pytest.raises(tr.TrainingInputError):  # no new sign-ups until approved again
        academy.sign_up(sid, academy.retailers[1], now=BEFORE)
    with unit_of_work() as s:
        history = record_history(s, actor=academy.viewer, spec=tr.SESSIONS, record_id=sid,
                                 fields=("state", "starts_at"))
    changes = {(c.label, c.old, c.new) for c in history}
    assert ("State", "Approved", "Submitted for approval") in changes
    assert ("Start", fmt_datetime(DEC_10), fmt_datetime(DEC_10 + timedelta(days=1))) in changes
    academy.run(academy.supervisor, tr.approve_session, session_id=sid, version=None, now=BEFORE)
    academy.sign_up(sid, academy.retailers[1], now=BEFORE)
    _move(academy, sid, starts_at=DEC_10 + timedelta(days=1), place="城东区分公司会议室", capacity=5)  # a new room
    assert academy.session(sid).state == "submitted"


def test_the_approver_is_told_of_the_move_through_the_notification_rules(academy, make_user, queue):  # noqa: F811
    other = make_user("supervisor", name="李强", language="en")
    sid = academy.approved(starts_at=DEC_10, now=BEFORE)
    queue.work()
    assert _notes(academy, "training_session_moved") == []  # submitting and approving are no move
    _move(academy, sid, place="城东区分公司会议室")
    queue.work()
    [note] = _notes(academy, "training_session_moved")
    assert (note.user_id, note.record_id) == (academy.supervisor.id, str(sid))  # the approver, not every supervisor
    assert _rendered(note) == (
        "“卷烟陈列技巧” was moved after its approval, to 2026-12-10 14:00 at 城东区分公司会议室: approve it again "
        "(its sign-ups keep their seats).",
        "“卷烟陈列技巧”审批后已调整为2026-12-10 14:00在城东区分公司会议室举行：请重新审批"
        "（已报名的零售客户保留席位）。")
    # the approver moving it themselves tells nobody; an approver who left: every supervisor
    academy.run(academy.supervisor, tr.approve_session, session_id=sid, version=None, now=BEFORE)
    academy.run(academy.supervisor, tr.update_session, session_id=sid, version=None, now=BEFORE,
                data=academy.session_input(starts_at=DEC_10 + timedelta(days=2)))
    queue.work()
    assert len(_notes(academy, "training_session_moved")) == 1
    academy.run(academy.supervisor, tr.approve_session, session_id=sid, version=None, now=BEFORE)
    with unit_of_work() as s:
        s.get(User, academy.supervisor.id).active = False
    _move(academy, sid, starts_at=DEC_10 + timedelta(days=3))
    queue.work()
    assert [n.user_id for n in _notes(academy, "training_session_moved")][1:] == [other.id]
    _setting(academy, "training_session_moved", enabled=False)
    academy.run(other, tr.approve_session, session_id=sid, version=None, now=BEFORE)
    _move(academy, sid, starts_at=DEC_10 + timedelta(days=4))
    queue.work()
    assert len(_notes(academy, "training_session_moved")) == 2


def test_a_state_change_that_is_no_move_tells_nobody(academy):
    sid = academy.approved(starts_at=DEC_10, now=BEFORE)
    change = {"table": "training_sessions", "record": str(sid), "action": "update", "field": "state"}
    events = [{"event": f"e{i}", "actor": None, "at": "2026-11-20T02:00:00+00:00", "changes": [change | c]}
              for i, c in enumerate(({"old": "submitted", "new": "approved"}, {"old": "approved", "new": "held"},
                                     {"old": "approved", "new": "submitted"}))]
    with unit_of_work() as s:  # the last names a move, but the session is approved now: nothing waits
        assert [handle_event(s, e) for e in events] == [0, 0, 0]


def test_the_plan_grid_shows_seats_taken_capacity_and_waiting(academy):
    full = academy.approved(starts_at=DEC_10, capacity=2, now=BEFORE)
    for rid in academy.retailers[:5]:
        academy.sign_up(full, rid, now=BEFORE)
    academy.run(academy.coordinator, tr.cancel_sign_up, sign_up_id=academy.by_retailer(full)[academy.retailers[4]].id,
                version=None, reason="不来了", now=BEFORE)
    empty = _draft(academy, starts_at=DEC_10 + timedelta(days=1))
    view = ViewState(columns=("title", "seats_taken", "capacity", "waiting"), sort=(("waiting", True),))
    with unit_of_work() as s:
        page = fetch_page(s, spec=tr.SESSIONS, view=view, actor=academy.viewer)
    assert [(r["id"], r["seats_taken"], r["capacity"], r["waiting"]) for r in page.rows] == [
        (full, 2, 2, 2), (empty, 0, 3, 0)]

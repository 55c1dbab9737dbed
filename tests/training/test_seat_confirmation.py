"""A seat given from the waiting list waits for the retailer's confirmation (portal/training/waiting_list.py): by the
deadline (the release rule's lead time, 24 hours as built) staff record the confirming call, or the release scan gives
the seat to the next one waiting, who gets a deadline of their own; the coordinators are told. "Sign up all shown"
asks before putting more than WAITLIST_WARNING on a waiting list, saying how many."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from db.engine import unit_of_work
from db.notification_models import Notification, NotificationRuleSetting
from portal import training as tr
from portal.access.auth import PermissionDenied
from portal.errors import InputError
from portal.notifications.rules import run_scans
from portal.training.signups import CONFIRM_RULE
from tests.notifications import conftest as notifications
from tests.training.support import academy_fixture, add_retailers, cst  # noqa: F401  (the `academy` fixture)
from tests.training.test_notify import _rendered

queue = notifications.queue  # the fixture: the outbox's job queue of these tests' own
BEFORE = cst(11, 20, 10)


def _scan(academy, now) -> int:
    with unit_of_work(engine=academy.engine) as s:
        run = run_scans(s, now)[CONFIRM_RULE]
        assert run.error is None, run.error
        return run.made


def _notes(academy, rule: str) -> list[Notification]:
    with unit_of_work(engine=academy.engine) as s:
        return list(s.scalars(select(Notification).where(Notification.rule == rule).order_by(Notification.id)))


def _full_session(academy, starts_at=None, waiting: int = 2) -> tuple[int, object]:
    """A one-seat session: retailer 0 seated, the next `waiting` on its waiting list. Returns (id, the seat)."""
    sid = academy.approved(starts_at=starts_at or cst(12, 20, 10), capacity=1, now=BEFORE)
    seat = academy.sign_up(sid, academy.retailers[0], now=BEFORE)
    for n in range(1, waiting + 1):
        academy.sign_up(sid, academy.retailers[n], now=BEFORE)
    return sid, seat


def _cancel(academy, sign_up, now) -> None:
    academy.run(academy.coordinator, tr.cancel_sign_up, sign_up_id=sign_up.id, version=None, reason="店里有事", now=now)


def test_a_seat_not_confirmed_by_its_deadline_goes_to_the_next_one_waiting(academy, queue):
    r = academy.retailers
    sid, seat = _full_session(academy)
    _cancel(academy, seat, cst(12, 1, 9))
    queue.work()
    promoted = academy.by_retailer(sid)[r[1]]
    assert [n.record_id for n in _notes(academy, "training_promoted")] == [str(promoted.id)]
    assert (promoted.state, promoted.confirm_by, promoted.confirmed_at) == ("signed_up", cst(12, 2, 9), None)
    assert _scan(academy, cst(12, 2, 8, 59)) == 0  # not yet due
    assert _scan(academy, cst(12, 2, 9)) == 1  # the coordinator is told
    assert _scan(academy, cst(12, 2, 9, 1)) == 0  # once
    with unit_of_work(engine=academy.engine) as s:
        released = s.get(type(promoted), promoted.id)
        assert (released.state, released.cancel_reason) == (
            "cancelled", "Not confirmed by 2026-12-02 09:00: the seat went to the next one waiting.")
    nxt = academy.by_retailer(sid)[r[2]]
    assert (nxt.state, nxt.confirm_by, nxt.waitlist_position) == ("signed_up", cst(12, 3, 9), None)
    [note] = _notes(academy, CONFIRM_RULE)
    assert note.user_id == academy.coordinator.id and note.link == f"pages/training_session.py?id={sid}"
    assert _rendered(note) == (
        "测试便利店1 did not confirm the seat at “卷烟陈列技巧” (2026-12-20 10:00) by 2026-12-02 09:00: it went to "
        "the next one waiting (1 moved up).",
        "测试便利店1未在2026-12-02 09:00前确认培训“卷烟陈列技巧”（2026-12-20 10:00）的名额：名额已递补给候补名单中的"
        "下一位（递补1人）。")
    queue.work()  # the next one's promotion is an event like any other: the coordinators hear of it
    assert [n.record_id for n in _notes(academy, "training_promoted")] == [str(promoted.id), str(nxt.id)]

    # the next one calls back and staff record it: their seat is kept past the deadline
    academy.run(academy.coordinator, tr.confirm_seat, sign_up_id=nxt.id, version=nxt.version, now=cst(12, 2, 15))
    assert _scan(academy, cst(12, 4, 9)) == 0
    assert academy.by_retailer(sid)[r[2]].confirmed_at == cst(12, 2, 15)
    with pytest.raises(InputError, match="already confirmed"):
        academy.run(academy.coordinator, tr.confirm_seat, sign_up_id=nxt.id, version=None)


def test_only_a_seat_from_the_waiting_list_is_confirmed_and_only_by_training_staff(academy):
    sid, seat = _full_session(academy, waiting=1)
    with pytest.raises(InputError, match="Only a seat given from the waiting list"):
        academy.run(academy.coordinator, tr.confirm_seat, sign_up_id=seat.id, version=None)
    _cancel(academy, seat, cst(12, 1, 9))
    promoted = academy.by_retailer(sid)[academy.retailers[1]]
    with pytest.raises(PermissionDenied):
        academy.run(academy.viewer, tr.confirm_seat, sign_up_id=promoted.id, version=None)


def test_the_time_to_confirm_is_the_rules_lead_time_and_no_deadline_when_off_or_at_the_start(academy):
    r = academy.retailers
    with unit_of_work(engine=academy.engine) as s:
        s.merge(NotificationRuleSetting(rule=CONFIRM_RULE, lead_minutes=120))
    sid, seat = _full_session(academy, waiting=1)
    _cancel(academy, seat, cst(12, 1, 9))
    assert academy.by_retailer(sid)[r[1]].confirm_by == cst(12, 1, 11)
    # promoted an hour before the start: no time to confirm, the seat is simply theirs
    sid, seat = _full_session(academy, starts_at=cst(12, 21, 10), waiting=1)
    _cancel(academy, seat, cst(12, 21, 9))
    assert academy.by_retailer(sid)[r[1]].confirm_by is None
    with unit_of_work(engine=academy.engine) as s:
        s.merge(NotificationRuleSetting(rule=CONFIRM_RULE, enabled=False))
    sid, seat = _full_session(academy, starts_at=cst(12, 22, 10), waiting=1)
    _cancel(academy, seat, cst(12, 1, 9))
    assert academy.by_retailer(sid)[r[1]].confirm_by is None  # the rule is off: nobody would release it


def test_signing_up_many_says_first_how_many_would_wait_beyond_the_limit(academy):
    more = add_retailers(academy.engine, 8, start=8)  # 16 active retailers
    sid = academy.approved(capacity=3, now=BEFORE)
    everyone = academy.retailers + more
    with pytest.raises(tr.WaitingListOverflow) as refused:
        academy.run(academy.coordinator, tr.sign_up_many, session_id=sid, retailer_ids=everyone,
                    waiting_limit=tr.WAITLIST_WARNING)
    assert str(refused.value) == ("13 of these 16 retailers would go on the waiting list of “卷烟陈列技巧”: it has "
                                  "3 free seats.")
    assert academy.sign_ups(sid) == []  # nothing was done
    batch = academy.run(academy.coordinator, tr.sign_up_many, session_id=sid, retailer_ids=everyone[:13],
                        waiting_limit=tr.WAITLIST_WARNING)  # 10 would wait: at the limit, no question
    assert (len(batch.signed_up), len(batch.waitlisted)) == (3, 10)
    batch = academy.run(academy.coordinator, tr.sign_up_many, session_id=sid, retailer_ids=everyone)  # "anyway"
    assert (len(batch.signed_up), len(batch.waitlisted), len(batch.refused)) == (0, 3, 13)
    assert tr.WAITLIST_WARNING == 10 and timedelta(hours=24) == tr.signups.CONFIRM_WITHIN

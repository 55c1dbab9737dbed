"""Sign-ups: only approved future sessions, no duplicates, capacity never exceeded (also under concurrent
last-seat sign-ups), the waiting list promoted in order, re-notification after a move."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from db.engine import unit_of_work
from db.models import AuditLog, Retailer
from portal import training as tr
from portal.access.auth import PermissionDenied
from portal.errors import STALE
from tests.training.support import NOW, academy_fixture, add_retailers, english_fixture  # noqa: F401


def test_sign_ups_beyond_capacity_go_on_the_waiting_list_in_order(academy):
    sid = academy.approved(capacity=2)
    r = academy.retailers
    states = [academy.sign_up(sid, rid) for rid in r[:5]]
    assert [(s.state, s.waitlist_position) for s in states] == [
        ("signed_up", None), ("signed_up", None), ("waitlisted", 1), ("waitlisted", 2), ("waitlisted", 3)]
    with unit_of_work() as s:
        assert tr.seats_taken(s, sid) == 2


def test_cancelling_a_seat_promotes_the_first_waiting_and_the_audit_log_records_it(academy):
    sid = academy.approved(capacity=2)
    r = academy.retailers
    first, _second, waiting1, waiting2 = (academy.sign_up(sid, rid) for rid in r[:4])
    promoted = academy.run(academy.coordinator, tr.cancel_sign_up, sign_up_id=first.id, version=first.version,
                           reason="店里装修,来不了", now=NOW + timedelta(hours=1))
    assert [p.retailer_id for p in promoted] == [r[2]]
    now = academy.by_retailer(sid)
    assert now[r[2]].state == "signed_up" and now[r[2]].waitlist_position is None
    assert now[r[2]].promoted_at == NOW + timedelta(hours=1)
    assert now[r[3]].state == "waitlisted"  # still waiting, still behind
    assert r[0] not in now
    with unit_of_work() as s:
        changes = s.execute(select(AuditLog.field, AuditLog.old_value, AuditLog.new_value, AuditLog.actor_id).where(
            AuditLog.table_name == "training_sign_ups", AuditLog.record_id == str(waiting1.id),
            AuditLog.action == "update")).all()
    assert ("state", "waitlisted", "signed_up", academy.coordinator.id) in changes


def test_cancelling_a_waiting_sign_up_promotes_nobody(academy):
    sid = academy.approved(capacity=1)
    r = academy.retailers
    academy.sign_up(sid, r[0])
    waiting = academy.sign_up(sid, r[1])
    assert academy.run(academy.coordinator, tr.cancel_sign_up, sign_up_id=waiting.id, version=None,
                       reason="不想参加") == []
    assert [s.state for s in academy.sign_ups(sid)] == ["signed_up", "cancelled"]


def test_a_retailer_cannot_hold_two_sign_ups_for_one_session(academy):
    sid = academy.approved()
    academy.sign_up(sid, academy.retailers[0])
    with pytest.raises(tr.TrainingInputError) as err:
        academy.sign_up(sid, academy.retailers[0])
    assert err.value.field == "retailer_id" and "already signed up" in str(err.value)


def test_after_cancelling_a_retailer_may_sign_up_again(academy):
    sid = academy.approved()
    su = academy.sign_up(sid, academy.retailers[0])
    academy.run(academy.coordinator, tr.cancel_sign_up, sign_up_id=su.id, version=None, reason="时间冲突")
    assert academy.sign_up(sid, academy.retailers[0]).state == "signed_up"


@pytest.mark.parametrize("stage", ["draft", "submitted", "cancelled", "past"])
def test_only_approved_future_sessions_take_sign_ups(academy, stage):
    if stage == "past":
        sid = academy.approved(starts_at=NOW + timedelta(days=1))
        now = NOW + timedelta(days=2)
    else:
        sid, now = academy.draft(), NOW
        if stage in ("submitted", "cancelled"):
            academy.run(academy.coordinator, tr.submit_session, session_id=sid, version=None)
        if stage == "cancelled":
            academy.run(academy.coordinator, tr.cancel_session, session_id=sid, version=None, reason="讲师出差")
    with pytest.raises(tr.TrainingInputError) as err:
        academy.sign_up(sid, academy.retailers[0], now=now)
    assert err.value.field == "session"


@pytest.mark.parametrize("status", ["suspended", "closed"])
def test_suspended_or_closed_retailers_cannot_sign_up(academy, status):
    sid = academy.approved()
    [rid] = add_retailers(academy.engine, 1, start=100, status=status)
    with pytest.raises(tr.TrainingInputError) as err:
        academy.sign_up(sid, rid)
    assert err.value.field == "retailer_id" and "suspended or closed" in str(err.value)


def test_signing_up_many_reports_who_was_refused_and_fills_seats_then_the_waiting_list(academy):
    sid = academy.approved(capacity=2)
    r = academy.retailers
    [closed] = add_retailers(academy.engine, 1, start=200, status="closed")
    academy.sign_up(sid, r[0])
    batch = academy.run(academy.coordinator, tr.sign_up_many, session_id=sid,
                        retailer_ids=[r[0], r[1], closed, r[2], r[3]], now=NOW)
    assert batch.signed_up == [r[1]] and batch.waitlisted == [r[2], r[3]]
    assert set(batch.refused) == {r[0], closed}


def test_concurrent_last_seat_sign_ups_never_exceed_capacity(academy):
    """Eight staff sign eight retailers up to the last two seats at the same moment, each in their own unit of
    work: two get seats, six wait in distinct positions, and the session never holds more than its capacity."""
    sid = academy.approved(capacity=3)
    academy.sign_up(sid, academy.retailers[7])  # one seat taken already
    more = add_retailers(academy.engine, 8, start=300)
    barrier = threading.Barrier(len(more))
    results, errors = [], []

    def worker(rid: int) -> None:
        try:
            with unit_of_work(academy.coordinator.id, engine=academy.engine) as s:
                barrier.wait(timeout=30)
                results.append(tr.sign_up(s, actor=academy.coordinator, session_id=sid, retailer_id=rid,
                                          now=NOW).state)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(rid,)) for rid in more]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(results) == ["signed_up"] * 2 + ["waitlisted"] * 6
    active = [su for su in academy.sign_ups(sid) if su.state != "cancelled"]
    assert sum(su.state == "signed_up" for su in active) == 3
    assert sorted(su.waitlist_position for su in active if su.state == "waitlisted") == [1, 2, 3, 4, 5, 6]


def test_raising_capacity_promotes_from_the_waiting_list_and_lowering_it_below_the_seated_is_refused(academy):
    sid = academy.approved(capacity=2)
    r = academy.retailers
    for rid in r[:4]:
        academy.sign_up(sid, rid)
    ts = academy.session(sid)
    with pytest.raises(tr.TrainingInputError) as err:
        academy.run(academy.coordinator, tr.update_session, session_id=sid, version=ts.version,
                    data=academy.session_input(starts_at=ts.starts_at, capacity=1), now=NOW)
    assert err.value.field == "capacity"
    academy.run(academy.coordinator, tr.update_session, session_id=sid, version=ts.version,
                data=academy.session_input(starts_at=ts.starts_at, capacity=3), now=NOW)
    states = academy.by_retailer(sid)
    assert [states[rid].state for rid in r[:4]] == ["signed_up", "signed_up", "signed_up", "waitlisted"]


def test_capacity_over_100_is_refused_naming_the_field(academy):
    with pytest.raises(tr.TrainingInputError) as err:
        academy.draft(capacity=101)
    assert err.value.field == "capacity" and "100" in str(err.value)


def test_moving_a_session_flags_its_sign_ups_for_renotification(academy):
    sid = academy.approved(capacity=1)
    seated = academy.sign_up(sid, academy.retailers[0])
    waiting = academy.sign_up(sid, academy.retailers[1])
    with unit_of_work() as s:  # the waiting retailer is told too: that they wait
        assert len(tr.notification_list(s, actor=academy.viewer, session_id=sid)) == 2
    for su in (seated, waiting):
        academy.run(academy.coordinator, tr.mark_notified, sign_up_id=su.id, version=None, method="phone")
    with unit_of_work() as s:
        assert tr.notification_list(s, actor=academy.viewer, session_id=sid) == []
    ts = academy.session(sid)
    later = ts.starts_at + timedelta(days=1)
    academy.run(academy.coordinator, tr.update_session, session_id=sid, version=ts.version,
                data=academy.session_input(starts_at=later), now=NOW)
    assert all(su.needs_renotify for su in academy.sign_ups(sid))
    with unit_of_work() as s:
        listed = tr.notification_list(s, actor=academy.viewer, session_id=sid)
    assert [row["retailer_id"] for row in listed] == academy.retailers[:2]
    for su in (seated, waiting):
        academy.run(academy.coordinator, tr.mark_notified, sign_up_id=su.id, version=None, method="sms")
    with unit_of_work() as s:
        assert tr.notification_list(s, actor=academy.viewer, session_id=sid) == []


def test_a_stale_session_edit_is_refused(academy):
    sid = academy.draft()
    seen = academy.session(sid).version
    academy.run(academy.coordinator, tr.update_session, session_id=sid, version=seen,
                data=academy.session_input(place="城东区分公司会议室"), now=NOW)
    with pytest.raises(tr.TrainingInputError) as err:
        academy.run(academy.coordinator, tr.update_session, session_id=sid, version=seen,
                    data=academy.session_input(place="公司二楼"), now=NOW)
    assert err.value.field == STALE
    assert academy.session(sid).place == "城东区分公司会议室"


def test_only_coordinators_and_supervisors_sign_up(academy):
    sid = academy.approved()
    for outsider in (academy.viewer, academy.agent):
        with pytest.raises(PermissionDenied):
            academy.run(outsider, tr.sign_up, session_id=sid, retailer_id=academy.retailers[0], now=NOW)


def test_roster_masks_phone_numbers_for_viewers(academy):
    sid = academy.approved()
    academy.sign_up(sid, academy.retailers[0])
    with unit_of_work() as s:
        phone = s.get(Retailer, academy.retailers[0]).phone
        [seen_by_viewer] = tr.roster(s, actor=academy.viewer, session_id=sid)
        [seen_by_coordinator] = tr.roster(s, actor=academy.coordinator, session_id=sid)
    assert seen_by_coordinator["phone"] == phone
    assert seen_by_viewer["phone"] == phone[:3] + "****" + phone[-4:]

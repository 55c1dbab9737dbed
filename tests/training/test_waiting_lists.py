"""Waiting lists (issue 13 §8): positions are renumbered when someone leaves the list; a held or cancelled session
closes its waiting list (those of a cancelled one are still told); record cards never call a cancelled session's
place "signed up"."""
from __future__ import annotations

from datetime import timedelta

from db.engine import unit_of_work
from portal import training as tr
from portal.records.linked import linked_sections
from tests.training.support import NOW, academy_fixture, english_fixture  # noqa: F401


def _waiting(academy, sid: int) -> list[tuple[int, int]]:
    """(retailer id, position) of the waiting list, in order."""
    return sorted(((su.retailer_id, su.waitlist_position) for su in academy.sign_ups(sid)
                   if su.state == "waitlisted"), key=lambda x: x[1])


def _card(academy, retailer_id: int) -> list[str]:
    [section] = [s for s in linked_sections("retailers", academy.viewer) if s.key == "training_record_card"]
    with unit_of_work() as s:
        return [row["Sign-up"] for row in section.rows(s, academy.viewer, retailer_id)]


def test_waiting_positions_are_renumbered_after_a_promotion_and_after_a_cancellation(academy):
    sid = academy.approved(capacity=1)
    r = academy.retailers
    seated, *waiting = (academy.sign_up(sid, rid) for rid in r[:5])
    assert _waiting(academy, sid) == [(r[1], 1), (r[2], 2), (r[3], 3), (r[4], 4)]
    academy.run(academy.coordinator, tr.cancel_sign_up, sign_up_id=seated.id, version=None, reason="来不了")
    assert _waiting(academy, sid) == [(r[2], 1), (r[3], 2), (r[4], 3)]  # r1 moved up
    academy.run(academy.coordinator, tr.cancel_sign_up, sign_up_id=waiting[2].id, version=None, reason="不想等")
    assert _waiting(academy, sid) == [(r[2], 1), (r[4], 2)]
    assert "Waiting list #2" in _card(academy, r[4])


def test_a_held_session_closes_its_waiting_list(academy):
    sid = academy.approved(capacity=1)
    r = academy.retailers
    for rid in r[:3]:
        academy.sign_up(sid, rid)
    starts = academy.session(sid).starts_at
    academy.run(academy.coordinator, tr.mark_held, session_id=sid, version=None, now=starts + timedelta(hours=3))
    states = {su.retailer_id: (su.state, su.waitlist_position) for su in academy.sign_ups(sid)}
    assert states == {r[0]: ("signed_up", None), r[1]: ("cancelled", None), r[2]: ("cancelled", None)}
    assert "Waiting list" not in " ".join(_card(academy, r[1]))
    with unit_of_work() as s:
        assert not [row for row in tr.roster(s, actor=academy.viewer, session_id=sid) if row["state"] == "waitlisted"]


def test_a_cancelled_session_closes_its_waiting_list_tells_everyone_and_no_card_says_signed_up(academy):
    sid = academy.approved(capacity=1)
    r = academy.retailers
    seated, waiting = academy.sign_up(sid, r[0]), academy.sign_up(sid, r[1])
    academy.run(academy.coordinator, tr.mark_notified, sign_up_id=seated.id, version=None, method="phone")
    academy.run(academy.coordinator, tr.mark_notified, sign_up_id=waiting.id, version=None, method="phone")
    academy.run(academy.coordinator, tr.cancel_session, session_id=sid, version=None, reason="讲师出差")
    states = {su.retailer_id: (su.state, su.waitlist_position) for su in academy.sign_ups(sid)}
    assert states[r[1]] == ("cancelled", None)
    with unit_of_work() as s:
        to_tell = {row["retailer_id"] for row in tr.notification_list(s, actor=academy.viewer, session_id=sid)}
    assert to_tell == {r[0], r[1]}  # the seated and the one who waited both learn it is off
    academy.run(academy.coordinator, tr.mark_notified, sign_up_id=waiting.id, version=None, method="sms")
    with unit_of_work() as s:
        assert {row["retailer_id"] for row in tr.notification_list(s, actor=academy.viewer, session_id=sid)} == {r[0]}
    assert _card(academy, r[0]) == ["Session cancelled"]
    assert _card(academy, r[1]) == ["Cancelled"]

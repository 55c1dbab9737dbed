"""Text messages to retailers through the gateway (a loopback HTTP server): the session reminder the day before to
each retailer with a seat (once per session and start, again when the session moves; not to the waiting list, a
cancelled sign-up or a shop without a phone), the message to a retailer promoted from the waiting list, and what the
session page's roster shows of them (sent, failed and why); with no gateway set up nothing is queued or shown."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from db.engine import unit_of_work
from db.models import Retailer
from db.notification_models import Delivery, Notification
from portal import training as tr
from portal.center.sla import CENTER_TZ
from portal.i18n import set_language
from portal.notifications.inbox import message
from portal.notifications.rules import run_scans
from tests.notifications import conftest as notifications
from tests.notifications.channel_servers import (  # noqa: F401  (fixtures)
    channels_fixture,
    delivery_queue_fixture,
    gateway_server,
    payloads,
)
from tests.training.support import academy_fixture, cst  # noqa: F401  (the `academy` fixture)
from tests.training.test_pages import _approved_session, staff  # noqa: F401  (the `staff` fixture)

queue = notifications.queue  # the fixture: the outbox's job queue of these tests' own
BEFORE = cst(11, 20, 10)
RULE = "training_session_reminder"


@pytest.fixture(autouse=True)
def chinese_installation(monkeypatch):
    monkeypatch.setenv("PORTAL_DEFAULT_LANGUAGE", "zh_CN")  # retailers are written to in the installation's language


def _scan(engine, now: datetime):
    with unit_of_work(engine=engine) as s:
        run = run_scans(s, now)[RULE]
        assert run.error is None, run.error
        return run.made, run.rows_read


def _texts(engine) -> list[Delivery]:
    with unit_of_work(engine=engine) as s:
        return list(s.scalars(select(Delivery).where(Delivery.kind == "retailer").order_by(Delivery.id)))


def _seated_waiting_cancelled_no_phone(academy) -> tuple[int, dict[str, list[int]]]:
    """A session on Dec 8 at 14:00 for 4: retailers 0, 2, 5 (no phone) keep their seats, 3 moved up when 1 cancelled
    (and confirmed the seat on the phone), 4 waits."""
    r = academy.retailers
    with unit_of_work(engine=academy.engine) as s:
        s.execute(update(Retailer).where(Retailer.id == r[5]).values(phone=None))
    sid = academy.approved(starts_at=cst(12, 8, 14), capacity=4, now=BEFORE)
    for retailer in (r[0], r[1], r[2], r[5], r[3], r[4]):
        academy.sign_up(sid, retailer, now=BEFORE)
    academy.run(academy.coordinator, tr.cancel_sign_up, sign_up_id=academy.by_retailer(sid)[r[1]].id, version=None,
                reason="店里有事", now=cst(11, 25))
    academy.run(academy.coordinator, tr.confirm_seat, sign_up_id=academy.by_retailer(sid)[r[3]].id, version=None,
                now=cst(11, 25, 11))
    states = {su.retailer_id: su.state for su in academy.sign_ups(sid)}
    assert (states[r[1]], states[r[3]], states[r[4]]) == ("cancelled", "signed_up", "waitlisted")
    return sid, {"texted": [r[0], r[2], r[3]], "not": [r[1], r[4], r[5]]}


def test_the_reminder_goes_once_to_each_seat_the_day_before_and_again_when_the_session_moves(
        academy, channels, delivery_queue):
    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        sid, who = _seated_waiting_cancelled_no_phone(academy)
        assert _scan(academy.engine, cst(12, 7, 8))[0] == 0 and _texts(academy.engine) == []  # not yet
        _scan(academy.engine, cst(12, 7, 8, 30))
        first = _texts(academy.engine)
        assert sorted(d.recipient_id for d in first) == sorted(who["texted"])
        assert {(d.about_table, d.about_id, d.status) for d in first} == {("training_sessions", str(sid), "queued")}
        assert _scan(academy.engine, cst(12, 7, 9)) == (0, 1)  # again: reads the session only, queues nothing
        assert len(_texts(academy.engine)) == 3
        delivery_queue.work()
        sent = payloads(gateway)
        assert sorted(p["recipient"]["id"] for p in sent) == sorted(who["texted"])
        assert {p["text"] for p in sent} == {"服务中心提醒：您报名的培训“卷烟陈列技巧”将于2026-12-08 14:00"
                                             "在公司三楼培训室举行。"}
        assert {p["kind"] for p in sent} == {"retailer"} and {p["language"] for p in sent} == {"zh_CN"}
        # moved to the next day: a new occasion, each seat is reminded again (once)
        academy.run(academy.coordinator, tr.update_session, session_id=sid, version=None, now=cst(12, 7, 10),
                    data=academy.session_input(starts_at=cst(12, 9, 14), capacity=4))
        academy.run(academy.supervisor, tr.approve_session, session_id=sid, version=None, now=cst(12, 7, 11))
        _scan(academy.engine, cst(12, 8, 9))
        _scan(academy.engine, cst(12, 8, 10))
        delivery_queue.work()
    texts = _texts(academy.engine)
    assert len(texts) == 6 and {d.status for d in texts} == {"sent"}
    assert sorted(d.recipient_id for d in texts[3:]) == sorted(who["texted"])
    assert texts[3].params["start"] == "2026-12-09 14:00" and texts[3].key.endswith(":reminder:2026-12-09T06:00Z")
    assert not set(who["not"]) & {d.recipient_id for d in texts}


def test_no_gateway_queues_no_text_and_the_trainer_is_reminded_as_before(academy, channels):
    channels.use(smtp=False)
    sid, _who = _seated_waiting_cancelled_no_phone(academy)
    assert _scan(academy.engine, cst(12, 7, 9)) == (1, 1)  # the trainer's notice; the sign-ups are not even read
    assert _texts(academy.engine) == []
    with unit_of_work(engine=academy.engine) as s:
        assert tr.session_messages(s, actor=academy.viewer, session_id=sid) is None


def test_the_admin_can_leave_the_retailers_out_of_the_reminder(academy, channels):
    from db.notification_models import NotificationRuleSetting

    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        with unit_of_work(engine=academy.engine) as s:
            s.add(NotificationRuleSetting(rule=RULE, enabled=True, audiences=["trainer"]))
        _seated_waiting_cancelled_no_phone(academy)
        assert _scan(academy.engine, cst(12, 7, 9)) == (1, 1)
    assert _texts(academy.engine) == []


def test_a_retailer_moved_up_from_the_waiting_list_is_texted_and_the_coordinators_are_told_so(
        academy, channels, delivery_queue, queue):
    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        sid = academy.approved(starts_at=cst(12, 20, 10), capacity=1, now=BEFORE)
        first = academy.sign_up(sid, academy.retailers[0], now=BEFORE)
        academy.sign_up(sid, academy.retailers[1], now=BEFORE)  # waits
        queue.work()
        assert _texts(academy.engine) == []  # signing up and waiting text nobody
        academy.run(academy.coordinator, tr.cancel_sign_up, sign_up_id=first.id, version=None, reason="店里有事",
                    now=cst(12, 1))
        queue.work()
        queue.work()  # the event once more would change nothing (one message per promotion)
        delivery_queue.work()
    [text] = _texts(academy.engine)
    promoted = academy.by_retailer(sid)[academy.retailers[1]]
    assert (text.recipient_id, text.status, text.about_id) == (academy.retailers[1], "sent", str(sid))
    assert text.key == f"retailer:{academy.retailers[1]}:session:{sid}:promoted:{promoted.id}"
    [sent] = payloads(gateway)
    assert sent["text"] == ("服务中心通知：培训“卷烟陈列技巧”（2026-12-20 10:00，公司三楼培训室）有空位了，"
                            "您已从候补名单递补入席。请在2026-12-02 00:00前致电确认，逾期名额将递补给下一位候补客户。")
    with unit_of_work(engine=academy.engine) as s:
        [note] = s.scalars(select(Notification).where(Notification.rule == "training_promoted"))
        set_language("zh_CN")
        try:
            assert message(note) == ("测试便利店1已从培训“卷烟陈列技巧”（2026-12-20 10:00）的候补名单递补入席："
                                     "已发短信通知该零售客户。")
        finally:
            set_language("en")


def _roster(at) -> dict[str, str]:
    [frame] = [d.value for d in at.dataframe if "shop" in d.value.columns and "place" in d.value.columns][:1]
    return dict(zip(frame["shop"], frame["message"], strict=True)) if "message" in frame.columns else {}


def test_the_roster_shows_each_retailers_text_as_sent_or_failed_and_nothing_without_a_gateway(
        signed_in, staff, channels, delivery_queue):  # noqa: F811
    starts = (datetime.now(CENTER_TZ) + timedelta(days=5)).replace(hour=14, minute=0, second=0, microsecond=0)
    sid = _approved_session(staff, starts_at=starts, capacity=3)
    with unit_of_work(staff["coordinator"].id) as s:
        tr.sign_up_many(s, actor=staff["coordinator"], session_id=sid, retailer_ids=staff["retailers"][:2])

    def roster() -> dict[str, str]:
        at = signed_in("coord").switch_page("pages/training_session.py")
        at.query_params["id"] = str(sid)
        at.run()
        assert not at.exception and not at.error
        return _roster(at)

    channels.use(smtp=False)
    assert roster() == {}  # no gateway: the roster says nothing about messages
    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        gateway.answers = [400]  # the first message is refused for good
        _scan(None, (starts - timedelta(days=1)).replace(hour=9))
        assert set(roster().values()) == {"Text message on the way"}
        delivery_queue.work()
        shown = roster()
    assert sorted(shown) == ["测试便利店0", "测试便利店1"]
    assert sorted("sent" if v.startswith("✓ Text message sent ") else v for v in shown.values()) == [
        "Text message failed: The gateway answered HTTP 400: error 400", "sent"]


def test_a_retailer_who_did_not_confirm_the_seat_in_time_is_texted_that_it_went_to_the_next(
        academy, channels, delivery_queue, queue):
    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        sid = academy.approved(starts_at=cst(12, 20, 10), capacity=1, now=BEFORE)
        first = academy.sign_up(sid, academy.retailers[0], now=BEFORE)
        for n in (1, 2):
            academy.sign_up(sid, academy.retailers[n], now=BEFORE)  # wait
        academy.run(academy.coordinator, tr.cancel_sign_up, sign_up_id=first.id, version=None, reason="店里有事",
                    now=cst(12, 1, 9))
        queue.work()  # retailer 1 is texted: confirm by 12-02 09:00
        with unit_of_work(engine=academy.engine) as s:
            run_scans(s, cst(12, 2, 9))  # not confirmed: released, retailer 2 moves up
        queue.work()
        delivery_queue.work()
    texts = {(d.recipient_id, d.key.rsplit(":", 2)[-2]): d for d in _texts(academy.engine)}
    assert set(texts) == {(academy.retailers[1], "promoted"), (academy.retailers[1], "released"),
                          (academy.retailers[2], "promoted")}
    [released] = [p for p in payloads(gateway)
                  if p["idempotency_key"] == texts[(academy.retailers[1], "released")].key]
    assert released["text"] == ("服务中心通知：您在培训“卷烟陈列技巧”（2026-12-20 10:00）的递补名额未在"
                                "2026-12-02 09:00前确认，已递补给下一位候补客户。如需参加，请致电重新报名。")

"""Each user's preferences: quiet hours hold back all but urgent notices until they end (center time); a digest
user gets one mail at their hour listing the day's notices (urgent ones still come at once); the form's checks.
And the delivery's guarantees: a rolled-back notification queues nothing, two workers send each once, a worker
killed between sending and marking sends again with the same key (at least once)."""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, time

import pytest
from sqlalchemy import text

from db.engine import unit_of_work
from db.notification_models import Notification, NotificationPreference
from portal.center_time import CENTER_TZ
from portal.errors import InputError
from portal.notifications.channels.delivery import deliver_notifications
from portal.notifications.channels.preferences import Preferences, own_preferences, save_own_preferences
from portal.notifications.rules import Notice, record
from tests.notifications.channel_servers import (  # noqa: F401  (fixtures)
    channels_fixture,
    deliveries,
    delivery_queue_fixture,
    gateway_server,
    payloads,
    smtp_server,
)
from tests.notifications.conftest import run_async
from tests.notifications.test_delivery_email import notify

QUIET = Preferences(quiet_from=time(22), quiet_until=time(7))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=CENTER_TZ)


def test_quiet_hours_end_in_the_centers_time():
    assert QUIET.quiet_end(at(7, 21, 59)) is None
    assert QUIET.quiet_end(at(7, 22)) == at(8, 7)
    assert QUIET.quiet_end(at(8, 3)) == at(8, 7)
    assert QUIET.quiet_end(at(8, 7)) is None
    lunch = Preferences(quiet_from=time(12), quiet_until=time(13, 30))
    assert (lunch.quiet_end(at(7, 12, 10)), lunch.quiet_end(at(7, 13, 30))) == (at(7, 13, 30), None)
    assert Preferences().digest_at(at(7, 7, 59)) == at(7, 8) and Preferences().digest_at(at(7, 8)) == at(8, 8)


def _notes(db, user_id: int, *urgent: bool) -> list[int]:
    with unit_of_work(engine=db) as s:
        rows = [Notification(user_id=user_id, rule="complaint_assigned", record_table="complaints", record_id=str(i),
                             occasion=uuid.uuid4().hex, msgid="Complaint {ref} was assigned to you",
                             params={"ref": f"TS-{i}"}, link=f"pages/complaint.py?id={i}", urgent=u)
                for i, u in enumerate(urgent, start=1)]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def _prefer(db, user_id: int, **values) -> None:
    with unit_of_work(engine=db) as s:
        s.merge(NotificationPreference(user_id=user_id, **values))


def test_quiet_hours_hold_back_all_but_urgent_notices(db, make_user, channels, delivery_queue):
    channels.use()
    user = make_user("handler", email="sun@center.test")
    _prefer(db, user.id, quiet_from=time(22), quiet_until=time(7))
    ids = _notes(db, user.id, False, True)
    with unit_of_work(engine=db) as s:
        assert deliver_notifications(s, ids, now=at(7, 23)) == 2
    ordinary, urgent = sorted(deliveries(db), key=lambda d: d.notification_id)
    assert ordinary.not_before == at(8, 7) and urgent.not_before is None
    when = {j["args"]["delivery_id"]: j["scheduled_at"] for j in delivery_queue.jobs()}
    assert when[ordinary.id] == at(8, 7) and when[urgent.id] is None


def test_a_digest_user_gets_one_mail_of_the_days_notices(db, make_user, channels, delivery_queue):
    channels.use()
    user = make_user("handler", email="sun@center.test", language="en")
    with smtp_server(channels.smtp_port) as box:
        notify(db, user.id, ref="TS-0", record_id="9")  # mailed singly, before the digest was chosen
        delivery_queue.work()
        box.messages.clear()
        _prefer(db, user.id, digest=True, digest_hour=8)
        notify(db, user.id, ref="TS-1", record_id="1")
        notify(db, user.id, ref="TS-2", record_id="2")
        notify(db, user.id, ref="TS-3", record_id="3", urgent=True)  # urgent: at once, singly
        _single, digest, urgent = deliveries(db)
        assert (digest.kind, urgent.kind) == ("digest", "notification")
        assert digest.not_before.astimezone(CENTER_TZ).time() == time(8) and digest.not_before > datetime.now(CENTER_TZ)
        delivery_queue.work()  # the urgent one only: the digest waits for its hour
        assert [m["Subject"] for m in box.messages] == ["Service center: Complaint TS-3 was assigned to you"]
        with db.begin() as conn:  # the hour comes
            conn.execute(text("update procrastinate_jobs set scheduled_at = now() where queue_name = :q"),
                         {"q": delivery_queue.name})
        delivery_queue.work()
    assert len(box.messages) == 2
    mail = box.messages[1]
    assert mail["Subject"] == "Your notifications of the day (2)"
    body = mail.get_content().replace("\r\n", "\n")
    assert "- Complaint TS-1 was assigned to you\n  https://portal.test/complaint?id=1" in body
    assert "TS-2" in body and "TS-3" not in body and "TS-0" not in body


def test_preferences_are_checked(db, make_user, channels):
    channels.use(smtp=True)
    bare = make_user("handler")
    user = make_user("handler", email="sun@center.test")

    def save(who, **kw):
        values = {"version": None, "email": True, "gateway": False, "digest": False, "digest_hour": 8,
                  "quiet_from": None, "quiet_until": None} | kw
        with unit_of_work(engine=db) as s:
            return save_own_preferences(s, actor=who, **values)

    problems = [(bare, {}, "email"), (user, {"gateway": True}, "gateway"), (user, {"email": False, "digest": True},
                "digest"), (user, {"digest_hour": 24}, "digest_hour"), (user, {"quiet_from": time(22)}, "quiet_from"),
                (user, {"quiet_from": time(22), "quiet_until": time(22)}, "quiet_until")]
    for who, values, field in problems:
        with pytest.raises(InputError) as refused:
            save(who, **values)
        assert refused.value.field == field, values
    saved = save(user, digest=True, digest_hour=18, quiet_from=time(22), quiet_until=time(7))
    assert (saved.digest, saved.digest_hour, saved.version) == (True, 18, 1)
    with pytest.raises(InputError) as stale:
        save(user)  # read before the first save: stale
    assert stale.value.field == "version"
    assert save(user, version=1).version == 2
    with unit_of_work(engine=db) as s:
        assert own_preferences(s, actor=user)[1:] == ("sun@center.test", None)
        assert own_preferences(s, actor=bare)[0] == Preferences()


def test_a_notification_rolled_back_queues_nothing(db, make_user, channels, delivery_queue):
    channels.use()
    user = make_user("handler", email="sun@center.test")
    with pytest.raises(RuntimeError), unit_of_work(engine=db) as s:
        record(s, [Notice(user.id, "complaint_assigned", "complaints", "1", "x", "Complaint {ref} was assigned to you",
                          {"ref": "TS-1"})])
        raise RuntimeError("the write failed")
    assert deliveries(db) == [] and delivery_queue.jobs() == []


def test_two_workers_send_each_message_once(db, make_user, channels, delivery_queue):
    from portal.notifications.queue import new_queue_app

    async def worker(i: int):  # each its own App (connection pool), as two processes would be
        app = new_queue_app()
        async with app.open_async():
            await app.run_worker_async(queues=[delivery_queue.name], wait=False, name=f"w{i}", concurrency=2,
                                       install_signal_handlers=False)

    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        user = make_user("handler", mobile="13800138000")
        _prefer(db, user.id, email=False, gateway=True)
        for _ in range(20):
            notify(db, user.id)

        async def two():
            await asyncio.gather(worker(1), worker(2))

        run_async(two)
    keys = [p["idempotency_key"] for p in payloads(gateway)]
    assert len(keys) == 20 and len(set(keys)) == 20
    assert {d.status for d in deliveries(db)} == {"sent"}


def test_a_worker_killed_after_sending_sends_again_with_the_same_key(db, make_user, channels, delivery_queue,
                                                                     monkeypatch):
    from portal.notifications.channels import delivery

    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        user = make_user("handler", mobile="13800138000")
        _prefer(db, user.id, email=False, gateway=True)
        notify(db, user.id)
        [queued] = deliveries(db)
        real = delivery.unit_of_work
        calls = []

        def dies_before_marking(*a, **kw):  # the third unit of work (the outcome) never happens
            calls.append(1)
            if len(calls) == 2:
                raise SystemExit("killed")
            return real(*a, **kw)

        monkeypatch.setattr(delivery, "unit_of_work", dies_before_marking)
        with pytest.raises(SystemExit):
            delivery.deliver(queued.id)
        monkeypatch.setattr(delivery, "unit_of_work", real)
        assert deliveries(db)[0].status == "queued"  # not marked: the job is run again
        assert delivery.deliver(queued.id) == "sent"
        assert delivery.deliver(queued.id) == "sent"  # a third run sends nothing
    keys = [p["idempotency_key"] for p in payloads(gateway)]
    assert keys == [queued.key, queued.key]  # twice, at least once, the same key for the bridge to drop the repeat
    assert deliveries(db)[0].attempts == 2


def test_the_job_of_a_worker_that_died_is_put_back_and_sent(db, make_user, channels, delivery_queue):
    from portal.notifications.queue import queue_app
    from portal.notifications.scans import requeue_stalled

    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        user = make_user("handler", mobile="13800138000")
        _prefer(db, user.id, email=False, gateway=True)
        notify(db, user.id)
        with db.begin() as conn:  # a worker took the job and died (its row pruned: no heartbeat)
            conn.execute(text("update procrastinate_jobs set status = 'doing' where queue_name = :q"),
                         {"q": delivery_queue.name})
        assert [j["status"] for j in delivery_queue.jobs()] == ["doing"]  # no worker fetches it

        async def sweep():
            app = queue_app()
            async with app.open_async():
                return await requeue_stalled(app)

        assert len(run_async(sweep)) == 1
        assert [j["status"] for j in delivery_queue.jobs()] == ["todo"]
        delivery_queue.work()
    assert len(gateway.requests) == 1 and deliveries(db)[0].status == "sent"

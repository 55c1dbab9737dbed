"""The fault run: 40 notifications to 10 people, each by e-mail and by the gateway (80 deliveries), while the SMTP
server is down for the first 1.5 seconds and then comes up, the gateway answers 500 to its first ten requests and lets
one more time out (it got that one: the retry carries the same key). Every delivery ends sent; nothing is lost;
the only repeat the receivers see is the timed-out request, under the key it had. Prints the figures."""
from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack

import procrastinate
from sqlalchemy import text

from db.engine import unit_of_work
from db.notification_models import NotificationPreference
from portal.notifications.rules import Notice, record
from tests.notifications.channel_servers import (  # noqa: F401  (fixtures)
    channels_fixture,
    deliveries,
    delivery_queue_fixture,
    gateway_server,
    payloads,
    smtp_server,
)

PEOPLE, EACH = 10, 4


def _pending(db, queue) -> int:
    with db.connect() as conn:
        return conn.scalar(text("select count(*) from procrastinate_jobs where queue_name = :q "
                                "and status in ('todo', 'doing')"), {"q": queue.name})


def test_the_fault_run(db, make_user, channels, delivery_queue, monkeypatch, capsys):
    from portal.notifications import queue as queue_module
    from portal.notifications.channels import delivery

    monkeypatch.setattr(delivery, "MAX_ATTEMPTS", 6)
    task = queue_module.queue_app().tasks[delivery.DELIVERY_TASK]
    monkeypatch.setattr(task, "retry_strategy", procrastinate.RetryStrategy(
        max_attempts=8, wait=1, retry_exceptions={delivery.RetryLater}))
    with gateway_server() as gateway:
        channels.use(gateway=gateway)
        gateway.answers = [500] * 10 + ["slow"]
        people = [make_user("handler", email=f"p{i}@center.test", mobile=f"1380000{i:04d}") for i in range(PEOPLE)]
        with unit_of_work(engine=db) as s:
            s.add_all(NotificationPreference(user_id=p.id, email=True, gateway=True) for p in people)
        with unit_of_work(engine=db) as s:
            record(s, [Notice(p.id, "complaint_assigned", "complaints", str(n), uuid.uuid4().hex,
                              "Complaint {ref} was assigned to you", {"ref": f"TS-{n}"}, f"pages/complaint.py?id={n}")
                       for p in people for n in range(EACH)])
        with ExitStack() as stack:
            up = threading.Timer(1.5, lambda: boxes.append(stack.enter_context(smtp_server(channels.smtp_port))))
            boxes: list = []
            up.start()
            deadline = time.monotonic() + 60
            delivery_queue.work()
            while _pending(db, delivery_queue) and time.monotonic() < deadline:
                time.sleep(0.3)
                delivery_queue.work()
            up.join()
        [box] = boxes
    rows = deliveries(db)
    statuses = Counter((d.channel, d.status) for d in rows)
    retried = Counter()  # attempts after the first, per channel (one delivery may meet two of the 500s)
    for d in rows:
        retried[d.channel] += d.attempts - 1
    mails = Counter(m["X-Portal-Delivery"] for m in box.messages)
    posts = Counter(p["idempotency_key"] for p in payloads(gateway))
    accepted = Counter(json.loads(body)["idempotency_key"] for body in gateway.accepted)
    figures = {
        "deliveries": len(rows), "sent": statuses[("email", "sent")] + statuses[("gateway", "sent")],
        "failed": sum(n for (_c, s), n in statuses.items() if s == "failed"),
        "retried (e-mail, gateway)": (retried["email"], retried["gateway"]),
        "attempts": sum(d.attempts for d in rows),
        "mails received / distinct": (sum(mails.values()), len(mails)),
        "gateway requests / distinct keys": (sum(posts.values()), len(posts)),
        "duplicated (same key received twice)": sum(n - 1 for n in (mails + accepted).values() if n > 1),
    }
    with capsys.disabled():
        print("\nfault run:", figures)
    total = PEOPLE * EACH
    assert figures["deliveries"] == 2 * total and figures["sent"] == 2 * total and figures["failed"] == 0
    assert retried["email"] >= 1 and retried["gateway"] >= 10  # how many met the SMTP outage depends on timing
    assert len(mails) == total and sum(mails.values()) == total  # every mail once
    assert len(posts) == total and sum(posts.values()) == total + 11  # 10 answered 500, 1 timed out: retried
    assert figures["duplicated (same key received twice)"] == 1  # the timed-out request, recognisable by its key

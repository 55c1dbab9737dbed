"""E-mail deliveries against a real SMTP server on loopback (aiosmtpd): a notification's mail arrives once, in the
recipient's language, with a link to the record; a server down is retried and then failed with the reason; a
server refusing (5xx) fails at once; a user with no e-mail address gets a "skipped" entry and no job."""
from __future__ import annotations

import uuid

from db.engine import unit_of_work
from portal.notifications.rules import Notice, record
from tests.notifications.channel_servers import (  # noqa: F401  (fixtures)
    channels_fixture,
    deliveries,
    delivery_queue_fixture,
    smtp_server,
)


def notify(db, user_id: int, *, ref="TS-2026-000042", record_id="42", urgent=False, occasion=None) -> int:
    with unit_of_work(engine=db) as s:
        return record(s, [Notice(user_id, "complaint_assigned", "complaints", record_id, occasion or uuid.uuid4().hex,
                                 "Complaint {ref} was assigned to you", {"ref": ref},
                                 f"pages/complaint.py?id={record_id}", urgent)])


def test_a_notifications_mail_arrives_once_in_the_recipients_language(db, make_user, channels, delivery_queue):
    channels.use()
    handler = make_user("handler", language="zh_CN", email="Wang.Fang@center.test")
    with smtp_server(channels.smtp_port) as box:
        assert notify(db, handler.id) == 1
        [job] = delivery_queue.jobs()
        assert job["status"] == "todo" and job["lock"].startswith("delivery:n")
        delivery_queue.work()
        delivery_queue.work()  # nothing left to do: not sent again
        occasion = uuid.uuid4().hex
        assert notify(db, handler.id, occasion=occasion) == 1
        assert notify(db, handler.id, occasion=occasion) == 0  # the same notice again: no second delivery
        delivery_queue.work()
    assert len(box.messages) == 2
    mail = box.messages[0]
    assert mail["To"] == "wang.fang@center.test" and mail["From"] == "portal@center.test"
    assert "=?utf-8?" in mail.as_string().split("\n\n")[0].lower()  # the Chinese subject is encoded (RFC 2047)
    assert mail["Subject"] == "服务中心：投诉 TS-2026-000042 已分派给您"
    body = mail.get_content()
    assert "投诉 TS-2026-000042 已分派给您" in body and "https://portal.test/complaint?id=42" in body
    assert mail["Message-ID"] != box.messages[1]["Message-ID"]
    sent = deliveries(db)
    assert [(d.channel, d.status, d.attempts, d.last_error) for d in sent] == [("email", "sent", 1, None)] * 2
    assert all(d.sent_at is not None for d in sent)


def test_an_english_reader_gets_english(db, make_user, channels, delivery_queue):
    channels.use()
    handler = make_user("handler", language="en", email="sun@center.test")
    with smtp_server(channels.smtp_port) as box:
        notify(db, handler.id)
        delivery_queue.work()
    [mail] = box.messages
    assert mail["Subject"] == "Service center: Complaint TS-2026-000042 was assigned to you"
    assert "Open it in the portal: https://portal.test/complaint?id=42" in mail.get_content()


def test_a_server_that_is_down_is_retried_then_failed_with_the_reason(db, make_user, channels, delivery_queue):
    channels.use()  # nothing listens on the port
    handler = make_user("handler", email="sun@center.test")
    notify(db, handler.id)
    delivery_queue.work()
    [failed] = deliveries(db)
    assert (failed.status, failed.attempts) == ("failed", 3)  # MAX_ATTEMPTS, patched to 3
    assert failed.last_error == f"SMTP server 127.0.0.1:{channels.smtp_port} could not be reached: " \
        "ConnectionRefusedError"
    assert failed.sent_at is None


def test_a_server_back_up_delivers_on_the_retry(db, make_user, channels, delivery_queue, monkeypatch):
    from portal.notifications.channels import delivery, mail

    channels.use()
    handler = make_user("handler", email="sun@center.test")
    notify(db, handler.id)
    real_send, box = mail.send, []

    def first_attempt_finds_it_down(settings, message):
        if not box:
            box.append(None)
            raise delivery.DeliveryFailed("SMTP server {server} could not be reached: {error}", retry=True,
                                          server="127.0.0.1", error="ConnectionRefusedError")
        with smtp_server(channels.smtp_port) as server:
            real_send(settings, message)
            box.extend(server.messages)

    monkeypatch.setattr(mail, "send", first_attempt_finds_it_down)
    delivery_queue.work()
    [sent] = deliveries(db)
    assert (sent.status, sent.attempts) == ("sent", 2) and "ConnectionRefusedError" in sent.last_error
    assert len(box) == 2  # the failed attempt, then one mail


def test_a_server_refusing_fails_at_once(db, make_user, channels, delivery_queue):
    channels.use()
    handler = make_user("handler", email="nobody@center.test")
    with smtp_server(channels.smtp_port) as box:
        box.refuse = "550 5.1.1 No such mailbox"
        notify(db, handler.id)
        delivery_queue.work()
    [failed] = deliveries(db)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error == f"SMTP server 127.0.0.1:{channels.smtp_port} refused the address: 550 5.1.1 No such " \
        "mailbox"
    assert failed.reason == {"msgid": "SMTP server {server} refused the address: {answer}",
                             "params": {"server": f"127.0.0.1:{channels.smtp_port}",
                                        "answer": "550 5.1.1 No such mailbox"}}
    assert box.messages == []


def test_a_user_without_an_address_is_skipped_with_the_reason(db, make_user, channels, delivery_queue):
    channels.use()
    handler = make_user("handler")
    notify(db, handler.id)
    [skipped] = deliveries(db)
    assert (skipped.status, skipped.last_error, skipped.attempts) == ("skipped", "skipped: no e-mail address", 0)
    assert delivery_queue.jobs() == []


def test_no_smtp_server_set_up_means_no_mail(db, make_user, channels, delivery_queue):
    channels.use(smtp=False)
    notify(db, make_user("handler", email="sun@center.test").id)
    assert deliveries(db) == [] and delivery_queue.jobs() == []

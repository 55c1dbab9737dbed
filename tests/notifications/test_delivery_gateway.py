"""The gateway against a loopback HTTP server: the body is signed (the signature verifies, a changed body does not),
500 and a timeout are retried with the same idempotency key, 400 fails at once; messages to retailers
(`queue_retailer_message`) are queued once per key and read back as sent."""
from __future__ import annotations

from db.engine import unit_of_work
from db.models import Retailer
from db.notification_models import NotificationPreference
from portal.notifications.channels.delivery import queue_retailer_message, retailer_messages
from portal.notifications.channels.gateway import signature, verify
from tests.notifications.channel_servers import (  # noqa: F401  (fixtures)
    SECRET,
    channels_fixture,
    deliveries,
    delivery_queue_fixture,
    gateway_server,
    payloads,
)
from tests.notifications.test_delivery_email import notify


def _texting(db, make_user, **kw):
    user = make_user("handler", mobile="138 0013 8000", language="zh_CN", **kw)
    with unit_of_work(engine=db) as s:
        s.add(NotificationPreference(user_id=user.id, email=False, gateway=True))
    return user


def test_the_body_is_signed_and_the_signature_verifies(db, make_user, channels, delivery_queue):
    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        user = _texting(db, make_user)
        notify(db, user.id)
        delivery_queue.work()
        delivery_queue.work()
    [(headers, body)] = gateway.requests
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    stamp, signed = headers["X-Portal-Timestamp"], headers["X-Portal-Signature"]
    assert signed.startswith("sha256=") and verify(SECRET, stamp, body, signed)
    assert not verify(SECRET, stamp, body.replace(b"42", b"43"), signed)  # a changed body
    assert not verify("another-secret", stamp, body, signed)
    assert not verify(SECRET, str(int(stamp) - 600), body, signature(SECRET, str(int(stamp) - 600), body))  # old
    [sent] = payloads(gateway)
    [delivery] = deliveries(db)
    assert sent["idempotency_key"] == headers["Idempotency-Key"] == delivery.key
    assert delivery.key == f"n{delivery.notification_id}:gateway"
    assert sent["recipient"] == {"kind": "user", "id": user.id, "name": user.name, "mobile": "13800138000"}
    assert sent["text"] == "投诉 TS-2026-000042 已分派给您 https://portal.test/complaint?id=42"
    assert (sent["kind"], sent["language"], sent["about"]) == ("notification", "zh_CN",
                                                               {"table": "complaints", "id": "42"})
    assert (delivery.status, delivery.attempts) == ("sent", 1)


def test_500_and_a_timeout_are_retried_with_the_same_key_and_sent_once(db, make_user, channels, delivery_queue):
    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        gateway.answers = [500, "slow"]
        notify(db, _texting(db, make_user).id)
        delivery_queue.work()
    keys = [p["idempotency_key"] for p in payloads(gateway)]
    assert len(keys) == 3 and len(set(keys)) == 1  # 500, timed out (the bridge got it: the same key), 200
    [delivery] = deliveries(db)
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert delivery.last_error == "The gateway did not answer within 0.5 s"


def test_500_every_time_fails_after_the_last_attempt(db, make_user, channels, delivery_queue):
    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        gateway.answers = [503, 503, 503, 503]
        notify(db, _texting(db, make_user).id)
        delivery_queue.work()
    [delivery] = deliveries(db)
    assert (delivery.status, delivery.attempts, len(gateway.requests)) == ("failed", 3, 3)
    assert delivery.last_error == "The gateway answered HTTP 503: error 503"


def test_400_fails_at_once(db, make_user, channels, delivery_queue):
    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        gateway.answers = [400]
        notify(db, _texting(db, make_user).id)
        delivery_queue.work()
    [delivery] = deliveries(db)
    assert (delivery.status, delivery.attempts, len(gateway.requests)) == ("failed", 1, 1)
    assert delivery.last_error == "The gateway answered HTTP 400: error 400"


def test_no_mobile_number_is_skipped(db, make_user, channels, delivery_queue):
    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        user = make_user("handler")
        with unit_of_work(engine=db) as s:
            s.add(NotificationPreference(user_id=user.id, email=False, gateway=True))
        notify(db, user.id)
    [skipped] = deliveries(db)
    assert (skipped.status, skipped.last_error) == ("skipped", "skipped: no mobile number")
    assert delivery_queue.jobs() == [] and gateway.requests == []


def _retailer(db, phone: str | None) -> int:
    with unit_of_work(engine=db) as s:
        shop = Retailer(license_no=f"L{phone or 'none'}"[:20], shop_name="便民烟酒店", owner_name="李明", phone=phone,
                        district="东城区", business_type="convenience")
        s.add(shop)
        s.flush()
        return shop.id


def _queue(db, retailer_id: int, key: str = "session:7:reminder"):
    with unit_of_work(engine=db) as s:
        made = queue_retailer_message(s, retailer_id=retailer_id, key=key, msgid="Complaint {ref} was assigned to you",
                                      params={"ref": "TS-1"}, about_table="training_sessions", about_id=7)
        return None if made is None else made.id


def test_a_message_to_a_retailer_goes_once_and_reads_back_as_sent(db, channels, delivery_queue, monkeypatch):
    monkeypatch.setenv("PORTAL_DEFAULT_LANGUAGE", "zh_CN")  # a retailer is written to in the installation's language
    shop, no_phone = _retailer(db, "13900001111"), _retailer(db, None)
    channels.use(smtp=False)  # no gateway set up
    assert _queue(db, shop) is None
    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        assert _queue(db, no_phone) is None
        first = _queue(db, shop)
        assert first is not None and _queue(db, shop) == first  # asked again: the same delivery
        with unit_of_work(engine=db) as s:
            assert retailer_messages(s, about_table="training_sessions", about_id=7)[shop].status == "queued"
        delivery_queue.work()
    [sent] = payloads(gateway)
    assert sent["recipient"] == {"kind": "retailer", "id": shop, "name": "便民烟酒店", "mobile": "13900001111"}
    assert (sent["kind"], sent["idempotency_key"], sent["text"]) == ("retailer", f"retailer:{shop}:session:7:reminder",
                                                                     "投诉 TS-1 已分派给您")
    with unit_of_work(engine=db) as s:
        told = retailer_messages(s, about_table="training_sessions", about_id="7")
    assert list(told) == [shop] and told[shop].status == "sent"

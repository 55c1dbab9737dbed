"""Loopback servers and settings for the delivery tests: a real SMTP server (aiosmtpd) that keeps what arrives or
refuses it, an HTTP gateway that answers as it is told (200, 500, 400, or too late), and a worker on a queue of
their own whose retries wait no time."""
from __future__ import annotations

import http.server
import json
import threading
import time
from contextlib import contextmanager

import procrastinate
import pytest
from sqlalchemy import select, text

from db.engine import unit_of_work
from db.notification_models import Delivery
from portal.config import get_settings
from tests.notifications.conftest import QUEUE_TABLES, run_async
from tests.support.mailbox import Mailbox, free_port, smtp_server  # noqa: F401  (the delivery tests' SMTP server)

DELIVERY_TEST_QUEUE = "deliveries-under-test"
SECRET = "bridge-secret-2026"


class Gateway(http.server.ThreadingHTTPServer):
    """A loopback webhook: answers each POST with the next of `answers` (an HTTP status, or "slow": waits past the
    portal's timeout, then 200), then 200; keeps every request (headers, body)."""

    daemon_threads = True

    def __init__(self):
        self.requests: list[tuple[dict, bytes]] = []
        self.accepted: list[bytes] = []  # the bodies it answered 2xx (delivered, from the bridge's side)
        self.answers: list[int | str] = []
        super().__init__(("127.0.0.1", 0), _GatewayHandler)


class _GatewayHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((dict(self.headers), body))
        answer = self.server.answers.pop(0) if self.server.answers else 200
        if answer == "slow":
            time.sleep(1.5)
            answer = 200
        if answer < 400:
            self.server.accepted.append(body)
        self.send_response(answer)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok" if answer < 400 else f"error {answer}".encode())

    def log_message(self, *args):
        pass


@contextmanager
def gateway_server():
    server = Gateway()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(name="channels")
def channels_fixture(monkeypatch):
    """Settings for a loopback SMTP server (port `channels.smtp_port`, nothing listening until `smtp_server`) and
    gateway (`channels.gateway_url(server)`); returns a helper that applies them."""

    class Channels:
        smtp_port = free_port()

        def use(self, *, smtp: bool = True, gateway: Gateway | None = None, base_url="https://portal.test"):
            monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1" if smtp else "")
            monkeypatch.setenv("PORTAL_SMTP_PORT", str(self.smtp_port))
            monkeypatch.setenv("PORTAL_SMTP_SENDER", "portal@center.test")
            monkeypatch.setenv("PORTAL_SMTP_TIMEOUT", "2")
            monkeypatch.setenv("PORTAL_GATEWAY_URL", f"http://127.0.0.1:{gateway.server_port}/hook" if gateway else "")
            monkeypatch.setenv("PORTAL_GATEWAY_SECRET", SECRET)
            monkeypatch.setenv("PORTAL_GATEWAY_TIMEOUT", "0.5")
            monkeypatch.setenv("PORTAL_BASE_URL", base_url)
            get_settings.cache_clear()

    yield Channels()
    get_settings.cache_clear()


class DeliveryQueue:
    name = DELIVERY_TEST_QUEUE

    def __init__(self, engine):
        self.engine = engine

    def jobs(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(text(
                "select id, status::text as status, args, attempts, scheduled_at, lock from procrastinate_jobs "
                "where queue_name = :q order by id"), {"q": self.name}).mappings()]

    def work(self) -> None:
        """A worker on this queue until it is empty (retries wait no time)."""
        from portal.notifications.worker import work

        run_async(lambda: work(wait=False, install_signal_handlers=False, queues=(self.name,)))


def deliveries(engine) -> list[Delivery]:
    with unit_of_work(engine=engine) as s:
        return list(s.scalars(select(Delivery).order_by(Delivery.id)))


@pytest.fixture(name="delivery_queue")
def delivery_queue_fixture(db, engine, monkeypatch) -> DeliveryQueue:
    from portal.notifications import queue as queue_module
    from portal.notifications.channels import delivery

    monkeypatch.setattr(delivery, "DELIVERY_QUEUE", DELIVERY_TEST_QUEUE)
    monkeypatch.setattr(delivery, "MAX_ATTEMPTS", 3)
    app = queue_module.queue_app()
    task = app.tasks[delivery.DELIVERY_TASK]
    monkeypatch.setattr(task, "retry_strategy", procrastinate.RetryStrategy(
        max_attempts=5, wait=0, retry_exceptions={delivery.RetryLater}))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {QUEUE_TABLES} RESTART IDENTITY CASCADE"))
    return DeliveryQueue(engine)


def payloads(gateway: Gateway) -> list[dict]:
    return [json.loads(body) for _headers, body in gateway.requests]

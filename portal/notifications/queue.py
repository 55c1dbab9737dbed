"""The job queue: procrastinate on the portal's own PostgreSQL (schema: migration 0015), as the portal's own role.

Why procrastinate: PostgreSQL only (no broker to run), psycopg 3, jobs deferred inside the domain's transaction
(the outbox, db/outbox.py), retries with backoff, `lock` / `queueing_lock` so one job never runs twice at once, jobs
survive restarts, periodic tasks, and more workers on more machines simply share the queue.
"""
from __future__ import annotations

import logging
import threading

import procrastinate
from sqlalchemy import make_url

from db.engine import database_url, unit_of_work
from db.outbox import EVENT_QUEUE, EVENT_TASK
from portal.notifications.automations import spec_of
from portal.notifications.channels.delivery import DELIVERY_QUEUE
from portal.notifications.channels.delivery import register as register_deliveries
from portal.notifications.rules import handle_event
from portal.notifications.scans import SCAN_QUEUE, register_clock
from portal.records.bulk_edit import BULK_QUEUE, BULK_TASK, run_bulk_change

QUEUES = (EVENT_QUEUE, SCAN_QUEUE, DELIVERY_QUEUE, BULK_QUEUE)  # what `python -m portal worker` works on
# a failed event job runs again after 2, 4, 8, … seconds (exponential_wait ** (attempts + 1)), 10 times at most
RETRY = procrastinate.RetryStrategy(max_attempts=10, exponential_wait=2)
POOL_TIMEOUT = 5.0  # seconds
log = logging.getLogger(__name__)
_apps: dict[tuple[str, bool], procrastinate.App] = {}
_lock = threading.Lock()


def libpq_url(url: str) -> str:
    """An SQLAlchemy URL ("postgresql+psycopg://…") as libpq's connection string, password kept."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def run_event(event: str, actor: int | None, at: str, changes: list[dict]) -> int:
    """The event task: one flush's changes -> notifications (in one transaction of the portal's own role)."""
    with unit_of_work(actor) as session:
        made = handle_event(session, {"event": event, "actor": actor, "at": at, "changes": changes})
    if made:
        log.info("Event %s: %d notification(s).", event, made)
    return made


def run_bulk_edit(change_set_id: int) -> int:
    """The task of a large bulk edit of the records layer (portal/records/bulk_edit.py), batch by batch."""
    return run_bulk_change(change_set_id, spec_of)


def new_queue_app(url: str | None = None, *, schedule: bool = False) -> procrastinate.App:
    """A procrastinate App over `url` (default: the portal's own database role, the embedded server's when
    DATABASE_URL is unset), with every task registered; with `schedule`, its workers also defer the periodic
    ones (the scans: portal/notifications/scans.py)."""
    # timeout: how long a query waits for a connection; with the database away, also how long a stopping worker
    # waits to say goodbye (procrastinate's default, the pool's 30 s, made SIGTERM wait that long)
    connector = procrastinate.PsycopgConnector(conninfo=libpq_url(url or database_url()), min_size=1, max_size=4,
                                               timeout=POOL_TIMEOUT)
    app = procrastinate.App(connector=connector)
    register_clock(app, schedule=schedule)
    app.task(name=EVENT_TASK, queue=EVENT_QUEUE, retry=RETRY)(run_event)
    register_deliveries(app)  # e-mail and gateway deliveries, queue DELIVERY_QUEUE
    app.task(name=BULK_TASK, queue=BULK_QUEUE, retry=RETRY, lock=BULK_TASK)(run_bulk_edit)
    return app


def queue_app(url: str | None = None, *, schedule: bool = False) -> procrastinate.App:
    """This process's App over `url` (see `new_queue_app`): one per URL and `schedule`."""
    key = (url or database_url(), schedule)
    with _lock:
        if key not in _apps:
            _apps[key] = new_queue_app(key[0], schedule=schedule)
        return _apps[key]

"""Fixtures of the notification tests: an empty job queue of their own, and helpers to read it and to run a worker in
this process until it is empty.

The outbox's jobs go to a test queue here (`TEST_QUEUE`, patched into db/outbox.py): the browser tests' portal
server, once started, runs its own worker on the real queue of the same database for the rest of the run, and must
not take these tests' jobs (a test that makes a job fail in this process would then see it succeed there).
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

TEST_QUEUE = "events-under-test"
# not procrastinate_workers: the portal server's worker stays registered there
QUEUE_TABLES = "procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs"


def run_async(make_coroutine):
    """asyncio.run in a thread of its own: this thread may have a running loop already (Playwright's sync API keeps
    one while the package's browser is open)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


class Queue:
    name = TEST_QUEUE

    def __init__(self, engine, owner):
        self.engine, self.owner = engine, owner

    def jobs(self, status: str | None = None) -> list[dict]:
        """Jobs in this queue (id, queue_name, task_name, status, args, attempts), oldest first."""
        with self.owner.connect() as conn:
            rows = conn.execute(text("select id, queue_name, task_name, status::text as status, args, attempts "
                                     "from procrastinate_jobs where queue_name = :q "
                                     "and (cast(:s as text) is null or status::text = :s) order by id"),
                                {"q": self.name, "s": status}).mappings().all()
        return [dict(r) for r in rows]

    def work(self, **kw) -> None:
        """Run a worker here until the queue is empty (as the portal's own role)."""
        from portal.notifications.worker import work

        run_async(lambda: work(wait=False, install_signal_handlers=False, queues=(self.name,), **kw))


@pytest.fixture
def queue(db, engine, monkeypatch) -> Queue:
    monkeypatch.setattr("db.outbox.EVENT_QUEUE", TEST_QUEUE)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {QUEUE_TABLES} RESTART IDENTITY CASCADE"))
    return Queue(db, engine)

"""Fixtures of the notification tests: an empty job queue (the suite's reset empties only the models' tables), and
helpers to read it and to run a worker in this process until it is empty."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

QUEUE_TABLES = "procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, procrastinate_workers"


class Queue:
    def __init__(self, engine, owner):
        self.engine, self.owner = engine, owner

    def jobs(self, status: str | None = None) -> list[dict]:
        """Jobs in the queue (id, queue_name, task_name, status, args), oldest first."""
        with self.owner.connect() as conn:
            rows = conn.execute(text("select id, queue_name, task_name, status::text as status, args, attempts "
                                     "from procrastinate_jobs where cast(:s as text) is null or status::text = :s "
                                     "order by id"), {"s": status}).mappings().all()
        return [dict(r) for r in rows]

    def work(self, **kw) -> None:
        """Run a worker here until the queue is empty (as the portal's own role)."""
        from portal.notifications.worker import work

        asyncio.run(work(wait=False, install_signal_handlers=False, **kw))


@pytest.fixture
def queue(db, engine) -> Queue:
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {QUEUE_TABLES} RESTART IDENTITY CASCADE"))
    return Queue(db, engine)

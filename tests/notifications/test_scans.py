"""The worker's clock (portal/notifications/scans.py): a worker of the scans queue schedules the periodic scan and
runs it; one scan at a time however many workers there are; a job left "doing" by a killed worker is queued again
and finished by another, once."""
from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import procrastinate
import pytest
from sqlalchemy import select, text

from db.engine import unit_of_work
from db.notification_models import Notification, ScanRun
from portal.config import ROOT
from portal.notifications import rules as registry
from portal.notifications import scans
from portal.notifications.queue import new_queue_app
from tests.complaints.support import center_fixture  # noqa: F401  (the `center` fixture)
from tests.notifications.conftest import run_async

SCAN_QUEUE = "scans-under-test"  # not the browser tests' server's: its worker must not take these scans


@pytest.fixture
def scan_queue(queue, monkeypatch) -> str:
    monkeypatch.setattr(scans, "SCAN_QUEUE", SCAN_QUEUE)
    monkeypatch.setattr("portal.notifications.queue._apps", {})  # apps registered on the real scans queue
    return SCAN_QUEUE


def _rules(monkeypatch, **scan_functions) -> None:
    made = tuple(registry.Rule(key, "complaints", "x", ("handler",), ("handler",), scan=fn)
                 for key, fn in scan_functions.items())
    monkeypatch.setattr(registry, "all_rules", lambda: made)


def _scan_jobs(queue) -> list[dict]:
    with queue.owner.connect() as conn:
        return [dict(r) for r in conn.execute(text(
            "select id, task_name, status::text as status, lock, queueing_lock from procrastinate_jobs "
            "where queue_name = :q order by id"), {"q": SCAN_QUEUE}).mappings()]


def _work_until(done, *, queues, timeout: float = 20) -> None:
    """Run the portal's worker on `queues` (in this process) until `done()` holds, then stop it."""
    from portal.notifications.worker import work

    async def main():
        worker = asyncio.create_task(work(queues=queues, install_signal_handlers=False, name="test"))
        deadline = time.monotonic() + timeout
        try:
            while not await asyncio.to_thread(done):
                if worker.done():
                    worker.result()
                    raise AssertionError("the worker stopped by itself")
                assert time.monotonic() < deadline, f"not done within {timeout} s"
                await asyncio.sleep(0.1)
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    run_async(main)


def test_a_worker_of_the_scans_queue_runs_the_periodic_scan(center, queue, scan_queue, monkeypatch):
    seen = []

    def due_replies(session, ctx):
        seen.append(ctx.now)
        ctx.rows_read += 5
        return [registry.Notice(center.handler.id, "due_replies", "complaints", "1",
                                f"reply_due:{ctx.now:%Y-%m-%dT%H:%M}", "x")]

    _rules(monkeypatch, due_replies=due_replies)
    started = datetime.now(UTC)

    def scanned():
        with unit_of_work(engine=center.engine) as s:
            return s.get(ScanRun, "due_replies") is not None

    # a worker that starts schedules the tick it missed (the last minute's) at once: a restart loses no scan
    _work_until(scanned, queues=(queue.name, scan_queue))
    # (a second scan only if a minute began meanwhile)
    assert 1 <= len(seen) <= 2 and min(seen) >= started  # the scan looks at the time it runs
    with unit_of_work(engine=center.engine) as s:
        run = s.get(ScanRun, "due_replies")
        assert (run.runs, run.rows_read, run.error) == (len(seen), 5, None)
        assert set(s.scalars(select(Notification.rule))) == {"due_replies"}
    with queue.owner.connect() as conn:  # the tick is kept: a second worker does not schedule it again
        ticks = conn.execute(text("select task_name from procrastinate_periodic_defers")).scalars().all()
    assert sorted(ticks) == [scans.REQUEUE_TASK, scans.SCAN_TASK]


def test_a_worker_of_other_queues_schedules_no_scan(center, queue, scan_queue, monkeypatch):
    _rules(monkeypatch, due_replies=lambda session, ctx: [])
    queue.work()  # the events queue only (`python -m portal worker --queue events`)
    assert _scan_jobs(queue) == []
    with queue.owner.connect() as conn:
        assert conn.execute(text("select count(*) from procrastinate_periodic_defers")).scalar() == 0


def test_two_workers_never_scan_at_once(center, queue, scan_queue, monkeypatch):
    spans = []

    def slow(session, ctx):
        began = time.monotonic()
        time.sleep(0.3)
        spans.append((began, time.monotonic()))
        return []

    _rules(monkeypatch, slow=slow)

    async def main():
        first, second = new_queue_app(schedule=True), new_queue_app(schedule=True)
        async with first.open_async(), second.open_async():
            # both workers' schedules defer the same tick: one job
            tick = int(time.time()) // 60 * 60
            for app in (first, second):
                deferrer = procrastinate.periodic.PeriodicDeferrer(registry=app.periodic_registry)
                await deferrer.defer_jobs([(p, tick) for p in app.periodic_registry.periodic_tasks.values()])
            # a tick while a scan still waits is not queued (the queueing lock): scans never pile up
            with pytest.raises(procrastinate.exceptions.AlreadyEnqueued):
                await first.tasks[scans.SCAN_TASK].defer_async(timestamp=tick + 60)
            # three more scans waiting at once (say, queued by hand): they share the lock, so they run one by one
            for n in range(3):
                await first.tasks[scans.SCAN_TASK].configure(queueing_lock=f"by-hand-{n}").defer_async(timestamp=n)
            for app in (first, second):  # the workers below schedule nothing more (a new minute may have begun)
                app.periodic_registry.periodic_tasks.clear()
            # a worker that found every scan locked looks again after fetch_job_polling_interval (5 s by default)
            workers = [asyncio.create_task(app.run_worker_async(queues=[SCAN_QUEUE], name=name, concurrency=2,
                                                                install_signal_handlers=False,
                                                                fetch_job_polling_interval=0.1))
                       for app, name in ((first, "one"), (second, "two"))]
            deadline = time.monotonic() + 20
            while len(spans) < 4 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    run_async(main)
    assert len(spans) == 4
    spans.sort()
    assert all(end <= next_began for (_b, end), (next_began, _e) in zip(spans, spans[1:], strict=False)), spans
    assert [j["task_name"] for j in _scan_jobs(queue)].count(scans.SCAN_TASK) == 4  # 1 per tick + 3 by hand


def _stall_worker(log, *, block: bool) -> subprocess.Popen:
    env = {**os.environ, "PORTAL_SCAN_SCHEDULE": ""}  # re-queueing only: the real scans would notify test users
    return subprocess.Popen([sys.executable, "-m", "tests.notifications.stall_worker", "stall-under-test",
                             SCAN_QUEUE, str(log), *(["--block"] if block else [])], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def _until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        time.sleep(0.1)
    return result


def _requeue() -> list[int]:
    async def main():
        app = new_queue_app()
        async with app.open_async():
            return await scans.requeue_stalled(app)

    return run_async(main)


def test_a_job_of_a_killed_worker_is_finished_by_another_once(queue, scan_queue, tmp_path):
    log = tmp_path / "stall.log"

    def job():
        with queue.owner.connect() as conn:
            return conn.execute(text("select id, status::text as status, worker_id, attempts from procrastinate_jobs "
                                     "where task_name = 'tests.stall'")).mappings().first()

    first = _stall_worker(log, block=True)
    second = None
    try:
        with queue.owner.begin() as conn:
            conn.execute(text("select procrastinate_defer_jobs_v1(ARRAY[ROW('stall-under-test', 'tests.stall', 0, "
                              "NULL, NULL, '{\"n\": 1}'::jsonb, NULL)::procrastinate_job_to_defer_v1])"))
        doing = _until(lambda: (j := job()) and j["status"] == "doing" and log.exists() and j, 30, "the job started")
        assert _requeue() == []  # its worker is alive (it beats): its job is not taken away
        first.send_signal(signal.SIGKILL)  # mid-job, no goodbye: the job stays "doing"
        first.wait(timeout=10)
        assert job()["status"] == "doing"
        with queue.owner.begin() as conn:  # the time passes in which its heartbeat would have come
            conn.execute(text("update procrastinate_workers set last_heartbeat = now() - interval '1 minute' "
                              "where id = :w"), {"w": doing["worker_id"]})
        second = _stall_worker(log, block=False)  # as it starts, it re-queues the job, then runs it
        _until(lambda: "finished" in log.read_text(), 40, "another worker finished the job")
        _until(lambda: job() is None, 10, "the finished job was deleted")
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
    lines = log.read_text().split()
    assert lines[0::2] == ["started", "started", "finished"]
    assert lines[1] == str(first.pid) and lines[3] == lines[5] == str(second.pid)


def test_the_periodic_task_requeues_the_jobs_of_a_silent_worker(queue, scan_queue):
    with queue.owner.begin() as conn:
        dead, live = conn.execute(text(
            "insert into procrastinate_workers (last_heartbeat) values (now() - interval '5 minutes'), (now()) "
            "returning id")).scalars().all()
        conn.execute(text("insert into procrastinate_jobs (queue_name, task_name, args, status, worker_id) "
                          "values ('stall-under-test', 'tests.stall', '{}', 'doing', :dead), "
                          "('stall-under-test', 'tests.stall', '{}', 'doing', :live)"), {"dead": dead, "live": live})

    async def main():
        app = new_queue_app()  # schedules nothing: the job below is the one the schedule defers each minute
        async with app.open_async():
            await app.tasks[scans.REQUEUE_TASK].defer_async(timestamp=0)
            await app.run_worker_async(queues=[SCAN_QUEUE], wait=False, install_signal_handlers=False)

    try:
        run_async(main)
        with queue.owner.connect() as conn:
            jobs = conn.execute(text("select worker_id, status::text, attempts from procrastinate_jobs "
                                     "where task_name = 'tests.stall' order by id")).all()
    finally:
        with queue.owner.begin() as conn:
            conn.execute(text("delete from procrastinate_jobs where task_name = 'tests.stall'"))
            conn.execute(text("delete from procrastinate_workers where id in (:d, :l)"), {"d": dead, "l": live})
    assert [tuple(j) for j in jobs] == [(None, "todo", 1), (live, "doing", 0)]


def test_a_scan_left_running_by_a_dead_worker_does_not_stop_the_scans(center, queue, scan_queue, monkeypatch):
    runs = []
    _rules(monkeypatch, due_replies=lambda session, ctx: runs.append(ctx.now) or [])
    with queue.owner.begin() as conn:  # its lock would keep every later scan waiting
        dead = conn.execute(text("insert into procrastinate_workers (last_heartbeat) values "
                                 "(now() - interval '5 minutes') returning id")).scalar()
        conn.execute(text("insert into procrastinate_jobs (queue_name, task_name, lock, args, status, worker_id) "
                          "values (:q, :t, :lock, '{\"timestamp\": 0}', 'doing', :w)"),
                     {"q": SCAN_QUEUE, "t": scans.SCAN_TASK, "lock": scans.SCAN_TASK, "w": dead})
    _work_until(lambda: len(runs) >= 2, queues=(scan_queue,))  # the stalled scan, then this minute's
    assert [j for j in _scan_jobs(queue) if j["status"] in ("doing", "failed")] == []


def test_the_worker_command_works_the_queues_asked_for(monkeypatch):
    from portal import cli
    from portal.notifications.queue import QUEUES

    calls = []
    monkeypatch.setattr("db.migrate.upgrade", lambda engine: None)
    monkeypatch.setattr("db.engine.get_owner_engine", lambda: None)
    monkeypatch.setattr("portal.notifications.worker.run_worker", lambda **kw: calls.append(kw["queues"]))
    cli.main(["worker"])
    cli.main(["worker", "--queue", "events", "--queue", "deliveries"])
    assert calls == [QUEUES, ("events", "deliveries")] and scans.SCAN_QUEUE in QUEUES


def test_a_worker_carries_on_after_the_database_restarts_under_it(queue, scan_queue, outage, tmp_path):
    """The database stops while a worker process waits for jobs (an operator's restart, a crash): procrastinate's
    listener then gives up and its worker returns. The portal's worker starts it again once the database is back — the
    same process takes the next job; told to stop, it stops cleanly, the database up or not."""
    log = tmp_path / "stall.log"

    def defer() -> None:
        with queue.owner.begin() as conn:
            conn.execute(text("select procrastinate_defer_jobs_v1(ARRAY[ROW('stall-under-test', 'tests.stall', 0, "
                              "NULL, NULL, '{\"n\": 1}'::jsonb, NULL)::procrastinate_job_to_defer_v1])"))

    worker = _stall_worker(log, block=False)
    try:
        defer()
        _until(lambda: log.exists() and log.read_text().count("finished") == 1, 30, "the first job finished")
        outage.begin()
        time.sleep(3)
        outage.end()
        defer()
        _until(lambda: log.read_text().count("finished") == 2 or worker.poll() is not None, 90,
               "the job deferred after the restart finished")
        assert worker.poll() is None, "the worker process ended when the database stopped"
        outage.begin()  # and told to stop while the database is away, it stops at once, not when it answers
        time.sleep(2)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=10) == 0
        outage.end()
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
    assert log.read_text().split()[1::2] == [str(worker.pid)] * 4

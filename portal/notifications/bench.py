"""The notifications' part of `python -m portal bench` (`--only notifications`), on the current database:

- one full periodic scan (`watch.run_all_scans`: every enabled scan rule, and ten watched views of complaints the
  bench makes) — median time and rows read, per rule too;
- the extra time a complaint write takes with the outbox: the same write (a complaint's handler changed, flushed:
  UPDATE, audit rows, and with events the job) with events on and with `without_events`, alternating, median each;
- the notifications page's queries (count, unread count, the first and the last page; the bell's unread count) for
  a user with 10,000 notifications;
- a real worker process's memory (RSS) after 1,000 event jobs, and its pace.

It leaves the database as it found it: the scans and the writes run in transactions that are rolled back; the
10,000 notifications and the worker's jobs (on a queue of its own) and the notices they made are deleted after.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from db.complaint_models import Complaint
from db.engine import database_url, get_engine, get_owner_engine, owner_database_url, unit_of_work
from db.outbox import EVENT_TASK
from portal.access.auth import CurrentUser
from portal.config import ROOT
from portal.notifications.inbox import count_notifications, list_notifications, unread_count
from portal.notifications.watch import run_all_scans

BENCH_QUEUE = "bench-notifications"  # the worker bench's own queue: no other worker takes its jobs
BENCH_RULE = "bench_inbox"  # the rule named by the 10,000 notifications (deleted after)
_DEFER = text("select procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, NULL, CAST(:args AS jsonb), "
              "NULL)::procrastinate_job_to_defer_v1])")


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@contextmanager
def _rolled_back(actor_id: int | None = None) -> Iterator[Session]:
    """A session of the portal's own role whose transaction is always rolled back."""
    session = Session(get_engine(), expire_on_commit=False)
    session.info["actor_id"] = actor_id
    try:
        yield session
    finally:
        session.rollback()
        session.close()


# ten watched views of complaints, as supervisors would watch them (the bench makes them, and rolls them back)
WATCHED = (("sla", "is", "overdue"), ("sla", "is", "due_soon"), ("state", "is", "registered"),
           ("state", "is", "in_progress"), ("state", "is", "replied"), ("grade", "is", "1"), ("grade", "is", "2"),
           ("sla", "is", "due_today"), ("state", "is", "assigned"), ("sla", "is", "paused"))


def _watch_ten_views(session: Session) -> int:
    """Save ten complaint views and watch each ("a record enters it" -> every supervisor), as a supervisor, in
    `session` (rolled back by the caller); returns how many."""
    from db.models import User
    from portal.notifications.automations import create_automation, spec_of
    from portal.records.filters import Filter
    from portal.records.view import ViewState
    from portal.records.views import save_view

    row = session.scalar(select(User).where(User.active, User.roles.contains(["supervisor"])).limit(1))
    if row is None:
        return 0
    supervisor, spec = CurrentUser.of(row), spec_of("complaints")
    for n, (field, op, value) in enumerate(WATCHED, 1):
        view = save_view(session, actor=supervisor, spec=spec, name=f"bench watched view {n}",
                         state=ViewState(filters=(Filter(field, op, value),)))
        create_automation(session, actor=supervisor, view_id=view.id, trigger="enter", recipient_kind="role",
                          recipient="supervisor", template="{reference}")
    return len(WATCHED)


def scan_bench(repeat: int) -> list[str]:
    """One full periodic scan — every scan rule and ten watched views — `repeat` times after a first run that notes
    what is in the new views, all in one transaction that is rolled back: median ms and rows read."""
    totals, per_rule = [], {}
    with _rolled_back() as session:
        watched = _watch_ten_views(session)
        started = time.perf_counter()
        first = run_all_scans(session, datetime.now(UTC))
        first_ms = (time.perf_counter() - started) * 1000
        first_rows = sum(run.rows_read for key, run in first.items() if key.startswith("view:"))
        for _run in range(repeat):
            started = time.perf_counter()
            runs = run_all_scans(session, datetime.now(UTC))
            totals.append((time.perf_counter() - started) * 1000)
            for key, scan in runs.items():
                per_rule.setdefault(key, []).append((scan.duration_ms or 0.0, scan.rows_read, scan.made, scan.error))
    lines = [f"  one full periodic scan: {len(per_rule) - watched} scan rule(s) and {watched} watched views, median "
             f"{_median(totals):.1f} ms over {repeat} runs, rows read {sum(r[-1][1] for r in per_rule.values()):,}",
             f"    (the first run, which notes what is already in the {watched} new views: {first_ms:.0f} ms, "
             f"{first_rows:,} rows — once per new automation)"]
    for key, results in per_rule.items():
        error = next((r[3] for r in results if r[3]), None)
        lines.append(f"    {key:<40}{_median([r[0] for r in results]):>9.1f} ms{results[-1][1]:>12,} rows"
                     f"{results[-1][2]:>8,} notices" + (f"  ERROR {error}" if error else ""))
    return lines


def outbox_bench(actor_id: int, writes: int = 200) -> list[str]:
    """The same complaint write with events on and off (alternating which goes first), `writes` complaints, all
    rolled back: the outbox's extra time is the difference of the medians."""
    on, off = [], []
    with _rolled_back(actor_id) as session:
        complaints = session.scalars(select(Complaint).where(Complaint.handler_id.is_not(None))
                                     .order_by(Complaint.id.desc()).limit(writes)).all()
        for n, complaint in enumerate(complaints):
            original = complaint.handler_id
            for events in ((True, False) if n % 2 else (False, True)):
                session.info["events"] = events
                complaint.handler_id = actor_id if complaint.handler_id == original else original
                started = time.perf_counter()
                session.flush()
                (on if events else off).append((time.perf_counter() - started) * 1000)
    if not on:
        return ["  complaint write with the outbox: no complaint with a handler in this database"]
    return [f"  complaint write (handler changed, flushed), median over {len(on)}: with events {_median(on):.2f} ms, "
            f"without {_median(off):.2f} ms — the outbox adds {_median(on) - _median(off):.2f} ms"]


def inbox_bench(user: CurrentUser, repeat: int, count: int = 10_000, page_size: int = 20) -> list[str]:
    """The notifications page's queries for `user` holding `count` notifications (half read), `repeat` times each."""
    owner = get_owner_engine()
    with owner.begin() as conn:
        conn.execute(text(
            "insert into notifications (user_id, rule, record_table, record_id, occasion, msgid, params, link, "
            "created_at, read_at) select :u, :rule, 'complaints', n::text, 'bench', "
            "'Complaint {ref} was assigned to you', jsonb_build_object('ref', 'TS-BENCH-' || n), "
            "'pages/complaint.py?id=' || n, now() - n * interval '50 minutes', "
            "case when n % 2 = 0 then now() end from generate_series(1, :count) n"),
            {"u": user.id, "rule": BENCH_RULE, "count": count})
    try:
        with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("analyze notifications"))
        last = (count - 1) // page_size * page_size

        def page(offset: int) -> Callable[[], object]:
            def run():
                with unit_of_work(user.id) as s:
                    return (count_notifications(s, actor=user), unread_count(s, actor=user),
                            list_notifications(s, actor=user, limit=page_size, offset=offset))
            return run

        def bell():
            with unit_of_work(user.id) as s:
                return unread_count(s, actor=user)

        lines = [f"  notifications page for a user with {count:,} notifications ({count // 2:,} unread), median of "
                 f"{repeat}:"]
        for name, step in (("first page (count, unread, 20 rows)", page(0)),
                           (f"last page (offset {last:,})", page(last)), ("the bell (unread count)", bell)):
            step()
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                step()
                times.append((time.perf_counter() - started) * 1000)
            lines.append(f"    {name:<40}{_median(times):>9.1f} ms")
        return lines
    finally:
        with owner.begin() as conn:
            conn.execute(text("delete from notifications where user_id = :u and rule = :rule"),
                         {"u": user.id, "rule": BENCH_RULE})


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _wait_empty(conn_factory, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with conn_factory() as conn:
            if not conn.execute(text("select count(*) from procrastinate_jobs where queue_name = :q "
                                     "and status in ('todo', 'doing')"), {"q": BENCH_QUEUE}).scalar():
                return True
        time.sleep(0.2)
    return False


def worker_bench(actor: CurrentUser, jobs: int = 1000) -> list[str]:
    """A real `python -m portal worker` on a queue of its own: RSS before and after `jobs` event jobs (assignments
    of existing complaints to the bench user, as the outbox queues them), and the jobs per second."""
    owner = get_owner_engine()
    with unit_of_work() as s:
        complaints = s.scalars(select(Complaint.id).order_by(Complaint.id.desc()).limit(jobs)).all()
    if not complaints:
        return ["  worker memory: no complaint in this database"]
    prefix = f"bench-{uuid.uuid4().hex[:8]}-"

    def defer(numbers) -> None:
        rows = [{"queue": BENCH_QUEUE, "task": EVENT_TASK, "args": json.dumps({
            "event": f"{prefix}{n}", "actor": None, "at": datetime.now(UTC).isoformat(),
            "changes": [{"table": "complaints", "record": str(complaints[n % len(complaints)]), "action": "update",
                         "field": "handler_id", "old": None, "new": actor.id}]})} for n in numbers]
        with owner.begin() as conn:
            conn.execute(_DEFER, rows)

    env = {**os.environ, "DATABASE_URL": database_url(), "DATABASE_OWNER_URL": owner_database_url()}
    worker = subprocess.Popen([sys.executable, "-m", "portal", "worker", "--queue", BENCH_QUEUE], cwd=ROOT, env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        defer(range(10))  # the warm-up: imports, connections, the first rules run
        if not _wait_empty(owner.connect, 120):
            return ["  worker memory: the worker did not start within 120 s"]
        before = _rss_mb(worker.pid)
        started = time.perf_counter()
        defer(range(10, 10 + jobs))
        done = _wait_empty(owner.connect, 600)
        elapsed = time.perf_counter() - started
        after = _rss_mb(worker.pid)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        with owner.begin() as conn:
            left = conn.execute(text("delete from procrastinate_jobs where queue_name = :q"), {"q": BENCH_QUEUE})
            made = conn.execute(text("delete from notifications where occasion like :p"), {"p": prefix + "%"})
    if not done:
        return [f"  worker memory: {jobs:,} jobs not done within 600 s ({left.rowcount} left)"]
    return [f"  worker (python -m portal worker): RSS {before:.0f} MB after 10 jobs, {after:.0f} MB after "
            f"{jobs:,} more ({after - before:+.0f} MB); {jobs / elapsed:.0f} jobs/s; {made.rowcount:,} notices made "
            "(deleted)"]


def notification_bench(actor: CurrentUser, repeat: int) -> list[str]:
    """Every figure above, as lines to print."""
    return ["Notifications:", *scan_bench(repeat), *outbox_bench(actor.id), *inbox_bench(actor, repeat),
            *worker_bench(actor)]

"""The notifications' bench (portal/notifications/bench.py) gives its figures and leaves the database as it was."""
from __future__ import annotations

import re

from sqlalchemy import text

from portal import complaints as cx
from portal.notifications import bench
from portal.notifications import rules as registry
from tests.complaints.support import FRIDAY_3PM, center_fixture  # noqa: F401  (the `center` fixture)

TABLES = ("notifications", "notification_scan_runs", "audit_log", "procrastinate_jobs")


def _state(engine) -> dict[str, object]:
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"select count(*) from {t}")).scalar() for t in TABLES}
        counts["versions"] = conn.execute(text("select sum(version) from complaints")).scalar()
    return counts


def test_the_bench_figures_and_nothing_left_behind(center, queue, monkeypatch):
    for _ in range(3):
        cid = center.register().complaint_id
        center.run(center.supervisor, cx.assign_complaint, complaint_id=cid, handler_id=center.handler.id,
                   now=FRIDAY_3PM)

    def due(session, ctx):
        ctx.rows_read += 7
        return [registry.Notice(center.handler.id, "due", "complaints", "1", "reply_due:x", "x")]

    made = (registry.Rule("due", "complaints", "x", ("handler",), ("handler",), scan=due),)
    monkeypatch.setattr(registry, "all_rules", lambda: made)
    queue.work()  # the assignments' own events: done before the bench counts
    before = _state(center.engine)

    scan = bench.scan_bench(2)
    assert re.match(r"  one full periodic scan: 1 scan rule\(s\) and 10 watched views, median [\d.]+ ms over 2 runs, "
                    r"rows read \d+$", scan[0]), scan[0]
    assert scan[1].startswith("    (the first run, which notes what is already in the 10 new views: ")
    assert re.match(r"    due +[\d.]+ ms +7 rows +0 notices$", scan[2])  # its notice was made by the first run
    assert len([line for line in scan if line.startswith("    view:")]) == 10
    [outbox] = bench.outbox_bench(center.supervisor.id, writes=3)
    assert re.match(r"  complaint write \(handler changed, flushed\), median over 3: with events [\d.]+ ms, without "
                    r"[\d.]+ ms — the outbox adds -?[\d.]+ ms$", outbox)
    inbox = bench.inbox_bench(center.handler, 2, count=45)
    assert inbox[0] == "  notifications page for a user with 45 notifications (22 unread), median of 2:"
    assert [line.split()[0] for line in inbox[1:]] == ["first", "last", "the"] and "(offset 40)" in inbox[2]
    # the worker runs the real rules: each of the 30 assignments (to the supervisor) tells them once
    [worker] = bench.worker_bench(center.supervisor, jobs=20)
    assert re.match(r"  worker \(python -m portal worker\): RSS \d+ MB after 10 jobs, \d+ MB after 20 more "
                    r"\([+-]\d+ MB\); \d+ jobs/s; 30 notices made \(deleted\)$", worker), worker

    assert _state(center.engine) == before

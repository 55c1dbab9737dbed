"""Scale data: `python -m portal seed --complaints N` adds N complaints with their timelines and follow-ups, by COPY.

The complaints and their lives come from ComplaintFactory (portal/complaints/scale_lives.py) as COPY text; this
module writes them. For large runs the secondary indexes and foreign keys of the complaint tables are dropped and
rebuilt at the end (one transaction), and the dashboard's day figures are worked out once after the load.

Speed (a million complaints, ~8 million rows with timelines and audit rows, on two cores): the rows arrive as COPY
text, so writing is streaming them to the server. For big runs a second process generates the chunks while this
one streams the previous chunk to PostgreSQL, so the generator and the server's COPY each keep a core busy. The
moments in the rows are naive center wall-clock times; the seeding transaction reads them in the center's zone.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator

from sqlalchemy import Engine, select, text

from db.audit import AUDIT_COPY_COLUMNS
from db.complaint_models import Complaint, ComplaintEvent, FollowUp
from db.engine import unit_of_work
from portal.center.sla import CENTER_TZ
from portal.complaints.rules import utcnow
from portal.complaints.scale_lives import CHUNK, ComplaintFactory
from portal.config import ROOT
from portal.records.bulk import raw_cursor, rebuilt_after, reserve_ids, vacuum_analyze

REBUILD_FROM = 50_000  # complaints; from here on, rebuilding indexes and foreign keys beats keeping them
PARALLEL_FROM = 2 * CHUNK  # complaints; from here on, a second process generates while this one writes
COLUMNS = ("id", "reference", "channel", "received_at", "complainant_name", "complainant_phone", "retailer_id",
           "category_id", "grade", "description", "remedy_sought", "state", "first_contact_owner_id",
           "owner_department_id", "department_id", "handler_id", "first_reply_due_at", "resolution_due_at",
           "next_due_at", "first_replied_at", "replied_at", "followed_up_at", "satisfaction", "closed_at",
           "reopen_count", "duplicate_of_id", "verification_result", "responsibility_analysis", "root_cause",
           "corrective_action", "reply_text", "reply_method", "invalid_reason", "created_at", "updated_at")
EVENT_COLUMNS = ("complaint_id", "at", "actor_id", "kind", "from_state", "to_state", "note", "data")
FOLLOW_UP_COLUMNS = ("complaint_id", "level", "method", "result", "satisfaction", "score_attitude", "score_phrasing",
                     "score_speed", "score_no_buck_passing", "by_id", "at")
TABLES = (("complaints", COLUMNS), ("complaint_events", EVENT_COLUMNS), ("complaint_follow_ups", FOLLOW_UP_COLUMNS),
          ("audit_log", AUDIT_COPY_COLUMNS))


def _send(out, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(data).to_bytes(8, "little") + data)
    out.flush()


def _receive(stream) -> object:
    size = stream.read(8)
    if len(size) < 8:
        raise RuntimeError("generating complaints failed: the generator process ended early (see its output above)")
    return pickle.loads(stream.read(int.from_bytes(size, "little")))


def _generator_main() -> None:
    """`python -m portal.complaints.scale`, started by _generated: read the factory and the work from stdin, send
    each chunk's COPY texts (UTF-8) to stdout in order, then None; a failure sends its traceback instead."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed by accident goes to stderr, not into the stream
    try:
        factory, ids, minutes, actor, size = pickle.load(sys.stdin.buffer)
        for n, texts in factory.chunks(ids, minutes, actor, size):
            _send(out, (n, [t.encode() for t in texts]))
        _send(out, None)
    except BaseException:  # tell the writer why, rather than leaving it waiting
        _send(out, traceback.format_exc())


def _generated(factory: ComplaintFactory, ids: list[int], minutes: list[int], actor: int | None,
               parallel: bool) -> Iterator[tuple[int, list]]:
    """The chunks, generated here or (parallel) in a second Python process that works one chunk ahead.

    That process is a fresh interpreter (`python -m portal.complaints.scale`) rather than a multiprocessing
    child: it inherits no database connection, and needs nothing of the caller's main module."""
    if not parallel:
        yield from factory.chunks(ids, minutes, actor, CHUNK)
        return
    worker = subprocess.Popen([sys.executable, "-m", "portal.complaints.scale"], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE)
    try:
        with worker.stdin:
            pickle.dump((factory, ids, minutes, actor, CHUNK), worker.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        while (message := _receive(worker.stdout)) is not None:
            if isinstance(message, str):
                raise RuntimeError(f"generating complaints failed:\n{message}")
            yield message
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
        worker.stdout.close()


def seed_complaints(engine: Engine, count: int, *, seed: int = 2026, parallel: bool | None = None,
                    progress: Callable[[int, int], None] | None = None) -> int:
    """Add `count` complaints (with timelines, follow-ups, one audit row each) in one transaction.

    `parallel` (default: from PARALLEL_FROM complaints on) generates in a second process; the rows are the
    same either way."""
    parallel = count >= PARALLEL_FROM if parallel is None else parallel
    with unit_of_work(engine=engine) as s:
        now = utcnow()
        existing = s.scalar(select(Complaint.id).order_by(Complaint.id.desc()).limit(1)) or 0
        factory = ComplaintFactory(s, seed + existing, now)
        loaded = (Complaint.__table__, ComplaintEvent.__table__, FollowUp.__table__)
        with rebuilt_after(s, loaded, rebuild=count >= REBUILD_FROM):
            # the rows carry center wall-clock times: this transaction reads them in the center's zone
            s.execute(text("SELECT set_config('TimeZone', :zone, true)"), {"zone": CENTER_TZ.key})
            ids = reserve_ids(s, "complaints", count)
            minutes = factory.received_minutes(count)
            done = 0
            cursor = raw_cursor(s)
            for n, texts in _generated(factory, ids, minutes, s.info.get("actor_id"), parallel):
                for (table, columns), data in zip(TABLES, texts, strict=True):
                    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        copy.write(data)
                done += n
                if progress:
                    progress(done, count)
    vacuum_analyze(engine, [t.name for t in loaded])
    _store_dashboard_days(engine)
    return done


def _store_dashboard_days(engine: Engine) -> None:
    """Work out the complaint dashboard's day figures of its default year and the year before now, once, so the
    first person to open the dashboard after a bulk load does not wait for them (seconds at a million)."""
    from portal.complaints.day_figures import store_day_figures
    from portal.dashboards.period import default_filter

    year = default_filter()
    with unit_of_work(engine=engine) as s:
        store_day_figures(s, year.previous().start, year.end)


if __name__ == "__main__":
    _generator_main()

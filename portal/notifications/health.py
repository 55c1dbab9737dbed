"""What the admin's home page shows of the worker: whether one is alive (its heartbeat in procrastinate_workers) and
each periodic scan's last run (notification_scan_runs), rules that have not run yet included."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from db.notification_models import ScanRun
from portal.access.auth import CurrentUser, require
from portal.i18n import _
from portal.notifications import rules
from portal.notifications.scans import STALLED_AFTER_SECONDS

# ages by the database's own clock, so a server whose clock drifts does not report a live worker dead
_WORKERS = text("select count(*) filter (where last_heartbeat >= now() - make_interval(secs => :stalled)) as alive, "
                "extract(epoch from now() - max(last_heartbeat)) as age from procrastinate_workers")


@dataclass(frozen=True)
class ScanLine:
    """One periodic scan: its title in the reader's language and its last run (None: not run yet)."""

    key: str
    title: str
    started_at: datetime | None = None
    duration_ms: float | None = None
    rows_read: int | None = None
    made: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class WorkerHealth:
    alive: int  # workers whose last heartbeat is under STALLED_AFTER_SECONDS old
    # seconds since the latest heartbeat of any worker (None: none registered); a beat after this transaction began
    # would make it negative: 0
    heartbeat_age: float | None
    scans: list[ScanLine]


def scan_title(key: str, titles: dict[str, str]) -> str:
    """A scan's title in the reader's language: its rule's, a watched view's, or its key."""
    if key in titles:
        return _(titles[key])
    kind, _sep, ident = key.partition(":")
    return _("Watched view {id}").format(id=ident) if kind == "view" and ident else key


def worker_health(session: Session, *, actor: CurrentUser) -> WorkerHealth:
    """The worker's liveness and every scan's last run (admins only)."""
    require(actor, "admin.manage")
    row = session.execute(_WORKERS, {"stalled": STALLED_AFTER_SECONDS}).one()
    titles = {rule.key: rule.title for rule in rules.all_rules() if rule.scan is not None}
    runs = {run.scan: run for run in session.scalars(select(ScanRun).order_by(ScanRun.scan))}
    lines = [ScanLine(key, scan_title(key, titles), run.started_at, run.duration_ms, run.rows_read, run.made,
                      run.error) for key, run in runs.items()]
    lines += [ScanLine(key, scan_title(key, titles)) for key in titles if key not in runs]
    return WorkerHealth(alive=row.alive or 0, heartbeat_age=None if row.age is None else max(0.0, float(row.age)),
                        scans=lines)


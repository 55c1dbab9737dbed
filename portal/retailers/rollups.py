"""The retailer rollups (complaints in the last 90 days, training sessions attended this year, open supply requests):
columns of `retailers` that triggers keep (migration 0028), so the directory sorts and filters by them on an index.

The triggers count each write against the window kept in `app_state` ('retailer_rollups'): "since" (the center's
midnight 89 days before today: the last 90 center days, today included) and this center year's bounds. Once a center
day, `bring_up_to_date` moves the window forward: complaints that left it are subtracted, a new year is counted
afresh; with no state (a new installation, a TRUNCATE) everything is counted afresh. The worker's first scan of a
center day moves it (`move_with_the_day`, the retailers' upkeep), so no person's read waits for it (1–2 s at
province scale); a read still moves it when no worker has (`current_column`, at most every CHECK_EVERY seconds per
process unless the day changed).
"""
from __future__ import annotations

import json
import logging
import time
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Column, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db.engine import get_engine, unit_of_work
from db.models import Retailer
from portal.center_time import CENTER_TZ
from portal.center_time import today as center_today

ROLLUPS_LOCK = 7_007_030  # the triggers take it shared (migration 0028)
STATE_KEY = "retailer_rollups"
WINDOW_DAYS = 90  # "the last 90 days": today and the 89 days before, in the center's time zone
CHECK_EVERY = 10.0  # seconds a process trusts that the window is today's
OPEN_SUPPLY_STATE = "requested"  # open: awaiting approval
LOCK_WAIT = "3s"  # longest wait for the locks of moving the window at a read
UPKEEP_LOCK_WAIT = "30s"  # ... and in the worker's scan (the next scan, a minute later, tries again)
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's lock_timeout
log = logging.getLogger(__name__)

_checked: dict[str, tuple[date, float]] = {}

_COUNT_ALL = """
UPDATE retailers r SET complaints_90d = v.complaints, sessions_attended_year = v.sessions,
                       open_supply_requests = v.supply
FROM (SELECT r2.id, coalesce(c.n, 0) AS complaints, coalesce(t.n, 0) AS sessions, coalesce(s.n, 0) AS supply
      FROM retailers r2
      LEFT JOIN (SELECT retailer_id, count(*) AS n FROM complaints
                 WHERE received_at >= :since AND retailer_id IS NOT NULL GROUP BY 1) c ON c.retailer_id = r2.id
      LEFT JOIN (SELECT u.retailer_id, count(*) AS n FROM training_sign_ups u
                 JOIN training_sessions ts ON ts.id = u.session_id
                 WHERE u.attended AND ts.starts_at >= :year_start AND ts.starts_at < :year_end GROUP BY 1) t
             ON t.retailer_id = r2.id
      LEFT JOIN (SELECT retailer_id, count(*) AS n FROM supply_requests WHERE state = :open GROUP BY 1) s
             ON s.retailer_id = r2.id) v
WHERE r.id = v.id AND (r.complaints_90d, r.sessions_attended_year, r.open_supply_requests)
                      IS DISTINCT FROM (v.complaints, v.sessions, v.supply)
"""
_COMPLAINTS_LEFT = """
UPDATE retailers r SET complaints_90d = r.complaints_90d - c.n
FROM (SELECT retailer_id, count(*) AS n FROM complaints
      WHERE received_at >= :old_since AND received_at < :since AND retailer_id IS NOT NULL GROUP BY 1) c
WHERE r.id = c.retailer_id
"""


def midnight(day: date) -> datetime:
    """The start of `day` in the center's time zone."""
    return datetime(day.year, day.month, day.day, tzinfo=CENTER_TZ)


def window(today: date) -> dict[str, str]:
    """The state the triggers count against on `today` (a center day)."""
    return {"day": today.isoformat(), "since": midnight(today - timedelta(days=WINDOW_DAYS - 1)).isoformat(),
            "year_start": midnight(date(today.year, 1, 1)).isoformat(),
            "year_end": midnight(date(today.year + 1, 1, 1)).isoformat()}


def bring_up_to_date(session: Session, *, today: date | None = None) -> bool:
    """Move the rollups' window to `today` (the center's date); says whether anything had to be done."""
    today = today or center_today()
    wanted = window(today)
    stored = session.scalar(text("SELECT value FROM app_state WHERE key = :k"), {"k": STATE_KEY})
    if stored == wanted:
        return False
    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ROLLUPS_LOCK})  # no trigger counts meanwhile
    stored = session.scalar(text("SELECT value FROM app_state WHERE key = :k"), {"k": STATE_KEY})
    if stored == wanted:
        return False
    moves_forward = (stored is not None and stored["year_start"] == wanted["year_start"]
                     and datetime.fromisoformat(stored["since"]) <= datetime.fromisoformat(wanted["since"]))
    if moves_forward:
        session.execute(text(_COMPLAINTS_LEFT), {"old_since": datetime.fromisoformat(stored["since"]),
                                                 "since": datetime.fromisoformat(wanted["since"])})
    else:
        session.execute(text(_COUNT_ALL), {"since": datetime.fromisoformat(wanted["since"]),
                                           "year_start": datetime.fromisoformat(wanted["year_start"]),
                                           "year_end": datetime.fromisoformat(wanted["year_end"]),
                                           "open": OPEN_SUPPLY_STATE})
    session.execute(text("INSERT INTO app_state (key, value) VALUES (:k, CAST(:v AS jsonb)) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
                    {"k": STATE_KEY, "v": json.dumps(wanted)})
    return True


def move_with_the_day() -> bool:
    """The retailers' upkeep, run by the worker before every scan (portal/notifications/scans.py): on a new center
    day the window moves here, in a transaction of its own; otherwise one read of its state. Says whether it moved;
    locks held elsewhere for UPKEEP_LOCK_WAIT leave it to the next scan."""
    try:
        with unit_of_work() as s:
            s.execute(text(f"SET LOCAL lock_timeout = '{UPKEEP_LOCK_WAIT}'"))
            return bring_up_to_date(s, today=center_today())
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        log.warning("Retailer rollups not moved by the scan: locks held elsewhere; the next scan tries again")
        return False


def forget() -> None:
    """Check the window again at the next read (tests that empty the database, or change the date)."""
    _checked.clear()


def current_column(name: str) -> Any:
    """A rollup column, brought up to date first when this process has not checked today's window lately.

    The move runs in a transaction of its own, waiting at most LOCK_WAIT for locks: a caller that already holds a
    retailer row lock (an edit building a query) must not wait on itself. Then the counts stay as they were (at
    most the day before's window) and the next read tries again.
    """
    url, today = str(get_engine().url), center_today()
    seen = _checked.get(url)
    if seen is None or seen[0] != today or time.monotonic() - seen[1] > CHECK_EVERY:
        try:
            with unit_of_work() as s:
                s.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
                bring_up_to_date(s, today=today)
            _checked[url] = (today, time.monotonic())
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            log.warning("Retailer rollups not moved to %s: locks held elsewhere; trying again at the next read", today)
    column: Column[Any] = Retailer.__table__.c[name]
    return column

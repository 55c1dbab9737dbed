"""The center's time (PORTAL_TIMEZONE): the one conversion every path uses, never the server's own zone.

Moments are stored aware (UTC in the database). Wherever a time meets people — a page, a widget, a file cell,
a typed or imported value, "today" — it is the center's wall clock: `local` for aware moments, `wall_clock`
for places that cannot hold a zone (spreadsheets, date-time widgets), `today`/`now` instead of
`date.today()`/`datetime.now()`. A naive datetime always means center time, whatever the process's TZ.

`now`/`utcnow` are the portal's one clock: tests that need a time of day move it (PORTAL_CLOCK_SHIFT_MINUTES for a
server, `shift_clock` in the test process) rather than depend on when they run.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.config import get_settings

CENTER_TZ = ZoneInfo(get_settings().timezone)  # the working-day calendar's days are the center's days
_shift = timedelta(minutes=get_settings().clock_shift_minutes)


def local(moment: datetime) -> datetime:
    """`moment` in the center's time zone (naive datetimes are taken to be center time already)."""
    return moment.replace(tzinfo=CENTER_TZ) if moment.tzinfo is None else moment.astimezone(CENTER_TZ)


def wall_clock(moment: datetime | None) -> datetime | None:
    """What the center's clock showed at `moment`, without a zone (for file cells and date-time widgets)."""
    return None if moment is None else local(moment).replace(tzinfo=None)


def now() -> datetime:
    """The current moment on the center's clock (aware)."""
    return datetime.now(CENTER_TZ) + _shift


def utcnow() -> datetime:
    """The current moment, in UTC (aware): what the portal stores and compares."""
    return datetime.now(UTC) + _shift


def shift_clock(shift: timedelta) -> timedelta:
    """Move this process's clock `shift` away from the real one (tests only); returns the shift it replaces."""
    global _shift
    old, _shift = _shift, shift
    return old


def today() -> date:
    """The center's date today (not the server's: they differ for eight hours a day on a UTC server)."""
    return now().date()


WORKDAY_STARTS = time(8, 30)  # the center's working day begins: the clock rules' reminders of a day come from then on

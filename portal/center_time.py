"""The center's time (PORTAL_TIMEZONE): the one conversion every path uses, never the server's own zone.

Moments are stored aware (UTC in the database). Wherever a time meets people — a page, a widget, a file cell,
a typed or imported value, "today" — it is the center's wall clock: `local` for aware moments, `wall_clock`
for places that cannot hold a zone (spreadsheets, date-time widgets), `today`/`now` instead of
`date.today()`/`datetime.now()`. A naive datetime always means center time, whatever the process's TZ.
"""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from portal.config import get_settings

CENTER_TZ = ZoneInfo(get_settings().timezone)  # the working-day calendar's days are the center's days


def local(moment: datetime) -> datetime:
    """`moment` in the center's time zone (naive datetimes are taken to be center time already)."""
    return moment.replace(tzinfo=CENTER_TZ) if moment.tzinfo is None else moment.astimezone(CENTER_TZ)


def wall_clock(moment: datetime | None) -> datetime | None:
    """What the center's clock showed at `moment`, without a zone (for file cells and date-time widgets)."""
    return None if moment is None else local(moment).replace(tzinfo=None)


def now() -> datetime:
    """The current moment on the center's clock (aware)."""
    return datetime.now(CENTER_TZ)


def today() -> date:
    """The center's date today (not the server's: they differ for eight hours a day on a UTC server)."""
    return now().date()


WORKDAY_STARTS = time(8, 30)  # the center's working day begins: the clock rules' reminders of a day come from then on

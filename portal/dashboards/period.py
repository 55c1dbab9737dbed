"""The filters every chart on a dashboard page shares, and how they cut rows in SQL.

Days are the center's days (PORTAL_TIMEZONE): a complaint received at 23:30 China time on the 31st belongs to
that month even on a UTC server. A period's grain (day / week / month) follows its length, so a trend never
draws more than a few hundred points however long the range.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, and_, cast, func
from sqlalchemy.sql.elements import ColumnElement

from portal.center_time import CENTER_TZ
from portal.center_time import today as center_today  # noqa: F401  (dashboards ask for it here)
from portal.i18n import _, fmt_date

DAY, WEEK, MONTH = "day", "week", "month"
DAILY_UP_TO = 31  # days; longer periods are drawn by week
WEEKLY_UP_TO = 26 * 7  # days; longer periods are drawn by month


@dataclass(frozen=True)
class DashboardFilter:
    """A date range (whole center days, both ends included), optionally one department and one district."""

    start: date
    end: date
    department_id: int | None = None
    district: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def grain(self) -> str:
        return DAY if self.days <= DAILY_UP_TO else WEEK if self.days <= WEEKLY_UP_TO else MONTH

    def bounds(self) -> tuple[datetime, datetime]:
        """[midnight starting `start`, midnight after `end`) in the center's time zone."""
        return day_start(self.start), day_start(self.end + timedelta(days=1))

    def previous(self) -> DashboardFilter:
        """The period of the same length just before this one (same department and district)."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def label(self) -> str:
        """"2026-11-01 – 2026-11-30", or one date for a single day."""
        if self.start == self.end:
            return fmt_date(self.start)
        return f"{fmt_date(self.start)} – {fmt_date(self.end)}"


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=CENTER_TZ)


def default_filter(today: date | None = None) -> DashboardFilter:
    """This month and the eleven before it: a year of trend, ending today."""
    today = today or center_today()
    month = today.month - 11
    start = date(today.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return DashboardFilter(start=start, end=today)


def month_filter(month: date) -> DashboardFilter:
    """The calendar month `month` falls in."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return DashboardFilter(start=first, end=following - timedelta(days=1))


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def in_period(column: Any, flt: DashboardFilter) -> ColumnElement[bool]:
    """`column` (a timestamptz) falls within the filter's days."""
    lo, hi = flt.bounds()
    return and_(column >= lo, column < hi)


def local_day(column: Any) -> ColumnElement[Any]:
    """The center's calendar day of a timestamptz column."""
    return cast(func.timezone(str(CENTER_TZ), column), Date)


def bucket(column: Any, grain: str) -> ColumnElement[Any]:
    """The first day of the day / ISO week (Monday) / month that a timestamptz falls in, in the center's days."""
    return cast(func.date_trunc(grain, func.timezone(str(CENTER_TZ), column)), Date)


def buckets(flt: DashboardFilter) -> list[date]:
    """Every bucket start of the filter's grain that overlaps its range (to draw empty buckets as zero)."""
    grain, day = flt.grain, flt.start
    if grain == WEEK:
        day -= timedelta(days=day.weekday())
    elif grain == MONTH:
        day = day.replace(day=1)
    out = []
    while day <= flt.end:
        out.append(day)
        day = (day + timedelta(days=1 if grain == DAY else 7 if grain == WEEK else 32))
        if grain == MONTH:
            day = day.replace(day=1)
    return out


def no_data_message(what: str, flt: DashboardFilter) -> str:
    """"No complaints in 2026-11-01 – 2026-11-30." — what an empty chart says instead of drawing axes."""
    return _("No data for {what} in {period}.").format(what=what, period=flt.label())

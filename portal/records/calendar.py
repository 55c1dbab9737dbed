"""A view as a calendar: its records placed on the center's days by a date-time field, what fits each day and how
many more.

Reading a month costs one statement whatever the table's size: the count per day (one GROUP BY over the visible
days, on the date field's index, with the view's filters, search and the actor's row scope), and for each day that
has records the first few of them (a LATERAL join, LIMIT per day, on the same index). Days are the center's days
(PORTAL_TIMEZONE), whatever the server's or the database's time zone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, DateTime, cast, func, literal, select, true
from sqlalchemy.orm import Session

from portal.access.auth import CurrentUser, require
from portal.center_time import CENTER_TZ, local
from portal.records.fields import FieldType, TableSpec
from portal.records.query import masked, where_clause
from portal.records.view import ViewState

MONTH, WEEK = "month", "week"
MODES = (MONTH, WEEK)
SHOWN_PER_DAY = {MONTH: 5, WEEK: 12}  # what fits in a day's cell; the rest is counted ("+N more")
MAX_PER_DAY = 50


@dataclass(frozen=True)
class CalendarFields:
    """Which fields place a table's records on a calendar."""

    start: str  # a DATETIME field (indexed): the day and time a record is shown at
    end: str | None = None  # a DATETIME field: where the record's block ends in a week (none: a point in time)
    color: str | None = None  # a SINGLE_SELECT field whose value colours the record


@dataclass(frozen=True)
class CalendarEvent:
    """One record on the calendar."""

    id: int
    title: str
    start: datetime  # center time
    end: datetime | None  # center time
    color: str | None  # the colour field's value (a choice), None without one


@dataclass
class CalendarDay:
    """One center day: how many records fall on it, and the first of them (by time)."""

    day: date
    total: int
    events: list[CalendarEvent] = field(default_factory=list)

    @property
    def more(self) -> int:
        """Records of the day not shown in its cell."""
        return self.total - len(self.events)


@dataclass
class CalendarRange:
    """The visible days [first, end) of a calendar, the days that have records, and filters that were ignored."""

    first: date
    end: date
    days: dict[date, CalendarDay]
    problems: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(d.total for d in self.days.values())


def visible_days(mode: str, day: date) -> tuple[date, date]:
    """The days a month or a week around `day` shows, [first, end): whole weeks, Monday first (as in China)."""
    if mode == WEEK:
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=7)
    month_first = day.replace(day=1)
    last = (month_first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return month_first - timedelta(days=month_first.weekday()), last + timedelta(days=7 - last.weekday())


def step(mode: str, day: date, forward: bool) -> date:
    """The day the previous or next month (its first day) or week (same weekday) is shown around."""
    if mode == WEEK:
        return day + timedelta(days=7 if forward else -7)
    month_first = day.replace(day=1)
    if forward:
        return (month_first + timedelta(days=32)).replace(day=1)
    return (month_first - timedelta(days=1)).replace(day=1)


def _midnight(day: date) -> datetime:
    """The moment the center's `day` begins."""
    return datetime.combine(day, time(), tzinfo=CENTER_TZ)


def _shown(spec: TableSpec, name: str | None, actor: CurrentUser | None) -> Any:
    """A field's SQL value, or NULL without the field or without the actor's permission to see it."""
    return spec.expression(name) if name is not None and spec.field(name).may_view(actor) else literal(None)


def fetch_calendar(session: Session, *, actor: CurrentUser | None, spec: TableSpec, view: ViewState,
                   fields: CalendarFields, first: date, end: date, per_day: int = SHOWN_PER_DAY[MONTH]
                   ) -> CalendarRange:
    """The records of `view` whose start falls on the center's days [first, end): a count per day and the first
    `per_day` records of each day, by time (the view's filters, search and row scope apply; its sort does not)."""
    require(actor, spec.view_permission)
    start_field = spec.field(fields.start)
    if start_field.type is not FieldType.DATETIME:
        raise ValueError(f"{spec.name}.{fields.start} is not a date-time field")
    if start_field.view_permission:  # where a record sits would tell its masked time
        require(actor, start_field.view_permission)
    per_day = max(1, min(per_day, MAX_PER_DAY))
    table, col, zone = spec.model.__table__, spec.column(fields.start), CENTER_TZ.key
    clauses, problems = where_clause(spec, view, actor)
    in_range = [col >= _midnight(first), col < _midnight(end)]  # on the date field's index
    day = cast(func.timezone(zone, col), Date)
    counts = (select(day.label("day"), func.count().label("total")).select_from(table)
              .where(*in_range, *clauses).group_by(day).cte("days"))
    day_start = func.timezone(zone, cast(counts.c.day, DateTime))
    day_end = func.timezone(zone, cast(counts.c.day, DateTime) + timedelta(days=1))
    title_field = spec.field(spec.title_field) if spec.has_field(spec.title_field) else None
    title = spec.title_of(table)
    if title_field is not None and not title_field.may_view(actor):
        title = masked(title_field, title)
    firsts = (select(spec.id_column.label("id"), title.label("title"), col.label("start"),
                     _shown(spec, fields.end, actor).label("end"), _shown(spec, fields.color, actor).label("color"))
              .select_from(table).where(col >= day_start, col < day_end, *clauses)
              .order_by(col, spec.id_column).limit(per_day).lateral("firsts"))
    rows = session.execute(select(counts.c.day, counts.c.total, firsts).select_from(counts)
                           .outerjoin(firsts, true()).order_by(counts.c.day, firsts.c.start, firsts.c.id)).all()
    days: dict[date, CalendarDay] = {}
    for row in rows:
        shown = days.setdefault(row.day, CalendarDay(row.day, row.total))
        if row.id is not None:
            shown.events.append(CalendarEvent(row.id, "" if row.title is None else str(row.title), local(row.start),
                                              None if row.end is None else local(row.end), row.color))
    return CalendarRange(first=first, end=end, days=days, problems=problems)

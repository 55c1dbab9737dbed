"""Complaint time limits (SLA) on the working-day calendar: due times, pauses, time left, overdue.

Working time is time that falls on working days (weekends and holidays do not count, make-up days do);
"24 hours" of working time is one working day. Dates are the center's local dates (China Standard Time).
Pure functions: the complaint is read, never written, so this is testable without a database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol

from portal.center.workdays import WorkCalendar
from portal.center_time import CENTER_TZ, local  # noqa: F401  (re-exported: the SLA's days are center days)

DUE_SOON = timedelta(hours=4)  # "due within 4 working hours"
RUNNING_STATES = frozenset({"registered", "assigned", "in_progress"})  # the complaint awaits an answer


def add_working_time(calendar: WorkCalendar, start: datetime, amount: timedelta) -> datetime:
    """The moment `amount` of working time after `start`; a result at the end of a working day rolls
    on to the start of the next one, like `WorkCalendar.add_working_days`."""
    if amount < timedelta(0):
        raise ValueError("amount must be >= 0")
    cursor, left = local(start), amount
    while True:
        midnight = datetime.combine(cursor.date() + timedelta(days=1), time(0), tzinfo=CENTER_TZ)
        if calendar.is_working_day(cursor.date()):
            if left < midnight - cursor:
                return cursor + left
            left -= midnight - cursor
        cursor = midnight


def working_time_before(calendar: WorkCalendar, end: datetime, amount: timedelta) -> datetime:
    """The latest moment with `amount` of working time from it to `end` (`add_working_time` backwards)."""
    if amount < timedelta(0):
        raise ValueError("amount must be >= 0")
    cursor, left = local(end), amount
    while left > timedelta(0):
        day = cursor.date() if cursor.timetz().replace(tzinfo=None) != time(0) else cursor.date() - timedelta(days=1)
        day_start = datetime.combine(day, time(0), tzinfo=CENTER_TZ)
        if calendar.is_working_day(day):
            if left <= cursor - day_start:
                return cursor - left
            left -= cursor - day_start
        cursor = day_start
    return cursor


def working_time_between(calendar: WorkCalendar, a: datetime, b: datetime) -> timedelta:
    """Working time from `a` to `b` (negative when `b` is earlier)."""
    return timedelta(days=calendar.working_days_between(local(a), local(b)))


def due_times(calendar: WorkCalendar, registered_at: datetime, *, first_reply_hours: int,
              resolution_working_days: int) -> tuple[datetime, datetime]:
    """(first reply due, resolution due) for a complaint registered at `registered_at`."""
    reply = add_working_time(calendar, registered_at, timedelta(hours=first_reply_hours))
    resolution = calendar.add_working_days(local(registered_at), resolution_working_days)
    return reply, resolution


class ClockedComplaint(Protocol):
    """What the SLA reads of a complaint (db.complaint_models.Complaint has it)."""

    state: str
    first_reply_due_at: datetime
    resolution_due_at: datetime
    first_replied_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    sla_paused: bool
    paused_since: datetime | None


def next_due(c: ClockedComplaint) -> datetime | None:
    """The due time of the nearest running clock (stored as `next_due_at` for lists), None when none runs."""
    if c.state not in RUNNING_STATES:
        return None
    if c.first_replied_at is None:
        return min(c.first_reply_due_at, c.resolution_due_at)
    return c.resolution_due_at


@dataclass(frozen=True)
class Clock:
    """One time limit: when it is due, when it was met (None while running), working time left."""

    name: str  # "first_reply" | "resolution"
    due_at: datetime
    met_at: datetime | None
    left: timedelta  # negative: overdue by that much; for a met clock, the margin it was met with

    @property
    def running(self) -> bool:
        return self.met_at is None

    @property
    def overdue(self) -> bool:
        return self.left < timedelta(0)


@dataclass(frozen=True)
class SlaStatus:
    """Both clocks of a complaint as of `now`, and the flags lists filter on."""

    reply: Clock | None  # None when the complaint was closed as invalid/duplicate before any reply
    resolution: Clock | None
    paused: bool
    due_soon: bool  # the nearest running clock ends within 4 working hours
    due_today: bool  # … ends today (center time)

    @property
    def next(self) -> Clock | None:
        """The running clock that ends first (what "time left" on a list means)."""
        running = [c for c in (self.reply, self.resolution) if c is not None and c.running]
        return min(running, key=lambda c: c.due_at, default=None)

    @property
    def overdue(self) -> bool:
        return self.next is not None and self.next.overdue


def sla_status(c: ClockedComplaint, now: datetime, calendar: WorkCalendar) -> SlaStatus:
    """Time left or overdue on each clock; while paused, time stands still at the moment of pausing."""
    clock_now = c.paused_since if c.sla_paused and c.paused_since else now

    def clock(name: str, due: datetime, met: datetime | None) -> Clock | None:
        if met is None and c.state not in RUNNING_STATES:
            return None  # closed as invalid or duplicate before this limit was met: no clock
        end = met if met is not None else clock_now
        return Clock(name, due, met, working_time_between(calendar, end, due))

    reply = clock("first_reply", c.first_reply_due_at, c.first_replied_at)
    resolution = clock("resolution", c.resolution_due_at, c.replied_at)
    status = SlaStatus(reply, resolution, c.sla_paused, False, False)
    nxt = status.next
    if nxt is None or c.sla_paused:
        return status
    due_soon = timedelta(0) <= nxt.left <= DUE_SOON
    due_today = local(nxt.due_at).date() == local(now).date()
    return SlaStatus(reply, resolution, c.sla_paused, due_soon, due_today)


def shift_for_pause(calendar: WorkCalendar, due: datetime, paused: timedelta) -> datetime:
    """A due time moved later by `paused` working time (the clock stood still that long)."""
    return add_working_time(calendar, due, paused) if paused > timedelta(0) else due

"""Working days (工作日): Mon–Fri, minus public holidays, plus make-up working days (调休).

The `calendar_days` table holds the exceptions; it is seeded from the `holidays` package and admins
correct it. Every SLA clock and deadline asks a `WorkCalendar` built from that table.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import holidays
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.models import AppState, CalendarDay
from portal.access.auth import CurrentUser, require
from portal.errors import InputError, checked_text
from portal.i18n import _

NAME_MAX = 100


@dataclass(frozen=True)
class WorkCalendar:
    """Exceptions to the Mon–Fri week: day -> True (make-up working day) or False (day off)."""

    exceptions: dict[date, bool]

    def is_working_day(self, day: date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date | datetime, n: int) -> date | datetime:
        """The moment `n` working days after `start` (same time of day; a non-working start counts
        from 00:00 of the next working day)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        is_dt = isinstance(start, datetime)
        day = start.date() if is_dt else start
        if not self.is_working_day(day):
            day = self.next_working_day(day)
            if is_dt:
                start = datetime.combine(day, time(0), tzinfo=start.tzinfo)
        for _step in range(n):
            day = self.next_working_day(day + timedelta(days=1))
        return datetime.combine(day, start.timetz()) if is_dt else day

    def working_days_between(self, a: date | datetime, b: date | datetime) -> float:
        """Working time from `a` to `b` in working days: for dates, the working days in (a, b];
        for datetimes, the hours that fall on working days / 24. Negative when b < a."""
        if b < a:
            return -self.working_days_between(b, a)
        if not isinstance(a, datetime):
            return float(sum(self.is_working_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1)))
        total, cursor = timedelta(0), a
        while cursor < b:
            midnight = datetime.combine(cursor.date() + timedelta(days=1), time(0), tzinfo=cursor.tzinfo)
            step_end = min(midnight, b)
            if self.is_working_day(cursor.date()):
                total += step_end - cursor
            cursor = step_end
        return total / timedelta(days=1)


def load_calendar(session: Session) -> WorkCalendar:
    """The calendar as the database has it now (a few dozen rows a year)."""
    rows = session.execute(select(CalendarDay.day, CalendarDay.is_working_day)).all()
    return WorkCalendar(dict(rows))


def library_exceptions(year: int) -> list[dict]:
    """China's holidays on weekdays and make-up weekend working days for `year`, from `holidays`."""
    cn = holidays.China(years=year, language="zh_CN")
    rows = [{"day": d, "is_working_day": False, "name": name, "source": "library"}
            for d, name in sorted(cn.items()) if d.weekday() < 5]
    rows += [{"day": d, "is_working_day": True, "name": "调休上班", "source": "library"}
             for d in sorted(cn.weekend_workdays) if d.year == year]
    return rows


def ensure_calendar(session: Session, years: list[int]) -> None:
    """Seed each year once from the library; days an admin already set are left as they are."""
    for year in years:
        key = f"calendar_seeded_{year}"
        if session.get(AppState, key) is not None:
            continue
        rows = library_exceptions(year)
        if rows:
            session.execute(insert(CalendarDay).values(rows).on_conflict_do_nothing(index_elements=["day"]))
        session.add(AppState(key=key, value={"rows": len(rows)}))
    session.flush()


CONFIRMED_KEY = "calendar_confirmed_{year}"
WARN_AHEAD = timedelta(days=62)  # a limit set in November may end in January: next year matters from then on


def calendar_confirmation(session: Session, year: int) -> dict | None:
    """Who confirmed `year`'s holidays and make-up days against the official notice, and when (None: nobody yet;
    until then they are the holiday library's guess)."""
    row = session.get(AppState, CONFIRMED_KEY.format(year=year))
    return row.value if row is not None else None


def unconfirmed_years(session: Session, today: date) -> list[int]:
    """The years the time limits now count in (this one, and the next one from November) whose calendar nobody has
    confirmed yet: supervisors and admins are told, since limits around their holidays may be off."""
    years = sorted({today.year, (today + WARN_AHEAD).year})
    keys = {CONFIRMED_KEY.format(year=y): y for y in years}
    confirmed = set(session.scalars(select(AppState.key).where(AppState.key.in_(list(keys)))))
    return [year for key, year in keys.items() if key not in confirmed]


def confirm_calendar(session: Session, *, actor: CurrentUser, year: int, at: datetime) -> None:
    """Admin: `year`'s days off and make-up days are checked against the official notice (the State Council's,
    usually published in November); the warning about that year ends."""
    require(actor, "admin.manage")
    value = {"by": actor.id, "by_name": actor.name, "at": at.isoformat()}
    session.execute(insert(AppState).values(key=CONFIRMED_KEY.format(year=year), value=value)
                    .on_conflict_do_update(index_elements=["key"], set_={"value": value}))


def calendar_exceptions(session: Session, year: int) -> list[CalendarDay]:
    """The days of `year` that differ from the Mon–Fri week (or were set by an admin), in date order."""
    return list(session.scalars(select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                          CalendarDay.day <= date(year, 12, 31))
                                .order_by(CalendarDay.day)))


def set_calendar_day(session: Session, *, actor: CurrentUser, day: date, is_working_day: bool | None,
                     name: str = "") -> None:
    """Admin: mark `day` a day off (False) or a make-up working day (True); None restores Mon–Fri."""
    require(actor, "admin.manage")
    row = session.get(CalendarDay, day)
    if is_working_day is not None:
        checked_text(InputError, "name", name, label=_("Name"), limit=NAME_MAX)
        # A weekend day off or a weekday working day is the plain week: only worth a row to correct one.
        if row is None and is_working_day == (day.weekday() < 5):
            message = (_("{day} is a weekday, so it is already a working day.") if is_working_day
                       else _("{day} is a weekend day, so it is already a day off."))
            raise InputError("kind", message.format(day=day.isoformat()))
    if is_working_day is None:
        if row is not None:
            session.delete(row)  # audited by db/audit.py, like every delete of an audited row
            session.flush()
        return
    if row is None:
        session.add(CalendarDay(day=day, is_working_day=is_working_day, name=name.strip(), source="admin"))
    else:
        row.is_working_day, row.name, row.source = is_working_day, name.strip(), "admin"
    session.flush()

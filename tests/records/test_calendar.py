"""A view as a calendar (portal/records/calendar.py): whole weeks from Monday, the first records of each center day
by time and how many more, days cut at the center's midnight whatever the database's time zone, and the view's
filters, search and row scope as in the grid."""
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import text

from db.engine import unit_of_work
from portal.center_time import CENTER_TZ, local
from portal.complaints.table import COMPLAINTS
from portal.records.calendar import MONTH, WEEK, CalendarFields, fetch_calendar, step, visible_days
from portal.records.filters import Filter
from portal.records.view import ViewState
from portal.training.tables import SESSIONS
from tests.complaints.support import center_fixture  # noqa: F401  (fixture)
from tests.training.support import NOW, academy_fixture, english_fixture  # noqa: F401  (fixtures)

SESSION_DAYS = CalendarFields(start="starts_at", end="ends_at", color="state")
DUE_DAYS = CalendarFields(start="next_due_at", color="sla")
EVERYTHING = ViewState()


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CENTER_TZ)


def _a_wednesday_ahead() -> date:
    """A Wednesday in the middle of a month at least five weeks ahead (sessions are drafted in the future)."""
    month = (NOW.date() + timedelta(days=40)).replace(day=1)
    day = month + timedelta(days=14)
    return day + timedelta(days=(2 - day.weekday()) % 7)


def _calendar(actor, spec, fields, first, end, view=EVERYTHING, per_day=5, zone=None):
    with unit_of_work() as s:
        if zone:  # the database session's own zone must not move a record to another day
            s.execute(text(f"SET LOCAL TIME ZONE '{zone}'"))
        return fetch_calendar(s, actor=actor, spec=spec, view=view, fields=fields, first=first, end=end,
                              per_day=per_day)


def test_a_month_is_whole_weeks_from_monday_and_steps_by_month_or_week():
    assert visible_days(MONTH, date(2026, 12, 17)) == (date(2026, 11, 30), date(2027, 1, 4))
    assert visible_days(MONTH, date(2026, 2, 1)) == (date(2026, 1, 26), date(2026, 3, 2))  # Sunday 1st, Saturday 28th
    assert visible_days(WEEK, date(2026, 12, 17)) == (date(2026, 12, 14), date(2026, 12, 21))
    assert visible_days(WEEK, date(2026, 12, 14)) == (date(2026, 12, 14), date(2026, 12, 21))
    assert step(MONTH, date(2026, 12, 17), forward=True) == date(2027, 1, 1)
    assert step(MONTH, date(2026, 3, 31), forward=False) == date(2026, 2, 1)
    assert step(WEEK, date(2026, 12, 17), forward=False) == date(2026, 12, 10)


def test_each_day_shows_its_first_five_sessions_by_time_and_counts_the_rest(academy):
    busy = _a_wednesday_ahead()
    for n, hour in enumerate((20, 8, 18, 10, 16, 12, 14), start=1):  # drafted out of order
        academy.draft(starts_at=_at(busy, hour), ends_at=_at(busy, hour, 45), title=f"第{n}期")
    quiet = busy + timedelta(days=1)
    academy.draft(starts_at=_at(quiet, 9), title="次日")
    first, end = visible_days(MONTH, busy)
    academy.draft(starts_at=_at(end, 9), title="下一格之外")  # the day after the last visible one
    academy.draft(starts_at=_at(first, 9), title="首日")  # the first visible day (the month before, maybe)

    shown = _calendar(academy.viewer, SESSIONS, SESSION_DAYS, first, end)

    assert sorted(shown.days) == [first, busy, quiet] and shown.total == 9
    day = shown.days[busy]
    assert (day.total, day.more) == (7, 2)
    assert [e.title for e in day.events] == ["第2期", "第4期", "第6期", "第7期", "第5期"]  # 8:00 … 16:00
    assert [e.start.hour for e in day.events] == [8, 10, 12, 14, 16]
    assert day.events[0].end == _at(busy, 8, 45) and day.events[0].color == "draft"
    assert (shown.days[quiet].total, shown.days[quiet].more, shown.days[quiet].events[0].title) == (1, 0, "次日")
    week = _calendar(academy.viewer, SESSIONS, SESSION_DAYS, *visible_days(WEEK, busy), per_day=12)
    assert (week.days[busy].total, len(week.days[busy].events), week.days[busy].more) == (7, 7, 0)


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Tokyo"])
def test_days_are_the_centers_whatever_the_database_sessions_zone(academy, zone):
    day = _a_wednesday_ahead()
    academy.draft(starts_at=_at(day, 23, 30), ends_at=_at(day, 23, 55), title="夜场")  # 15:30 UTC the same date
    academy.draft(starts_at=_at(day + timedelta(days=1), 0, 30), ends_at=_at(day + timedelta(days=1), 1),
                  title="凌晨")  # 16:30 UTC of the day before: a day cut in UTC would put it on `day`
    shown = _calendar(academy.viewer, SESSIONS, SESSION_DAYS, day, day + timedelta(days=1), zone=zone)
    assert [(d, [(e.title, e.start.time()) for e in v.events]) for d, v in shown.days.items()] == \
        [(day, [("夜场", time(23, 30))])]
    assert shown.days[day].events[0].start.tzinfo is not None
    after = _calendar(academy.viewer, SESSIONS, SESSION_DAYS, day + timedelta(days=1), day + timedelta(days=2),
                      zone=zone)
    assert [e.title for e in after.days[day + timedelta(days=1)].events] == ["凌晨"]


def test_the_views_filters_and_search_choose_the_records(academy):
    day = _a_wednesday_ahead()
    academy.draft(starts_at=_at(day, 9), title="陈列技巧")
    academy.draft(starts_at=_at(day, 14), title="网上订货", place="城西会议室")
    week = visible_days(WEEK, day)
    searched = _calendar(academy.viewer, SESSIONS, SESSION_DAYS, *week, view=ViewState(search="订货"))
    assert [e.title for e in searched.days[day].events] == ["网上订货"]
    placed = ViewState(filters=(Filter("place", "contains", "城西"),))
    assert [e.title for e in _calendar(academy.viewer, SESSIONS, SESSION_DAYS, *week, view=placed).days[day].events] \
        == ["网上订货"]
    wrong = ViewState(filters=(Filter("capacity", "is", "many"),))
    ignored = _calendar(academy.viewer, SESSIONS, SESSION_DAYS, *week, view=wrong)
    assert ignored.days[day].total == 2 and len(ignored.problems) == 1  # said, as the grid says it


def test_complaints_by_due_time_show_each_person_only_the_rows_their_grid_shows(center):
    mine = center.register(center.agent).complaint_id
    theirs = center.register(center.outsider).complaint_id  # another department's agent took it down
    due = local(center.get(mine).next_due_at)
    assert local(center.get(theirs).next_due_at).date() == due.date()
    first, end = visible_days(MONTH, due.date())

    def seen(actor, view=EVERYTHING):
        shown = _calendar(actor, COMPLAINTS, DUE_DAYS, first, end, view=view)
        return sorted(e.id for d in shown.days.values() for e in d.events), shown.total

    assert seen(center.supervisor) == ([mine, theirs], 2)
    assert seen(center.viewer) == ([mine, theirs], 2)
    assert seen(center.agent) == ([mine], 1)
    assert seen(center.outsider) == ([theirs], 1)
    reference = center.get(theirs).reference
    assert seen(center.supervisor, ViewState(search=reference)) == ([theirs], 1)
    colours = {e.color for d in _calendar(center.supervisor, COMPLAINTS, DUE_DAYS, first, end).days.values()
               for e in d.events}
    assert colours <= {"overdue", "due_soon", "due_today", "on_time"} and colours

"""Days and periods relative to today, in the center's time zone: their bounds, and as filters on real rows while
the server runs on UTC at an hour when the center's date is already tomorrow."""
import os
import time as clock
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from db.engine import unit_of_work
from portal import center_time
from portal.records.filters import Filter, FilterError, filter_clause
from portal.records.periods import is_relative, period_days, period_text, relative_day
from tests.records.test_filters import SAMPLES, Sample
from tests.retailers.support import english_fixture  # noqa: F401  (autouse: English messages)

WED = date(2026, 12, 2)  # a Wednesday


@pytest.mark.parametrize(("token", "first", "last"), [
    ("today", WED, WED), ("yesterday", date(2026, 12, 1), date(2026, 12, 1)),
    ("this_week", date(2026, 11, 30), date(2026, 12, 6)), ("last_week", date(2026, 11, 23), date(2026, 11, 29)),
    ("this_month", date(2026, 12, 1), date(2026, 12, 31)), ("last_month", date(2026, 11, 1), date(2026, 11, 30)),
    ("this_year", date(2026, 1, 1), date(2026, 12, 31)),
    ("past_7", date(2026, 11, 26), WED), ("next_3", WED, date(2026, 12, 4)), ("past_1", WED, WED),
])
def test_a_period_has_a_first_and_a_last_day(token, first, last):
    assert period_days(token, WED) == (first, last)


def test_month_and_year_edges():
    assert period_days("last_month", date(2028, 3, 31)) == (date(2028, 2, 1), date(2028, 2, 29))  # leap February
    assert period_days("this_month", date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_days("last_week", date(2027, 1, 3)) == (date(2026, 12, 21), date(2026, 12, 27))  # a Sunday
    assert period_days("last_month", date(2027, 1, 15)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert relative_day("today-30", WED) == date(2026, 11, 2) and relative_day("today+1", WED) == date(2026, 12, 3)


def test_nonsense_is_not_a_period():
    for token in ("past_0", "past_99999", "next_x", "this_decade", "today-", "today*2", "2026-12-01"):
        assert period_days(token, WED) is None
    assert not is_relative("2026-12-01") and is_relative("today-7") and is_relative("month_start")
    with pytest.raises(FilterError, match="period"):
        filter_clause(SAMPLES, Filter("due", "within", "this_decade"), None)


def test_periods_read_in_the_readers_language():
    assert period_text("past_7") == "the past 7 days" and period_text("this_week") == "this week"
    assert period_text("month_start") == "start of this month" and period_text("today-3") == "3 days ago"


@pytest.fixture
def utc_server_after_center_midnight(monkeypatch):
    """The server's zone is UTC and its clock says 2026-12-01 17:30 UTC: already 01:30 on the 2nd at the center."""
    moment = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)

    class FrozenClock(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

    monkeypatch.setenv("TZ", "UTC")
    clock.tzset()
    monkeypatch.setattr(center_time, "datetime", FrozenClock)
    yield
    monkeypatch.undo()
    clock.tzset()


@pytest.fixture
def moments(engine):
    Sample.metadata.create_all(engine)
    at = {"before midnight": datetime(2026, 12, 1, 15, 59, tzinfo=UTC),  # 23:59 on the 1st at the center
          "after midnight": datetime(2026, 12, 1, 16, 0, tzinfo=UTC),  # 00:00 on the 2nd
          "next sunday": datetime(2026, 12, 6, 15, 0, tzinfo=UTC),  # 23:00 on Sunday the 6th
          "next monday": datetime(2026, 12, 6, 16, 0, tzinfo=UTC)}  # 00:00 on Monday the 7th
    with unit_of_work(engine=engine) as s:
        s.add_all([Sample(title=name, seen_at=when, due=when.astimezone(center_time.CENTER_TZ).date())
                   for name, when in at.items()])
    yield
    Sample.metadata.drop_all(engine)


@pytest.mark.parametrize(("field", "op", "value", "expected"), [
    ("seen_at", "within", "today", {"after midnight"}), ("seen_at", "within", "yesterday", {"before midnight"}),
    ("seen_at", "within", "this_week", {"before midnight", "after midnight", "next sunday"}),
    ("seen_at", "within", "next_5", {"after midnight", "next sunday"}),
    ("seen_at", "within", "past_2", {"before midnight", "after midnight"}),
    ("seen_at", "is", "today", {"after midnight"}), ("seen_at", "before", "today", {"before midnight"}),
    ("seen_at", "after", "today+4", {"next monday"}),
    ("due", "within", "this_month", {"before midnight", "after midnight", "next sunday", "next monday"}),
    ("due", "within", "today", {"after midnight"}), ("due", "within", "last_month", set()),
])
def test_relative_filters_follow_the_centers_day_on_a_utc_server(utc_server_after_center_midnight, moments,
                                                                 field, op, value, expected):
    assert os.environ["TZ"] == "UTC" and center_time.today() == WED
    with unit_of_work() as s:
        found = set(s.scalars(select(Sample.title).where(filter_clause(SAMPLES, Filter(field, op, value), None))))
    assert found == expected

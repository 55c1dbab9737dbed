"""Working-day arithmetic: weekends, public holidays and make-up working days (调休)."""
from datetime import UTC, date, datetime

import pytest

from portal.center.workdays import WorkCalendar

# 2026: Oct 1–7 National Day holiday (Oct 1,2,5,6,7 weekdays off), Sat Oct 10 a make-up working day
CAL = WorkCalendar({date(2026, 10, d): False for d in (1, 2, 5, 6, 7)} | {date(2026, 10, 10): True})


def test_plain_weekend_is_skipped():
    assert CAL.add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Fri -> Mon


def test_holidays_are_skipped():
    assert CAL.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)


def test_make_up_saturday_counts():
    assert CAL.is_working_day(date(2026, 10, 10))
    assert CAL.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)


def test_datetime_keeps_time_of_day():
    start = datetime(2026, 9, 30, 15, 30, tzinfo=UTC)
    assert CAL.add_working_days(start, 2) == datetime(2026, 10, 9, 15, 30, tzinfo=UTC)


def test_start_on_holiday_counts_from_next_working_morning():
    start = datetime(2026, 10, 3, 11, 0, tzinfo=UTC)  # Saturday inside the holiday
    assert CAL.add_working_days(start, 1) == datetime(2026, 10, 9, 0, 0, tzinfo=UTC)


def test_working_days_between_dates():
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4  # Oct 8, 9, 10 (Sat), 12
    assert CAL.working_days_between(date(2026, 10, 12), date(2026, 9, 30)) == -4


def test_working_days_between_datetimes_counts_only_working_hours():
    a = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # Friday noon
    b = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Monday noon
    assert CAL.working_days_between(a, b) == pytest.approx(1.0)


def test_negative_days_refused():
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 1, 5), -1)


def test_a_year_is_unconfirmed_until_an_admin_confirms_it_and_next_year_matters_from_november(db, make_user):
    from datetime import UTC, datetime

    import pytest

    from db.engine import unit_of_work
    from portal.access.auth import PermissionDenied
    from portal.center.workdays import calendar_confirmation, confirm_calendar, unconfirmed_years

    admin, supervisor = make_user("admin"), make_user("supervisor")
    with unit_of_work(engine=db) as s:
        assert unconfirmed_years(s, date(2026, 6, 1)) == [2026]
        assert unconfirmed_years(s, date(2026, 12, 6)) == [2026, 2027]
        with pytest.raises(PermissionDenied):
            confirm_calendar(s, actor=supervisor, year=2027, at=datetime(2026, 12, 6, tzinfo=UTC))
        confirm_calendar(s, actor=admin, year=2027, at=datetime(2026, 12, 6, 2, tzinfo=UTC))
        confirm_calendar(s, actor=admin, year=2027, at=datetime(2026, 12, 6, 3, tzinfo=UTC))  # again: one row
        assert unconfirmed_years(s, date(2026, 12, 6)) == [2026]
        assert calendar_confirmation(s, 2027)["by"] == admin.id and calendar_confirmation(s, 2028) is None

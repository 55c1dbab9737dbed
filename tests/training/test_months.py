"""Month arithmetic of the training plan: the approval deadline (3rd working day) and the needs deadline (28th)."""
from datetime import date

from portal.center.workdays import WorkCalendar
from portal.training.needs import needs_deadline
from portal.training.rules import month_bounds, next_month, nth_working_day, previous_month

# October 2026 in China: 1–7 off (National Day), Saturday 10 October a make-up working day
GOLDEN_WEEK = WorkCalendar({**{date(2026, 10, d): False for d in (1, 2, 5, 6, 7)}, date(2026, 10, 10): True})


def test_the_third_working_day_skips_weekends_and_holidays():
    plain = WorkCalendar({})
    assert nth_working_day(plain, date(2026, 12, 1), 3) == date(2026, 12, 3)  # Tue 1 → Thu 3
    assert nth_working_day(plain, date(2026, 8, 1), 3) == date(2026, 8, 5)  # Sat 1: Mon 3, Tue 4, Wed 5
    assert nth_working_day(GOLDEN_WEEK, date(2026, 10, 1), 1) == date(2026, 10, 8)
    assert nth_working_day(GOLDEN_WEEK, date(2026, 10, 1), 3) == date(2026, 10, 10)  # the make-up Saturday


def test_needs_are_due_on_the_28th_of_the_month_before():
    assert needs_deadline(date(2027, 1, 1)) == date(2026, 12, 28)
    assert needs_deadline(date(2026, 3, 15)) == date(2026, 2, 28)


def test_month_steps_and_bounds():
    assert next_month(date(2026, 12, 1)) == date(2027, 1, 1)
    assert previous_month(date(2026, 1, 1)) == date(2025, 12, 1)
    start, end = month_bounds(date(2026, 2, 1))
    assert (start.isoformat(), end.isoformat()) == ("2026-02-01T00:00:00+08:00", "2026-03-01T00:00:00+08:00")

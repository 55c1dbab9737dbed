"""SLA math on China's 2026 working-day calendar: weekends, holidays, make-up days, pauses, time zone."""
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from portal.center.sla import (
    CENTER_TZ,
    add_working_time,
    due_times,
    next_due,
    shift_for_pause,
    sla_status,
    working_time_between,
)
from portal.center.workdays import WorkCalendar, library_exceptions

# National Day 2026: Thu Oct 1 – Wed Oct 7 off (Sat Oct 3 and Sun Oct 4 are weekend anyway); Sat Oct 10 and
# Sun Sep 20 are make-up working days (调休)
CAL = WorkCalendar({row["day"]: row["is_working_day"] for row in library_exceptions(2026)})
H = timedelta(hours=1)


def cst(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CENTER_TZ)


def grade_3(registered: datetime) -> tuple[datetime, datetime]:
    return due_times(CAL, registered, first_reply_hours=24, resolution_working_days=2)


def grade_1(registered: datetime) -> tuple[datetime, datetime]:
    return due_times(CAL, registered, first_reply_hours=24, resolution_working_days=4)


WEDNESDAY_10AM = cst(11, 18, 10)


def complaint(state: str = "in_progress", **kw) -> SimpleNamespace:
    """A grade 3 complaint registered on Wednesday 18 November 2026 at 10:00."""
    reply, resolution = grade_3(WEDNESDAY_10AM)
    fields = dict(state=state, first_reply_due_at=reply, resolution_due_at=resolution, first_replied_at=None,
                  replied_at=None, closed_at=None, sla_paused=False, paused_since=None)
    return SimpleNamespace(**(fields | kw))


def test_first_reply_is_due_24_working_hours_after_registration_on_a_weekday():
    assert grade_3(cst(11, 18, 10))[0] == cst(11, 19, 10)  # Wed -> Thu


def test_first_reply_over_a_weekend_skips_saturday_and_sunday():
    assert grade_3(cst(11, 20, 15))[0] == cst(11, 23, 15)  # Fri 15:00 -> Mon 15:00


def test_complaint_registered_on_a_weekend_counts_from_monday_morning():
    reply, resolution = grade_3(cst(11, 21, 11))  # Saturday
    assert reply == cst(11, 24)  # the whole of Monday, so Tuesday 00:00
    assert resolution == cst(11, 25)


def test_resolution_skips_the_national_day_holiday():
    reply, resolution = grade_3(cst(9, 30, 15))
    assert reply == cst(10, 8, 15)
    assert resolution == cst(10, 9, 15)


def test_make_up_saturday_counts_as_a_working_day():
    reply, resolution = grade_1(cst(10, 9, 15))  # Fri; Sat Oct 10 is a working day
    assert reply == cst(10, 10, 15)
    assert resolution == cst(10, 14, 15)  # Sat 10, Mon 12, Tue 13, Wed 14


def test_major_complaints_get_four_working_days():
    assert grade_1(cst(11, 18, 10))[1] == cst(11, 24, 10)  # Wed -> Thu, Fri, Mon, Tue


def test_a_utc_moment_is_placed_on_the_center_calendar():
    friday_utc = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # Sat 01:00 in China: a weekend registration
    assert grade_3(friday_utc)[0] == cst(11, 24)


def test_add_working_time_crosses_days_and_refuses_negative_amounts():
    assert add_working_time(CAL, cst(11, 20, 20), 10 * H) == cst(11, 23, 6)  # Fri 4 h + Mon 6 h
    assert add_working_time(CAL, cst(11, 20, 20), 4 * H) == cst(11, 23)  # the end of Friday rolls on to Monday
    with pytest.raises(ValueError):
        add_working_time(CAL, cst(11, 20), -H)


def test_working_time_between_counts_only_working_days():
    assert working_time_between(CAL, cst(11, 20, 12), cst(11, 23, 12)) == 24 * H
    assert working_time_between(CAL, cst(11, 23, 12), cst(11, 20, 12)) == -24 * H
    assert working_time_between(CAL, cst(9, 30, 12), cst(10, 8, 12)) == 24 * H


def test_pause_shift_moves_a_due_time_by_working_time_only():
    assert shift_for_pause(CAL, cst(11, 20, 18), 8 * H) == cst(11, 23, 2)
    assert shift_for_pause(CAL, cst(11, 20, 18), timedelta(0)) == cst(11, 20, 18)


def test_time_left_and_overdue_are_working_time():
    c = complaint()  # reply due Thu 19th 10:00, resolution due Fri 20th 10:00
    early = sla_status(c, cst(11, 18, 16), CAL)
    assert early.next.name == "first_reply" and early.next.left == 18 * H and not early.overdue
    late = sla_status(c, cst(11, 19, 12), CAL)
    assert late.overdue and late.next.left == -2 * H


def test_due_soon_means_within_four_working_hours_even_across_a_weekend():
    c = complaint(first_replied_at=cst(11, 20, 9), resolution_due_at=cst(11, 23, 2))
    status = sla_status(c, cst(11, 20, 22), CAL)  # Fri 22:00: 2 h of Friday + 2 h of Monday left
    assert status.next.name == "resolution" and status.next.left == 4 * H
    assert status.due_soon and not status.due_today and not status.overdue
    assert not sla_status(c, cst(11, 20, 21), CAL).due_soon  # 5 h left


def test_due_today_uses_the_center_date():
    c = complaint(first_replied_at=cst(11, 19, 9))  # resolution due Fri 20th 10:00
    assert sla_status(c, cst(11, 20, 0, 30), CAL).due_today
    assert not sla_status(c, cst(11, 19, 23, 30), CAL).due_today


def test_a_paused_clock_stands_still():
    c = complaint(sla_paused=True, paused_since=cst(11, 18, 16))
    for now in (cst(11, 19, 12), cst(11, 25, 12)):
        status = sla_status(c, now, CAL)
        assert status.paused and status.next.left == 18 * H
        assert not status.overdue and not status.due_soon and not status.due_today


def test_met_clocks_keep_the_margin_they_were_met_with():
    c = complaint("replied", first_replied_at=cst(11, 19, 12), replied_at=cst(11, 19, 14))
    status = sla_status(c, cst(12, 1), CAL)
    assert status.next is None and not status.overdue
    assert status.reply.overdue and status.reply.left == -2 * H  # answered 2 h late
    assert status.resolution.left == 20 * H


def test_invalid_or_duplicate_complaints_have_no_running_clock():
    c = complaint("invalid", closed_at=cst(11, 18, 11))
    status = sla_status(c, cst(12, 1), CAL)
    assert status.reply is None and status.resolution is None and status.next is None
    assert next_due(c) is None


def test_next_due_is_the_first_reply_until_someone_replies():
    c = complaint("assigned")
    assert next_due(c) == c.first_reply_due_at
    c.first_replied_at = cst(11, 18, 11)
    assert next_due(c) == c.resolution_due_at
    c.state = "followed_up"
    assert next_due(c) is None

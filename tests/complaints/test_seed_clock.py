"""The scale seed's due times (per-day tables) are exactly the ones portal.center.sla computes, around weekends,
holidays and make-up working days, for moments in any time zone."""
import random
from datetime import UTC, date, datetime, timedelta

from portal.center.sla import CENTER_TZ, due_times, local
from portal.center.workdays import WorkCalendar, library_exceptions
from portal.complaints.scale_lives import DueClock, copy_text


def wall_clock(moment):
    assert moment.tzinfo is CENTER_TZ
    return moment.replace(tzinfo=None)


def test_due_times_match_the_sla_module_for_every_kind_of_day():
    rows = library_exceptions(2025) + library_exceptions(2026)
    calendar = WorkCalendar({r["day"]: r["is_working_day"] for r in rows})
    clock, rng = DueClock(calendar), random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=CENTER_TZ)
    moments = [start + timedelta(minutes=rng.randrange(0, 700 * 24 * 60)) for _n in range(3000)]
    moments += [datetime.combine(date(2025, 10, 1) + timedelta(days=n), datetime.min.time(), tzinfo=CENTER_TZ)
                for n in range(12)]  # midnights through the National Day week and its make-up day
    moments += [m.astimezone(UTC) + timedelta(microseconds=rng.randrange(10**6)) for m in moments[:500]]
    for moment in moments:
        for hours, days in ((2, 1), (24, 2), (48, 5), (8, 10)):
            reply, resolution = due_times(calendar, moment, first_reply_hours=hours, resolution_working_days=days)
            wall = local(moment).replace(tzinfo=None)  # the seed computes on center wall-clock time
            assert (clock.after_hours(wall, hours), clock.after_days(wall, days)) == (wall_clock(reply),
                                                                                     wall_clock(resolution)), moment


def test_copy_text_escapes_what_copy_would_misread():
    assert copy_text("a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re"
    assert copy_text("便利店") == "便利店"

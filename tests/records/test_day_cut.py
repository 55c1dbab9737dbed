"""Date filters cut days at the center's midnight (PORTAL_TIMEZONE), not at the server's."""
from datetime import UTC, date, datetime

from portal.records.filters import _day_start


def test_a_day_starts_at_midnight_in_the_center_time_zone():
    start = _day_start(date(2026, 11, 23))
    # Asia/Shanghai (the default PORTAL_TIMEZONE) is UTC+8 all year: the 23rd starts at 16:00 UTC on the 22nd.
    assert start.astimezone(UTC) == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)

"""Times are the center's times on every path, whatever zone the server process runs in (PORTAL_TIMEZONE).

Each test runs the same path with the process in UTC, in the center's zone and twelve hours behind UTC, and gets
the same values: the center's wall clock, never the server's.
"""
from __future__ import annotations

import csv
import io
import os
import time
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from db.engine import unit_of_work
from db.models import Retailer
from portal.records.exporting import export_csv, export_xlsx
from portal.records.values import parse_datetime
from portal.records.view import ViewState
from portal.retailers.table import RETAILERS
from tests.retailers.support import directory_fixture  # noqa: F401  (the `directory` fixture)

CENTER = ZoneInfo("Asia/Shanghai")  # the tests' PORTAL_TIMEZONE (the default)
ZONES = ("UTC", "Asia/Shanghai", "Etc/GMT+12")  # the last one: the server's date differs 20 hours a day
LIC = "330102000001"
CREATED = datetime(2026, 3, 31, 22, 30, tzinfo=ZoneInfo("UTC"))  # 2026-04-01 06:30 at the center


@contextmanager
def process_zone(name: str):
    """The process's own time zone (what date.today(), datetime.now() and astimezone() use) set to `name`."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.fixture
def created_late(directory):
    """A retailer created at 22:30 UTC, which is the next morning at the center."""
    with unit_of_work() as s:
        s.get(Retailer, directory.ids[LIC]).created_at = CREATED
    return directory


def _exports(actor) -> tuple[list[list[str]], list[list]]:
    view = ViewState(search=LIC, columns=("license_no", "created_at"))
    with unit_of_work(actor.id) as s:
        text = export_csv(s, actor=actor, spec=RETAILERS, view=view).decode("utf-8-sig")
        book = load_workbook(io.BytesIO(export_xlsx(s, actor=actor, spec=RETAILERS, view=view)))
    return list(csv.reader(io.StringIO(text))), [list(r) for r in book.active.iter_rows(values_only=True)]


def test_exports_write_the_centers_clock_in_every_server_zone(created_late):
    seen = {}
    for zone in ZONES:
        with process_zone(zone):
            seen[zone] = _exports(created_late.supervisor)
    csv_rows, xlsx_rows = seen["UTC"]
    assert csv_rows[1][:2] == [LIC, "2026-04-01 06:30:00"]  # (then the record version, for a later import)
    assert xlsx_rows[1][:2] == [LIC, datetime(2026, 4, 1, 6, 30)]
    assert all(got == seen["UTC"] for got in seen.values()), seen


def test_an_imported_time_without_a_zone_is_center_time_in_every_server_zone():
    field = RETAILERS.field("created_at")
    for zone in ZONES:
        with process_zone(zone):
            for raw in ("2026-04-01 06:30", datetime(2026, 4, 1, 6, 30)):
                assert parse_datetime(field, raw) == datetime(2026, 4, 1, 6, 30, tzinfo=CENTER), (zone, raw)


def test_the_record_forms_times_show_the_centers_clock_in_every_server_zone(signed_in, created_late):
    rid = created_late.ids[LIC]
    for zone in ZONES:
        with process_zone(zone):
            at = signed_in("sup").switch_page("pages/retailer.py")
            at.query_params["id"] = str(rid)
            at.run()
            assert not at.exception, at.exception
            shown = at.get("date_time_input")
            created = next(w for w in shown if w.key == f"retailers.form.{rid}.created_at")
            assert created.value == datetime(2026, 4, 1, 6, 30), zone


def test_the_calendar_checker_starts_on_the_centers_date_in_every_server_zone(signed_in):
    for zone in ZONES:
        with process_zone(zone):
            at = signed_in("admin").switch_page("pages/admin_calendar.py").run()
            assert not at.exception, at.exception
            center_today = datetime.now(CENTER).date()
            assert at.date_input(key="check_start").value == center_today, zone
            assert at.selectbox(key="calendar_year").value == center_today.year, zone


def test_the_portal_clock_moves_as_one_for_tests_that_need_a_time_of_day():
    """`shift_clock` (PORTAL_CLOCK_SHIFT_MINUTES in a server) moves every clock the portal reads — the center's now
    and today, the domain's utcnow — together; the morning shift always lands on 10:00 center time, never ahead."""
    from datetime import UTC, timedelta

    from portal.center_time import now, shift_clock, today, utcnow
    from portal.complaints.rules import utcnow as complaints_utcnow
    from tests.support.browser import shift_to_morning

    shift = shift_to_morning()
    assert timedelta(days=-1) < shift <= timedelta(0) and shift.seconds % 60 == 0
    old = shift_clock(shift)
    try:
        moved = now()
        assert timedelta(0) <= moved - moved.replace(hour=10, minute=0, second=0, microsecond=0) < timedelta(minutes=1)
        assert abs(utcnow() - (datetime.now(UTC) + shift)) < timedelta(seconds=5)
        assert abs(complaints_utcnow() - utcnow()) < timedelta(seconds=5) and today() == moved.date()
    finally:
        shift_clock(old)
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(seconds=5)

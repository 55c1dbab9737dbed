"""Retailer rollups (complaints in the last 90 days, sessions attended this year, open supply requests): counted by
triggers into indexed columns, exact against hand-counted data, moved with the center's calendar, sorted and filtered
like any field."""
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from db.engine import unit_of_work
from db.models import Retailer
from portal import incidents as ix
from portal import training as tr
from portal.notifications.scans import run_periodic_scan
from portal.records.filters import AFTER, BETWEEN, Filter
from portal.records.query import fetch_page
from portal.records.view import ViewState
from portal.retailers import rollups
from portal.retailers.table import RETAILERS
from tests.complaints.support import Center, center_fixture, cst  # noqa: F401  (fixture)
from tests.incidents.support import NOW as INCIDENT_NOW
from tests.incidents.support import Command, command_fixture  # noqa: F401  (fixture)
from tests.training.support import NOW, Academy, academy_fixture  # noqa: F401  (fixture)

ROLLUPS = ("complaints_90d", "sessions_attended_year", "open_supply_requests")
TODAY = date(2026, 11, 20)  # the last 90 days start at 2026-08-23 00:00 center time (16:00 UTC the day before)


@pytest.fixture(name="today")
def today_fixture(monkeypatch):
    """The center's date as the rollups see it; set `.day` to move it."""
    class Clock:
        day = TODAY
    clock = Clock()
    monkeypatch.setattr(rollups, "center_today", lambda: clock.day)
    rollups.forget()
    yield clock
    rollups.forget()


def _rollups(actor, **view) -> dict[str, tuple]:
    """licence number -> the three rollups, as the directory shows them (forced through the window check)."""
    rollups.forget()
    with unit_of_work() as s:
        page = fetch_page(s, actor=actor, spec=RETAILERS, view=ViewState(columns=("license_no", *ROLLUPS), **view))
    return {r["license_no"]: tuple(r[c] for c in ROLLUPS) for r in page.rows}


def _recount_from_scratch() -> None:
    with unit_of_work() as s:
        s.execute(text("DELETE FROM app_state WHERE key = :k"), {"k": rollups.STATE_KEY})
        rollups.bring_up_to_date(s, today=rollups.center_today())


def _shops(center: Center, n: int) -> list[int]:
    with unit_of_work() as s:
        shops = [Retailer(license_no=f"33010290000{i}", shop_name=f"店{i}", owner_name="王", district="城东区",
                          business_type="grocery") for i in range(n)]
        s.add_all(shops)
        s.flush()
        return [r.id for r in shops]


def test_complaints_of_the_last_90_days_start_at_the_centers_midnight_and_leave_a_day_later(center: Center, today):
    center.register(received_at=cst(8, 22, 23, 59), now=cst(8, 22, 23, 59))  # 89 days and a minute before: out
    _rollups(center.supervisor)  # the window is set now; the rest are counted by the trigger as they come
    center.register(received_at=cst(8, 23, 0, 0), now=cst(8, 23, 0, 0))  # the first minute of the window: in
    center.register(received_at=cst(11, 20, 9), now=cst(11, 20, 9))
    licence = "330102123456"
    assert _rollups(center.supervisor)[licence] == (2, 0, 0)
    today.day = TODAY + timedelta(days=1)  # the next center day: 23 August leaves the window
    assert _rollups(center.supervisor)[licence] == (1, 0, 0)
    _recount_from_scratch()
    assert _rollups(center.supervisor)[licence] == (1, 0, 0)


def test_complaint_counts_follow_a_changed_retailer_and_are_counts_every_directory_reader_sees(center: Center, today,
                                                                                                make_user):
    other = _shops(center, 1)[0]
    _rollups(center.supervisor)
    reg = center.register(now=cst(11, 19, 10))
    with unit_of_work() as s:  # a correction moves the complaint to another retailer (any statement: the trigger)
        s.execute(text("UPDATE complaints SET retailer_id = :r WHERE id = :c"), {"r": other, "c": reg.complaint_id})
    counts = _rollups(center.supervisor)
    assert (counts["330102123456"][0], counts["330102900000"][0]) == (0, 1)
    coordinator = make_user("training_coordinator", department="marketing", name="陈静")
    assert _rollups(coordinator)["330102900000"][0] == 1  # a count, not the complaints: no complaint rights needed


def test_sessions_attended_count_this_center_year_only(academy: Academy, today):
    starts = NOW + timedelta(hours=1)
    today.day = starts.date()
    sid = academy.approved(starts_at=starts)
    first, second = academy.retailers[:2]
    _rollups(academy.supervisor)
    signed = [academy.sign_up(sid, r) for r in (first, second)]
    for sign_up, attended in ((signed[0], True), (signed[1], True), (signed[1], False)):
        academy.run(academy.coordinator, tr.mark_attendance, sign_up_id=sign_up.id, attended=attended, now=starts)
    counts = _rollups(academy.supervisor)
    licences = {rid: lic for lic, rid in _ids().items()}
    assert (counts[licences[first]][1], counts[licences[second]][1]) == (1, 0)
    _recount_from_scratch()
    assert _rollups(academy.supervisor)[licences[first]][1] == 1
    today.day = date(starts.year + 1, 1, 1)  # a new center year counts afresh
    assert _rollups(academy.supervisor)[licences[first]][1] == 0


def _ids() -> dict[str, int]:
    with unit_of_work() as s:
        return dict(s.execute(text("SELECT license_no, id FROM retailers")).all())


def test_open_supply_requests_are_those_awaiting_approval(command: Command, today):
    _rollups(command.supervisor)
    values = dict(retailer_id=command.retailers[0], reason="wedding", event_date=date(2026, 7, 18),
                  lines={command.brands["利群(新版)"]: 10}, note="婚宴", now=INCIDENT_NOW)
    first = command.run(command.agent, ix.request_supply, **values)
    command.run(command.agent, ix.request_supply, **values)
    assert _rollups(command.supervisor)["330102100000"][2] == 2
    command.run(command.supervisor, ix.approve_supply_request, request_id=first.id, version=first.version,
                now=INCIDENT_NOW)
    assert _rollups(command.supervisor)["330102100000"][2] == 1
    _recount_from_scratch()
    assert _rollups(command.supervisor)["330102100000"][2] == 1


def test_the_directory_sorts_and_filters_by_a_rollup_across_pages(center: Center, today):
    shops = _shops(center, 6)
    _rollups(center.supervisor)
    for i, shop in enumerate(shops):  # shop i has i complaints in the window
        for _n in range(i):
            center.register(retailer_id=shop, now=cst(11, 1 + i, 10))
    view = dict(sort=(("complaints_90d", True),), page_size=50)
    counts = _rollups(center.supervisor, **view)
    assert [c[0] for c in counts.values()][:6] == [5, 4, 3, 2, 1, 0]
    filtered = _rollups(center.supervisor, filters=(Filter("complaints_90d", AFTER, "2"),), **view)
    assert list(filtered) == ["330102900005", "330102900004", "330102900003"]
    between = _rollups(center.supervisor, filters=(Filter("complaints_90d", BETWEEN, ("1", "2")),),
                       sort=(("complaints_90d", False),))
    assert list(between) == ["330102900001", "330102900002"]
    with unit_of_work() as s:  # keyset paging by the rollup: page 2 after page 1's last key
        first = fetch_page(s, actor=center.supervisor, spec=RETAILERS,
                           view=ViewState(sort=(("complaints_90d", True),), page_size=2))
        second = fetch_page(s, actor=center.supervisor, spec=RETAILERS, after=first.last_key,
                            view=ViewState(sort=(("complaints_90d", True),), page_size=2, page=2))
    assert [r["license_no"] for r in first.rows + second.rows] == [f"33010290000{i}" for i in (5, 4, 3, 2)]


def test_a_read_while_someone_holds_a_retailer_keeps_yesterdays_counts_rather_than_waiting(center: Center, today,
                                                                                           monkeypatch):
    center.register(now=cst(11, 19, 10))
    _rollups(center.supervisor)
    monkeypatch.setattr(rollups, "LOCK_WAIT", "200ms")
    today.day = date(2027, 3, 1)  # a new year and window: every count is redone, this retailer's to 0
    with unit_of_work() as holder:  # e.g. an edit that locked the retailer and then builds a query
        holder.execute(text("SELECT id FROM retailers WHERE license_no = '330102123456' FOR UPDATE"))
        rollups.forget()
        rollups.current_column("complaints_90d")  # does not wait on the lock (nor fail the read)
    assert _rollups(center.supervisor)["330102123456"][0] == 0  # the next read moves it


def test_the_workers_scan_moves_the_window_on_a_new_center_day_so_no_read_has_to(center: Center, today):
    center.register(received_at=cst(8, 23, 0, 0), now=cst(8, 23, 0, 0))  # in the window until the day changes
    assert _rollups(center.supervisor)["330102123456"] == (1, 0, 0)
    today.day = TODAY + timedelta(days=1)
    run_periodic_scan(0)  # the worker's first scan of the new day
    with unit_of_work() as s:
        state = s.scalar(text("SELECT value FROM app_state WHERE key = :k"), {"k": rollups.STATE_KEY})
        counted = s.scalar(text("SELECT complaints_90d FROM retailers WHERE license_no = '330102123456'"))
    assert state == rollups.window(today.day) and counted == 0  # moved, and 23 August subtracted, by the scan
    assert rollups.move_with_the_day() is False  # the next scan of the day only reads the window

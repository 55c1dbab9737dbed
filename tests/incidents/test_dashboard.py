"""Incident dashboard metrics on four hand-made incidents whose right answers are worked out by hand: counts by
type and severity, hours to respond and to resolve (median and 90th percentile), open incidents now by age,
retailers affected, service suspensions, the district filter, click-through filters, and the monthly summary."""
from dataclasses import replace
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from db.engine import unit_of_work
from db.models import Retailer
from portal import incidents as ix
from portal.access.auth import PermissionDenied
from portal.center.sla import CENTER_TZ
from portal.dashboards.period import DashboardFilter
from portal.incidents import clicks, monthly
from portal.incidents import dashboard as dash
from portal.incidents.records import INCIDENTS
from portal.records.query import fetch_page
from portal.records.view import ViewState
from tests.incidents.support import Command, command_fixture  # noqa: F401  (the fixture)

A_START = datetime(2026, 5, 10, 8, 0, tzinfo=CENTER_TZ)
B_START = datetime(2026, 5, 20, 10, 0, tzinfo=CENTER_TZ)
C_START = datetime(2026, 6, 2, 0, 30, tzinfo=CENTER_TZ)  # 16:30 UTC on 1 June: a June incident in the center
D_START = datetime(2026, 5, 31, 23, 30, tzinfo=CENTER_TZ)  # 15:30 UTC: still May in the center
NOW = datetime(2026, 6, 2, 6, 0, tzinfo=CENTER_TZ)
HALF_YEAR = DashboardFilter(date(2025, 12, 1), date(2026, 6, 30))  # 212 days: drawn by month
H = timedelta(hours=1)


@pytest.fixture
def four(command: Command) -> dict[str, int]:
    """A: weather, severity 3, 城东区, responded after 1 h, resolved after 4 h, 40 retailers, delivery suspended 2 h.
    B: system failure, severity 4, 城西区, responded after 3 h, resolved after 24 h, 2 retailers on its call list.
    C: system failure, severity 2, both districts, straight to monitoring after 2 h, not resolved, 500 retailers
       district-wide, ordering suspended at 03:00 and not resumed (3 h by NOW).
    D: vehicle breakdown, severity 3, 城东区, still open (no response yet), no estimate and no call list."""
    c, run = command.coordinator, command.run
    a = command.open(title="城东区暴雨", started_at=A_START, affected_retailers_estimate=40, now=A_START).id
    run(c, ix.change_status, incident_id=a, status="responding", now=A_START + H)
    suspension = run(c, ix.record_suspension, incident_id=a, service="delivery", area="城东-01",
                     suspended_at=A_START + 1.5 * H, now=A_START + 1.5 * H).id
    run(c, ix.record_resumption, suspension_id=suspension, resumed_at=A_START + 3.5 * H, now=A_START + 3.5 * H)
    run(c, ix.change_status, incident_id=a, status="resolved", resolution="积水退去,恢复送货",
        resolved_at=A_START + 4 * H, now=A_START + 4 * H)
    run(c, ix.add_action, incident_id=a, text="修订暴雨送货路线", owner_id=c.id, due_date=date(2026, 5, 25),
        now=A_START + 5 * H)
    b = command.open(type="system_failure", severity=4, title="订货系统登录缓慢", started_at=B_START,
                     affected_districts=["城西区"], affected_routes=[], affected_steps=["ordering"], now=B_START).id
    run(c, ix.add_to_call_list, incident_id=b, retailer_ids=command.retailers[:2])
    run(c, ix.change_status, incident_id=b, status="responding", now=B_START + 3 * H)
    run(c, ix.change_status, incident_id=b, status="resolved", resolution="重启服务", resolved_at=B_START + 24 * H,
        now=B_START + 25 * H)
    done = run(c, ix.add_action, incident_id=b, text="增加连接池监控", owner_id=c.id, due_date=date(2026, 6, 10),
               now=B_START + 26 * H).id
    run(c, ix.complete_action, action_id=done, now=datetime(2026, 6, 5, 9, 0, tzinfo=CENTER_TZ))
    cc = command.open(type="system_failure", severity=2, commander_id=c.id, title="全区结算系统扣款异常",
                      scope="district_wide", started_at=C_START, affected_districts=["城东区", "城西区"],
                      affected_retailers_estimate=500, affected_steps=["ordering"], now=C_START).id
    command.fill_group(cc, now=C_START + H)
    run(c, ix.change_status, incident_id=cc, status="monitoring", now=C_START + 2 * H)
    run(c, ix.record_suspension, incident_id=cc, service="ordering", area="全区", suspended_at=C_START + 2.5 * H,
        now=C_START + 2.5 * H)
    d = command.open(type="vehicle_breakdown", title="城东-02 送货车辆爆胎", started_at=D_START, now=D_START).id
    return {"A": a, "B": b, "C": cc, "D": d}


def _run(command: Command, fn, **kw):
    return command.run(command.viewer, fn, **kw)


def _rows(frame: pd.DataFrame, *columns: str) -> list[tuple]:
    return [tuple(r) for r in frame[list(columns)].itertuples(index=False)]


def _month(day: str) -> pd.Timestamp:
    return pd.Timestamp(day)


def test_counts_by_type_and_severity_fall_in_the_center_month_they_started(command: Command, four):
    types = _run(command, dash.by_type, flt=HALF_YEAR)
    assert _rows(types, "bucket", "type", "incidents") == [
        (_month("2026-05-01"), "severe_weather", 1), (_month("2026-05-01"), "system_failure", 1),
        (_month("2026-05-01"), "vehicle_breakdown", 1), (_month("2026-06-01"), "system_failure", 1)]
    assert set(types["type_label"]) == {"Severe weather", "Network / system failure", "Delivery vehicle breakdown"}
    severities = _run(command, dash.by_severity, flt=HALF_YEAR)
    assert _rows(severities, "bucket", "severity", "incidents") == [
        (_month("2026-05-01"), 3, 2), (_month("2026-05-01"), 4, 1), (_month("2026-06-01"), 2, 1)]


def test_time_to_respond_and_resolve_median_and_90th_percentile_in_hours(command: Command, four):
    times = _run(command, dash.response_times, flt=HALF_YEAR)
    got = {(r.bucket.strftime("%Y-%m"), r.measure, r.statistic): (round(r.hours, 6), r.incidents)
           for r in times.itertuples()}
    assert got == {
        # May: A responded after 1 h, B after 3 h (D not yet): median 2, p90 1 + 0.9 × 2 = 2.8
        ("2026-05", "respond", "median"): (2.0, 2), ("2026-05", "respond", "p90"): (2.8, 2),
        # May: A resolved after 4 h, B after 24 h: median 14, p90 4 + 0.9 × 20 = 22
        ("2026-05", "resolve", "median"): (14.0, 2), ("2026-05", "resolve", "p90"): (22.0, 2),
        # June: C went straight to monitoring after 2 h, and is not resolved (no resolve rows)
        ("2026-06", "respond", "median"): (2.0, 1), ("2026-06", "respond", "p90"): (2.0, 1)}


def test_open_incidents_now_by_severity_status_and_age(command: Command, four):
    frame = _run(command, dash.open_now, flt=HALF_YEAR, now=NOW)
    assert _rows(frame, "severity", "status", "age", "incidents") == [(2, "monitoring", "h24", 1), (3, "open", "d3", 1)]
    assert [round(h, 2) for h in frame["oldest_hours"]] == [5.5, 30.5]
    assert list(frame["age_label"]) == ["4–24 hours", "1–3 days"]
    in_west = _run(command, dash.open_now, flt=DashboardFilter(date(2026, 6, 1), date(2026, 6, 1), district="城西区"),
                   now=NOW)
    assert _rows(in_west, "severity", "status") == [(2, "monitoring")]  # "now" ignores the period, not the district


def test_retailers_affected_use_the_estimate_else_the_call_list(command: Command, four):
    frame = _run(command, dash.retailers_by_month, flt=HALF_YEAR)
    assert _rows(frame, "bucket", "scope", "retailers", "incidents") == [
        (_month("2026-05-01"), "local", 40 + 2 + 0, 3), (_month("2026-06-01"), "district_wide", 500, 1)]


def test_service_suspensions_count_and_hours_an_ongoing_one_up_to_now(command: Command, four):
    frame = _run(command, dash.suspensions, flt=HALF_YEAR, now=NOW)
    assert [(b.strftime("%Y-%m"), s, n, round(h, 6), o) for b, s, n, h, o in _rows(
        frame, "bucket", "service", "suspensions", "hours", "ongoing")] == [
        ("2026-05", "delivery", 1, 2.0, 0), ("2026-06", "ordering", 1, 3.0, 1)]
    refs = _run(command, dash.suspended_incidents, flt=DashboardFilter(date(2026, 6, 1), date(2026, 6, 30)),
                service="ordering")
    assert refs == [command.get(four["C"]).reference]


def test_totals_and_headline_figures_against_the_previous_period(command: Command, four):
    row = _run(command, dash.totals, flt=HALF_YEAR, now=NOW).iloc[0]
    assert (row.incidents, row.major, row.retailers, row.responded, row.resolved) == (4, 1, 542, 3, 2)
    assert (row.respond_median, row.resolve_median) == (2.0, 14.0)  # respond over 1, 3, 2 h; resolve over 4, 24 h
    assert (row.suspensions, round(row.suspension_hours, 6)) == (2, 5.0)
    june = DashboardFilter(date(2026, 6, 1), date(2026, 6, 30))
    figures = _run(command, dash.headline, flt=june, now=NOW)
    assert [(f.label, f.value, f.previous) for f in figures] == [
        ("Incidents", 1, 3), ("Major incidents (severity 1–2)", 1, 0),
        ("Median hours to respond", 2.0, 2.0), ("Median hours to resolve", None, 14.0),
        ("Open now", 2, None)]


def test_the_district_filter_keeps_incidents_whose_affected_districts_include_it(command: Command, four):
    west = DashboardFilter(HALF_YEAR.start, HALF_YEAR.end, district="城西区")
    assert _rows(_run(command, dash.by_type, flt=west), "type", "incidents") == [("system_failure", 1),
                                                                                 ("system_failure", 1)]
    assert _run(command, dash.totals, flt=west, now=NOW).iloc[0].retailers == 0  # no retailers there (see below)
    assert _rows(_run(command, dash.suspensions, flt=west, now=NOW), "service") == [("ordering",)]
    nowhere = DashboardFilter(HALF_YEAR.start, HALF_YEAR.end, district="开发区")
    for metric in (dash.by_type, dash.by_severity, dash.response_times, dash.retailers_by_month):
        assert _run(command, metric, flt=nowhere).empty, metric.__name__
    assert _run(command, dash.open_now, flt=nowhere, now=NOW).empty


def test_within_a_district_an_incident_counts_that_districts_part_of_its_retailers(command: Command, four):
    with unit_of_work(engine=command.engine) as s:
        west = [Retailer(license_no=f"330103{100000 + n}", shop_name=f"西城便利店{n}", owner_name="王芳",
                         district="城西区", route="城西-01", business_type="grocery") for n in range(2)]
        s.add_all(west)
        s.flush()
        west_ids = [r.id for r in west]
    command.run(command.coordinator, ix.add_to_call_list, incident_id=four["B"], retailer_ids=west_ids[:1])
    # B (城西区, no estimate): its call list's retailers there, 1 of 3; C (both districts, 500): 城西区 has 2 of the
    # 8 active retailers of the two, so 125 of them; A (城东区 alone, 40) and D (nothing known) are not there
    in_west = DashboardFilter(HALF_YEAR.start, HALF_YEAR.end, district="城西区")
    assert _run(command, dash.totals, flt=in_west, now=NOW).iloc[0].retailers == 1 + 125
    assert _rows(_run(command, dash.retailers_by_month, flt=in_west), "scope", "retailers") == [
        ("local", 1), ("district_wide", 125)]
    # 城东区: A's 40, C's other 375, B is not there, D's nothing; the whole center still counts every estimate
    in_east = DashboardFilter(HALF_YEAR.start, HALF_YEAR.end, district="城东区")
    assert _run(command, dash.totals, flt=in_east, now=NOW).iloc[0].retailers == 40 + 375
    assert _run(command, dash.totals, flt=HALF_YEAR, now=NOW).iloc[0].retailers == 40 + 3 + 500


@pytest.mark.parametrize("flt", [DashboardFilter(date(2027, 1, 1), date(2027, 12, 31)),  # the future
                                 DashboardFilter(date(2026, 4, 1), date(2026, 4, 30))],  # a month with nothing
                         ids=["future", "empty month"])
def test_an_empty_or_future_period_gives_empty_frames_and_no_figures(command: Command, four, flt):
    for metric in (dash.by_type, dash.by_severity, dash.response_times, dash.retailers_by_month):
        frame = _run(command, metric, flt=flt)
        assert frame.empty and "bucket" in frame.columns, metric.__name__
    assert _run(command, dash.suspensions, flt=flt, now=NOW).empty
    row = _run(command, dash.totals, flt=flt, now=NOW).iloc[0]
    assert (row.incidents, row.retailers, row.suspensions) == (0, 0, 0)
    assert pd.isna(row.respond_median) and pd.isna(row.resolve_median)
    figures = _run(command, dash.headline, flt=flt, now=NOW)
    assert [f.value for f in figures[:4]] == [0, 0, None, None]


def test_a_single_day_is_drawn_by_day(command: Command, four):
    day = DashboardFilter(date(2026, 5, 10), date(2026, 5, 10))
    assert _rows(_run(command, dash.by_type, flt=day), "bucket", "type", "incidents") == [
        (_month("2026-05-10"), "severe_weather", 1)]
    times = _run(command, dash.response_times, flt=day)
    assert sorted(zip(times["measure"], times["statistic"], times["hours"], strict=True)) == [
        ("resolve", "median", 4.0), ("resolve", "p90", 4.0), ("respond", "median", 1.0), ("respond", "p90", 1.0)]
    # 31 May local: D started at 23:30 (15:30 UTC) counts on that day, and C (00:30 on 2 June) does not
    last_may = DashboardFilter(date(2026, 5, 31), date(2026, 5, 31))
    assert _rows(_run(command, dash.by_type, flt=last_may), "type") == [("vehicle_breakdown",)]


def _grid_refs(command: Command, filters) -> list[str]:
    view, ignored = ViewState.from_params(INCIDENTS, ViewState(filters=tuple(filters)).to_params())
    assert not ignored
    page = _run(command, fetch_page, spec=INCIDENTS, view=view)
    assert not page.problems
    return sorted(r["reference"] for r in page.rows)


def test_click_through_filters_open_exactly_the_incidents_behind_a_mark(command: Command, four):
    ref = {k: command.get(v).reference for k, v in four.items()}
    may = clicks.picked_day(int(datetime(2026, 5, 1, tzinfo=CENTER_TZ).timestamp() * 1000), HALF_YEAR)
    assert may == date(2026, 5, 1)  # the browser's local midnight, in epoch milliseconds
    assert clicks.picked_day("2026-05-01T00:00:00", HALF_YEAR) == date(2026, 5, 1)
    assert clicks.picked_day(None, HALF_YEAR) is None
    assert _grid_refs(command, clicks.grid_filters(HALF_YEAR, day=may, type="system_failure")) == [ref["B"]]
    assert _grid_refs(command, clicks.grid_filters(HALF_YEAR, day=may, severity=3)) == sorted([ref["A"], ref["D"]])
    assert _grid_refs(command, clicks.grid_filters(HALF_YEAR, day=may)) == sorted([ref["A"], ref["B"], ref["D"]])
    west = DashboardFilter(HALF_YEAR.start, HALF_YEAR.end, district="城西区")
    assert _grid_refs(command, clicks.grid_filters(west)) == sorted([ref["B"], ref["C"]])
    assert _grid_refs(command, clicks.grid_filters(HALF_YEAR, started=False, status=["open", "responding",
                                                                                  "monitoring"])) == sorted(
        [ref["C"], ref["D"]])
    assert _grid_refs(command, clicks.grid_filters(HALF_YEAR, started=False, reference=[ref["C"]])) == [ref["C"]]
    assert clicks.bucket_days(DashboardFilter(date(2026, 5, 15), date(2026, 8, 10)), date(2026, 5, 11)) == (
        date(2026, 5, 15), date(2026, 5, 17))  # a week cut to the period


def test_metrics_need_the_incident_view_permission(command: Command, four):
    nobody = replace(command.viewer, roles=frozenset())  # e.g. an account whose roles were all taken away
    for metric in (dash.by_type, dash.by_severity, dash.response_times, dash.open_now, dash.retailers_by_month,
                   dash.suspensions, dash.totals, dash.headline):
        with pytest.raises(PermissionDenied):
            command.run(nobody, metric, flt=HALF_YEAR)
    with pytest.raises(PermissionDenied):
        command.run(nobody, monthly.monthly_report, month=date(2026, 5, 1))
    with pytest.raises(PermissionDenied):
        command.run(nobody, dash.overview)


def test_monthly_summary_of_may(command: Command, four):
    report = _run(command, monthly.monthly_report, month=date(2026, 5, 1), now=NOW)
    assert report.title == "Incident summary" and report.month == date(2026, 5, 1)
    figures = {f.label: (f.value, f.previous) for f in report.figures}
    assert figures["Incidents"] == (3, 0)
    assert figures["Median hours to respond"] == (2.0, None)
    assert figures["90th percentile hours to resolve"] == (22.0, None)
    assert figures["Retailers affected"] == (42, 0)
    assert figures["Hours of service suspended"] == (2.0, 0.0)
    assert figures["Follow-up actions open at month end"] == (2, 0)  # B's action was done only on 5 June
    tables = dict(report.tables)
    types = tables["Incidents by type"].set_index("Type")
    assert types.loc["Network / system failure"].tolist() == [1, 0, 1]
    assert types.loc["Total"].tolist() == [3, 0, 3]
    severities = tables["Incidents by severity"].set_index("Severity")
    assert severities.loc["3 – Moderate (local)"].tolist() == [2, 0, 2]
    month = tables["Incidents of the month"]
    assert month["Reference"].tolist() == [command.get(four[k]).reference for k in ("A", "B", "D")]
    assert month.iloc[0][["Started", "Resolved", "Status", "Retailers affected"]].tolist() == [
        "2026-05-10 08:00", "2026-05-10 12:00", "Resolved", 40]
    assert month.iloc[2][["Resolved", "Status", "Retailers affected"]].tolist() == ["", "Opened", 0]
    actions = tables["Open follow-up actions at month end"]
    assert actions["Follow-up action"].tolist() == ["修订暴雨送货路线", "增加连接池监控"]
    assert actions["Days overdue at month end"].tolist() == [6, 0]
    assert [title for title, _chart in report.charts] == ["Incidents by type and severity",
                                                          "Incidents per month by severity (12 months)"]
    june = _run(command, monthly.monthly_report, month=date(2026, 6, 1), now=NOW)
    june_figures = {f.label: (f.value, f.previous) for f in june.figures}
    assert june_figures["Incidents"] == (1, 3)
    assert june_figures["Follow-up actions open at month end"] == (1, 2)  # A's is still open; B's was done


def test_a_month_without_incidents_reports_zeros_and_empty_tables(command: Command):
    report = _run(command, monthly.monthly_report, month=date(2026, 4, 1), now=NOW)
    figures = {f.label: f.value for f in report.figures}
    assert figures["Incidents"] == 0 and figures["Median hours to resolve"] is None
    tables = dict(report.tables)
    assert tables["Incidents of the month"].empty and tables["Open follow-up actions at month end"].empty
    assert tables["Incidents by type"].set_index("Type").loc["Total"].tolist() == [0, 0, 0]
    assert report.charts == []
    from portal.dashboards.report import to_html, to_xlsx

    assert to_xlsx(report)[:2] == b"PK" and "Incident summary" in to_html(report)


def test_overview_for_the_home_page(command: Command, four):
    figures = _run(command, dash.overview, today=date(2026, 6, 2))
    assert [(f.label, f.value, f.previous) for f in figures] == [
        ("Incidents", 1, 3), ("Major incidents (severity 1–2)", 1, 0), ("Median hours to resolve", None, 14.0),
        ("Open incidents now", 2, None)]

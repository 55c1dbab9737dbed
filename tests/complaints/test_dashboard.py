"""Complaint dashboard metrics on small hand-made centers where the right answer is known, including working-day
handling time and on-time rates across China's 2026 National Day holiday (Oct 1–7 off, Sat Oct 10 worked)."""
import io
from datetime import date, timedelta

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select, update

from db.complaint_models import Complaint, ComplaintDashboardDay
from db.engine import unit_of_work
from db.models import CalendarDay, Retailer
from portal import complaints as cx
from portal.access.auth import PermissionDenied
from portal.complaints import charts as complaint_charts
from portal.complaints import dashboard as dc
from portal.complaints import day_figures, monthly
from portal.complaints.rules import utcnow
from portal.dashboards.period import DashboardFilter, month_filter
from portal.dashboards.report import to_html, to_xlsx
from tests.complaints.support import center_fixture, cst  # noqa: F401  (the `center` fixture)

OCTOBER = DashboardFilter(date(2026, 9, 28), date(2026, 10, 18))  # daily buckets around National Day
LATER = cst(11, 30, 12)  # "now" for the October figures: every clock has run out


def answered(center, received, replied, *, grade=3, interim=None, root_cause=None, **kw) -> int:
    """A complaint received (and registered) at `received`, worked by the logistics handler, answered at `replied`."""
    cid = center.register(now=received, received_at=received, grade=grade, **kw).complaint_id
    center.run(center.supervisor, cx.assign_complaint, complaint_id=cid, handler_id=center.handler.id,
               now=received + timedelta(minutes=1))
    center.run(center.handler, cx.start_progress, complaint_id=cid, now=received + timedelta(minutes=2))
    center.run(center.handler, cx.record_investigation, complaint_id=cid, verification_result="属实",
               root_cause=root_cause, now=received + timedelta(minutes=3))
    if interim is not None:
        center.run(center.handler, cx.record_interim_reply, complaint_id=cid, text="已受理,正在处理。", method="phone",
                   now=interim)
    center.run(center.handler, cx.reply_to_complainant, complaint_id=cid, text="已处理。", method="phone", now=replied)
    return cid


def follow_up(center, cid, satisfaction, at):
    center.run(center.agent, cx.record_follow_up, complaint_id=cid, level=2, method="phone",
               satisfaction=satisfaction, now=at)


@pytest.fixture
def holiday_cases(center):
    """A: Wed Sep 30 10:00 → answered Thu Oct 8 22:00: 14 h + 22 h = 1.5 working days (8.5 calendar days); first
    reply due Oct 8 10:00 (late), resolution due Oct 9 10:00 (on time).
    B: Fri Oct 9 16:00 → answered Sat Oct 10 16:00, a make-up working day: 1.0 working day; both limits met.
    C: Mon Oct 12 09:00 → interim reply 15:00, answered Fri Oct 16 09:00: 4.0 working days; resolution due
    Wed Oct 14 09:00 (late)."""
    a = answered(center, cst(9, 30, 10), cst(10, 8, 22))
    b = answered(center, cst(10, 9, 16), cst(10, 10, 16))
    c = answered(center, cst(10, 12, 9), cst(10, 16, 9), interim=cst(10, 12, 15))
    invalid = center.register(now=cst(10, 13, 9), received_at=cst(10, 13, 9)).complaint_id
    center.run(center.supervisor, cx.mark_invalid, complaint_id=invalid, reason="非本中心业务", now=cst(10, 13, 10))
    return a, b, c


def test_handling_time_counts_working_days_across_national_day(center, holiday_cases):
    s = center.run(center.supervisor, dc.summary, flt=OCTOBER, now=LATER)
    assert s["complaints"] == 3  # the invalid complaint is not counted
    assert s["answered"] == 3
    assert s["avg_days"] == pytest.approx((1.5 + 1.0 + 4.0) / 3)
    assert s["p90_days"] == pytest.approx(1.5 + 0.8 * (4.0 - 1.5))  # percentile_cont over 1.0, 1.5, 4.0


def test_on_time_rates_across_the_holiday_follow_the_working_day_clocks(center, holiday_cases):
    s = center.run(center.supervisor, dc.summary, flt=OCTOBER, now=LATER)
    assert (s["reply_due"], s["replied_in_time"]) == (3, 2)  # A's first reply came after Oct 8 10:00
    assert s["reply_rate"] == pytest.approx(2 / 3)
    assert (s["resolution_due"], s["resolved_in_time"]) == (3, 2)  # A on time across the holiday, C late
    assert s["on_time_rate"] == pytest.approx(2 / 3)


def test_the_trend_has_a_bucket_per_day_with_the_days_figures(center, holiday_cases):
    frame = center.run(center.supervisor, dc.trend, flt=OCTOBER, now=LATER)
    assert len(frame) == 21 and frame["complaints"].sum() == 3
    day = frame.set_index(frame["bucket"].dt.date)
    assert day.loc[date(2026, 9, 30), "avg_days"] == pytest.approx(1.5)
    assert day.loc[date(2026, 10, 9), "on_time_rate"] == 1.0
    assert day.loc[date(2026, 10, 12), "on_time_rate"] == 0.0
    assert day.loc[date(2026, 10, 12), "reply_rate"] == 1.0  # the interim reply met the 24-hour limit
    assert day.loc[date(2026, 10, 1), "complaints"] == 0 and pd.isna(day.loc[date(2026, 10, 1), "reply_rate"])


def test_a_running_clock_is_not_counted_until_it_runs_out(center):
    cid = center.register(now=cst(11, 18, 10), received_at=cst(11, 18, 10)).complaint_id  # first reply due Thu 10:00
    flt = DashboardFilter(date(2026, 11, 18), date(2026, 11, 18))
    early = center.run(center.supervisor, dc.summary, flt=flt, now=cst(11, 19, 9))
    assert (early["complaints"], early["reply_due"], early["reply_rate"]) == (1, 0, None)
    late = center.run(center.supervisor, dc.summary, flt=flt, now=cst(11, 19, 11))
    assert (late["reply_due"], late["replied_in_time"], late["resolution_due"]) == (1, 0, 0)
    center.run(center.supervisor, cx.pause_sla, complaint_id=cid, reason="等客户提供订单号", now=cst(11, 18, 16))
    paused = center.run(center.supervisor, dc.summary, flt=flt, now=cst(11, 25, 11))
    assert paused["reply_due"] == 0  # the clock stood still at 16:00, before it ran out


def test_follow_up_satisfaction_and_reopen_rates(center):
    x = answered(center, cst(11, 2, 9), cst(11, 2, 15))
    y = answered(center, cst(11, 3, 9), cst(11, 3, 15))
    z = answered(center, cst(11, 4, 9), cst(11, 4, 15))
    answered(center, cst(11, 5, 9), cst(11, 5, 15))  # not followed up yet
    follow_up(center, x, "satisfied", cst(11, 6, 9))
    center.run(center.supervisor, cx.close_complaint, complaint_id=x, now=cst(11, 6, 10))
    follow_up(center, y, "basically_satisfied", cst(11, 6, 9))
    follow_up(center, z, "dissatisfied", cst(11, 6, 9))  # reopened, then answered again: not followed up since
    center.run(center.handler, cx.reply_to_complainant, complaint_id=z, text="重新处理。", method="visit",
               now=cst(11, 9, 9))
    s = center.run(center.supervisor, dc.summary, flt=month_filter(date(2026, 11, 1)), now=LATER)
    assert (s["answered"], s["followed_up"], s["follow_up_rate"]) == (4, 2, 0.5)
    assert (s["surveyed"], s["satisfied"]) == (3, 2) and s["satisfaction_rate"] == pytest.approx(2 / 3)
    assert (s["reopened"], s["reopen_rate"]) == (1, 0.25)


def test_volume_and_breakdowns_by_category_grade_channel_and_department(center):
    cat = center.categories
    center.register(now=cst(11, 2, 9), received_at=cst(11, 2, 9))
    center.register(now=cst(11, 3, 9), received_at=cst(11, 3, 9), grade=1)
    center.register(now=cst(11, 10, 9), received_at=cst(11, 10, 9), category_id=cat["pricing"], channel="web")
    assigned = center.register(now=cst(11, 10, 10), received_at=cst(11, 10, 10)).complaint_id
    center.run(center.supervisor, cx.assign_complaint, complaint_id=assigned, now=cst(11, 10, 11))
    flt = DashboardFilter(date(2026, 11, 1), date(2026, 11, 30))  # 30 days: daily
    vol = center.run(center.supervisor, dc.volume, flt=flt)
    assert sorted(zip(vol["bucket"].dt.date, vol["category"], vol["complaints"], strict=True)) == [
        (date(2026, 11, 2), "Delivery", 1), (date(2026, 11, 3), "Delivery", 1),
        (date(2026, 11, 10), "Delivery", 1), (date(2026, 11, 10), "Pricing", 1)]
    weekly = center.run(center.supervisor, dc.volume, flt=DashboardFilter(date(2026, 10, 1), date(2026, 11, 30)))
    assert sorted(zip(weekly["bucket"].dt.date, weekly["complaints"], strict=True)) == [
        (date(2026, 11, 2), 2), (date(2026, 11, 9), 1), (date(2026, 11, 9), 1)]  # weeks start on Monday

    def counts(by):
        frame = center.run(center.supervisor, dc.breakdown, flt=flt, by=by)
        return dict(zip(frame["label"], frame["complaints"], strict=True))

    assert counts("category") == {"Delivery": 3, "Pricing": 1}
    assert counts("grade") == {"3 – General": 3, "1 – Major": 1}
    assert counts("channel") == {"Hotline phone": 3, "Web form": 1}
    assert counts("department") == {"Not assigned yet": 3, "Logistics / delivery center": 1}
    logistics = DashboardFilter(flt.start, flt.end, department_id=center.departments["logistics"])
    assert center.run(center.supervisor, dc.breakdown, flt=logistics, by="grade")["complaints"].tolist() == [1]
    marketing = DashboardFilter(flt.start, flt.end, department_id=center.departments["marketing"])
    assert center.run(center.supervisor, dc.volume, flt=marketing).empty


def test_empty_future_and_single_day_periods(center):
    center.register(now=cst(11, 20, 9), received_at=cst(11, 20, 9))
    future = DashboardFilter(date(2027, 3, 1), date(2027, 3, 31))
    for flt in (future, DashboardFilter(date(2026, 11, 19), date(2026, 11, 19))):
        assert center.run(center.supervisor, dc.trend, flt=flt, now=LATER).empty
        assert center.run(center.supervisor, dc.volume, flt=flt).empty
        assert center.run(center.supervisor, dc.breakdown, flt=flt, by="channel").empty
        assert center.run(center.supervisor, dc.root_causes, flt=flt).empty
        assert center.run(center.supervisor, dc.repeat_complainants, flt=flt).empty
        assert center.run(center.supervisor, dc.per_district, flt=flt).empty
        s = center.run(center.supervisor, dc.summary, flt=flt, now=LATER)
        assert s["complaints"] == 0 and s["reply_rate"] is None and s["avg_days"] is None
    one_day = DashboardFilter(date(2026, 11, 20), date(2026, 11, 20))
    frame = center.run(center.supervisor, dc.trend, flt=one_day, now=LATER)
    assert frame["bucket"].dt.date.tolist() == [date(2026, 11, 20)] and frame["complaints"].tolist() == [1]


def test_backlog_ages_open_complaints_in_working_days(center):
    now = cst(10, 9, 12)  # Friday after National Day
    center.register(now=cst(10, 9, 9), received_at=cst(10, 9, 9))  # 3 working hours: under a day
    center.register(now=cst(9, 30, 12), received_at=cst(9, 30, 12))  # 12 h + Oct 8 + 12 h = 2.0 working days
    center.register(now=cst(9, 29, 12), received_at=cst(9, 29, 12))  # 3.0
    center.register(now=cst(9, 1, 12), received_at=cst(9, 1, 12))  # weeks ago
    closed = answered(center, cst(9, 28, 9), cst(9, 28, 15))
    follow_up(center, closed, "satisfied", cst(9, 29, 9))
    center.run(center.supervisor, cx.close_complaint, complaint_id=closed, now=cst(9, 29, 10))
    frame = center.run(center.supervisor, dc.backlog, flt=OCTOBER, now=now)
    assert dict(zip(frame["age"], frame["complaints"], strict=True)) == {"under 1": 1, "2–4": 2, "10 or more": 1}
    two_to_four = frame.set_index("age").loc["2–4"]
    assert (two_to_four["first_day"], two_to_four["last_day"]) == (date(2026, 9, 29), date(2026, 9, 30))


def test_root_causes_most_frequent_first_with_the_share_of_all(center):
    causes = ["路线调度不当", "路线调度不当 ", "车辆故障", "路线调度不当", "系统升级", "车辆故障"]
    for n, cause in enumerate(causes):
        answered(center, cst(11, 2 + n, 9), cst(11, 2 + n, 15), root_cause=cause)
    answered(center, cst(11, 9, 9), cst(11, 9, 15))  # no root cause recorded
    frame = center.run(center.supervisor, dc.root_causes, flt=month_filter(date(2026, 11, 1)), limit=2)
    assert frame["root_cause"].tolist() == ["路线调度不当", "车辆故障"]
    assert frame["complaints"].tolist() == [3, 2] and set(frame["all_with_cause"]) == {6}
    chart = complaint_charts.root_cause_pareto(frame).to_dict()
    assert chart["layer"][1]["encoding"]["y"]["title"] == "Cumulative share"


def test_repeat_complainants_are_masked_for_viewers(center):
    for day in (2, 3, 4):
        center.register(now=cst(11, day, 9), received_at=cst(11, day, 9))
    center.register(now=cst(11, 5, 9), received_at=cst(11, 5, 9), complainant_phone="13900001111")
    center.register(now=cst(11, 6, 9), received_at=cst(11, 6, 9), complainant_phone="13900002222")
    center.register(now=cst(11, 7, 9), received_at=cst(11, 7, 9), complainant_phone="13900002222")
    flt = month_filter(date(2026, 11, 1))
    seen = center.run(center.supervisor, dc.repeat_complainants, flt=flt)
    assert seen[["phone", "complaints"]].values.tolist() == [["13812345678", 3], ["13900002222", 2]]
    assert set(seen["repeaters"]) == {2} and set(seen["their_complaints"]) == {5}
    masked = center.run(center.viewer, dc.repeat_complainants, flt=flt)
    assert masked["phone"].tolist() == ["138****5678", "139****2222"] and set(masked["raw_phone"]) == {""}


def test_complaints_per_10000_retailers_by_district(center):
    with unit_of_work(engine=center.engine) as s:
        s.add_all([Retailer(license_no=f"33010200000{n}", shop_name="店", owner_name="王", district=d,
                            business_type="grocery") for n, d in enumerate(["城东区"] * 3 + ["城西区"] * 4)])
        s.add(Retailer(license_no="330102999999", shop_name="店", owner_name="王", district="城西区",
                       business_type="grocery", status="closed"))
    center.register(now=cst(11, 2, 9), received_at=cst(11, 2, 9))  # the fixture's retailer, 城东区 (4 active)
    center.register(now=cst(11, 3, 9), received_at=cst(11, 3, 9))
    center.register(now=cst(11, 4, 9), received_at=cst(11, 4, 9), retailer_id=None)  # no district
    frame = center.run(center.supervisor, dc.per_district, flt=month_filter(date(2026, 11, 1)))
    assert frame.values.tolist() == [["城东区", 2, 4, 5000.0], ["城西区", 0, 4, 0.0]]
    west = DashboardFilter(date(2026, 11, 1), date(2026, 11, 30), district="城西区")
    assert center.run(center.supervisor, dc.per_district, flt=west).empty
    east = DashboardFilter(date(2026, 11, 1), date(2026, 11, 30), district="城东区")
    assert center.run(center.supervisor, dc.summary, flt=east, now=LATER)["complaints"] == 2


def test_agents_see_figures_of_the_complaints_they_may_see(center, admin):
    center.register(now=cst(11, 2, 9), received_at=cst(11, 2, 9))
    center.register(center.colleague, now=cst(11, 3, 9), received_at=cst(11, 3, 9))
    flt = month_filter(date(2026, 11, 1))
    assert center.run(center.supervisor, dc.summary, flt=flt, now=LATER)["complaints"] == 2
    assert center.run(center.viewer, dc.summary, flt=flt, now=LATER)["complaints"] == 2
    assert center.run(center.handler, dc.summary, flt=flt, now=LATER)["complaints"] == 0  # not their department's
    assert center.run(center.outsider, dc.summary, flt=flt, now=LATER)["complaints"] == 0
    with pytest.raises(PermissionDenied):
        center.run(admin, dc.volume, flt=flt)


def test_monthly_report_compares_with_the_month_before(center, holiday_cases):
    answered(center, cst(9, 14, 9), cst(9, 14, 15), root_cause="调度不当")
    with unit_of_work(engine=center.engine) as s:  # the report's "now" is the real clock: close October's loops
        s.execute(update(Complaint).values(followed_up_at=Complaint.replied_at, satisfaction="satisfied"))
    report = center.run(center.supervisor, monthly.monthly_report, month=date(2026, 10, 15))
    figures = {f.label: f for f in report.figures}
    assert report.month == date(2026, 10, 1) and report.title == "Complaint analysis"
    assert (figures["Complaints"].value, figures["Complaints"].previous) == (2, 2)  # B, C · A, Sep 14
    assert figures["Average handling time (working days)"].value == pytest.approx(2.5)
    assert figures["On-time resolution rate"].value == 0.5 and figures["On-time resolution rate"].previous == 1.0
    assert figures["Satisfaction rate"].value == 1.0
    assert figures["Complaints per 10,000 retailers"].value == pytest.approx(20_000)  # 2 for 1 active retailer
    tables = dict(report.tables)
    assert tables["By category"].values.tolist() == [["Delivery", 2, 2, 0]]
    assert {t for t, _chart in report.charts} == {"By category"}  # no root cause recorded in October
    book = load_workbook(io.BytesIO(to_xlsx(report)))
    assert book.sheetnames[0] == "Summary" and "By grade" in book.sheetnames
    assert "Complaint analysis · 2026-10" in to_html(report)


def test_overview_has_four_figures_of_this_month_and_last(center):
    now = utcnow()
    center.register(now=now, received_at=now - timedelta(seconds=1))
    figures = center.run(center.supervisor, dc.overview)
    assert [f.label for f in figures] == ["Complaints this month", "24-hour reply rate", "On-time resolution rate",
                                          "Satisfaction rate"]
    assert (figures[0].value, figures[0].previous) == (1, 0)
    assert figures[1].value is None and figures[3].target == 0.98  # its first reply is not due yet


def test_a_clicked_mark_becomes_the_grid_filters_of_its_records():
    flt = DashboardFilter(date(2026, 9, 10), date(2026, 11, 23), department_id=3)  # weekly buckets
    week = dc.bucket_days(flt, date(2026, 9, 7))
    assert week == (date(2026, 9, 10), date(2026, 9, 13))  # the first week, cut to the period
    shanghai_midnight = 1_762_704_000_000  # Mon 2025-11-10 00:00 in a browser in China: 2025-11-09 16:00 UTC
    monthly = [date(2025, 11, 1), date(2025, 12, 1)]
    assert dc.picked_bucket(shanghai_midnight, [date(2025, 11, 3), date(2025, 11, 10)]) == date(2025, 11, 10)
    assert dc.picked_bucket("2025-12-01T00:00:00", monthly) == date(2025, 12, 1)
    assert dc.picked_bucket("not a date", monthly) is None and dc.picked_bucket(None, monthly) is None
    filters = dc.records_filters(flt, days=week, category_id=7, department_id=None)
    assert [(f.field, f.op, f.value) for f in filters] == [
        ("received_at", "between", ("2026-09-10", "2026-09-13")), ("state", "any_of", dc.VALID_STATES),
        ("category_id", "is", "7"), ("department_id", "empty", None)]
    assert [f.field for f in dc.records_filters(flt, period=False)] == ["state", "department_id"]


# --- the stored day figures (complaint_dashboard_days, migration 0010) -------------------------------------------

def _stored_days(center) -> int:
    with unit_of_work(engine=center.engine) as s:
        return s.scalar(select(func.count()).select_from(ComplaintDashboardDay))


def test_the_stored_day_figures_answer_as_counting_the_complaints_does(center, holiday_cases, monkeypatch):
    """Every figure from the stored days equals the same figure counted from the complaints (the path agents take)."""
    answered(center, cst(10, 14, 9), cst(10, 15, 9), root_cause="车辆故障", channel="web",
             complainant_phone="13900001111")
    follow_up(center, holiday_cases[1], "dissatisfied", cst(10, 13, 9))  # B reopened
    center.register(now=cst(10, 16, 9), received_at=cst(10, 16, 9), grade=1)  # still open
    filters = [OCTOBER, DashboardFilter(date(2026, 10, 1), date(2026, 11, 30)),  # weekly
               DashboardFilter(OCTOBER.start, OCTOBER.end, department_id=center.departments["logistics"]),
               DashboardFilter(OCTOBER.start, OCTOBER.end, district="城东区")]

    def figures():
        out = []
        for flt in filters:
            frame, total = center.run(center.supervisor, dc.trend_and_summary, flt=flt, now=LATER)
            by = center.run(center.supervisor, dc.counts, flt=flt, dims=dc.DIMENSIONS)
            out.append([frame, pd.Series(total, dtype=object), *by.values(),
                        center.run(center.supervisor, dc.root_causes, flt=flt),
                        center.run(center.supervisor, dc.per_district, flt=flt)])
        return out

    stored = figures()
    assert _stored_days(center) > 0
    monkeypatch.setattr(dc, "_from_days", lambda actor, flt: False)
    for mine, theirs in zip(stored, figures(), strict=True):
        pd.testing.assert_series_equal(mine[1].astype(float), theirs[1].astype(float))  # None and NaN alike
        for a, b in zip(mine[:1] + mine[2:], theirs[:1] + theirs[2:], strict=True):
            pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_the_stored_days_follow_every_write_at_once(center, holiday_cases):
    a, _b, c = holiday_cases
    before = center.run(center.supervisor, dc.summary, flt=OCTOBER, now=LATER)
    assert before["avg_days"] == pytest.approx((1.5 + 1.0 + 4.0) / 3) and _stored_days(center) > 0
    follow_up(center, c, "satisfied", cst(10, 19, 9))  # a write to Oct 12's complaint
    after = center.run(center.supervisor, dc.summary, flt=OCTOBER, now=LATER)
    assert (after["followed_up"], after["satisfied"]) == (before["followed_up"] + 1, before["satisfied"] + 1)
    with unit_of_work(engine=center.engine) as s:  # Oct 8 becomes a day off: A took 14 working hours
        s.add(CalendarDay(day=date(2026, 10, 8), is_working_day=False, name="test", source="admin"))
    moved = center.run(center.supervisor, dc.summary, flt=OCTOBER, now=LATER)
    assert moved["avg_days"] == pytest.approx((14 / 24 + 1.0 + 4.0) / 3)
    with unit_of_work(engine=center.engine) as s:  # the fixture's retailer moves to another district
        s.execute(update(Retailer).where(Retailer.id == center.retailer_id).values(district="城西区"))
    west = DashboardFilter(OCTOBER.start, OCTOBER.end, district="城西区")
    assert center.run(center.supervisor, dc.summary, flt=west, now=LATER)["complaints"] == 3
    with unit_of_work(engine=center.engine) as s:  # a complaint received on another day (moved by hand)
        s.execute(update(Complaint).where(Complaint.id == a).values(received_at=cst(11, 2, 9)))
    assert center.run(center.supervisor, dc.summary, flt=OCTOBER, now=LATER)["complaints"] == 2


def test_a_day_dropped_after_the_check_is_counted_from_the_complaints(center, holiday_cases, monkeypatch):
    """A write between storing the days and reading them: the read computes the dropped day itself."""
    center.run(center.supervisor, dc.summary, flt=OCTOBER, now=LATER)
    with unit_of_work(engine=center.engine) as s:
        s.execute(delete(ComplaintDashboardDay))
    monkeypatch.setattr(day_figures, "_store_days", lambda session, first, last: None)
    s = center.run(center.supervisor, dc.summary, flt=OCTOBER, now=LATER)
    assert s["complaints"] == 3 and s["avg_days"] == pytest.approx((1.5 + 1.0 + 4.0) / 3)
    assert center.run(center.supervisor, dc.breakdown, flt=OCTOBER, by="grade")["complaints"].tolist() == [3]
    assert _stored_days(center) == 0

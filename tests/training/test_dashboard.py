"""The training dashboard's metrics and the monthly training summary (培训记录汇总表), on a small programme written
by hand in 2025 where every answer can be counted on the fingers: sessions per month and state, attendance rate of
held sessions, evaluations against the 10% sample, coverage toward 90% by district and business type up to the
period's end, months whose plan was late or had no session; empty, single-day, future and no-data periods."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from db.engine import unit_of_work
from db.training_models import Evaluation, SignUp, TrainingSession
from portal.access.auth import PermissionDenied
from portal.center.workdays import ensure_calendar
from portal.dashboards import report as rpt
from portal.dashboards.period import DashboardFilter, center_today, month_filter
from portal.i18n import fmt_date
from portal.training import charts, monthly
from portal.training import dashboard as dash
from tests.training.support import academy_fixture, cst, english_fixture  # noqa: F401

YEAR = 2025
SEQ = iter(range(10_000))


def _session(academy, starts_at: datetime, state: str, approved_at: datetime | None = None) -> int:
    """A session written as it stands after its life so far (the dashboard only reads)."""
    with unit_of_work(engine=academy.engine) as s:
        ts = TrainingSession(course_id=academy.course_id, title=f"卷烟陈列技巧 {next(SEQ)}", starts_at=starts_at,
                             ends_at=starts_at + timedelta(hours=2), place="公司三楼培训室", format="lecture",
                             trainer_id=academy.trainer.id, capacity=100, state=state, approved_at=approved_at,
                             held_at=starts_at + timedelta(hours=2) if state == "held" else None,
                             cancel_reason="讲师临时出差" if state == "cancelled" else None)
        s.add(ts)
        s.flush()
        return ts.id


def _seat(academy, session_id: int, retailer: int, attended: bool | None = None,
          scores: tuple[int, int, int] | None = None, state: str = "signed_up") -> None:
    with unit_of_work(engine=academy.engine) as s:
        su = SignUp(session_id=session_id, retailer_id=academy.retailers[retailer], state=state,
                    signed_up_at=cst(1, 2, year=YEAR), attended=attended,
                    waitlist_position=1 if state == "waitlisted" else None,
                    cancel_reason="店里临时有事" if state == "cancelled" else None)
        s.add(su)
        s.flush()
        if scores:
            s.add(Evaluation(session_id=session_id, sign_up_id=su.id, score_content=scores[0], score_trainer=scores[1],
                             score_usefulness=scores[2]))


@pytest.fixture
def programme(academy):
    """Retailers 0–7 (even: 城东区 convenience; odd: 城西区 grocery).

    Dec 2024: one held session, retailer 3 attended (last year: not in 2025's coverage).
    Mar 2025 (plan approved Mar 3, deadline Mar 5: on time):
      A held Mar 10 — 0 ✓ eval 5/4/3, 1 ✓ eval 3/4/5, 2 ✓, 3 absent, 4 waiting, 5 cancelled;
      B held Mar 20 — 0 ✓, 6 ✓, 7 absent, no evaluation (short of the 10% sample);
      C cancelled Mar 25.
    Apr 2025: D approved, Apr 1 07:00 China time (still Mar 31 in UTC), approved Apr 8 — after the Apr 3 deadline.
    May 2025: nothing. Jun 2025: E, a draft never approved.
    """
    old = _session(academy, cst(12, 15, 10, year=YEAR - 1), "held", cst(12, 1, year=YEAR - 1))
    _seat(academy, old, 3, True)
    a = _session(academy, cst(3, 10, 10, year=YEAR), "held", cst(3, 3, 9, year=YEAR))
    for r, present, scores in ((0, True, (5, 4, 3)), (1, True, (3, 4, 5)), (2, True, None), (3, False, None)):
        _seat(academy, a, r, present, scores)
    _seat(academy, a, 4, state="waitlisted")
    _seat(academy, a, 5, state="cancelled")
    b = _session(academy, cst(3, 20, 14, year=YEAR), "held", cst(3, 3, 9, year=YEAR))
    for r, present in ((0, True), (6, True), (7, False)):
        _seat(academy, b, r, present)
    _session(academy, cst(3, 25, 9, year=YEAR), "cancelled", cst(3, 3, 9, year=YEAR))
    d = _session(academy, cst(4, 1, 7, year=YEAR), "approved", cst(4, 8, 9, year=YEAR))
    _seat(academy, d, 1)
    _session(academy, cst(6, 16, 9, year=YEAR), "draft")
    return academy


def _run(academy, fn, **kw):
    with unit_of_work(engine=academy.engine) as s:
        return fn(s, actor=academy.viewer, **kw)


def _year(**kw) -> DashboardFilter:
    return DashboardFilter(start=date(YEAR, 1, 1), end=date(YEAR, 12, 31), **kw)


def _by_month(frame, column) -> dict[str, object]:
    return {f"{b:%Y-%m}": v for b, v in zip(frame["bucket"], frame[column], strict=True)}


def test_sessions_per_month_by_state_in_center_days(programme):
    frame = _run(programme, dash.session_counts, flt=_year())
    assert _year().grain == "month"
    got = {(f"{b:%Y-%m}", s): n for b, s, n in zip(frame["bucket"], frame["state"], frame["sessions"], strict=True)}
    # the Apr 1 07:00 session is April's although it is still Mar 31 in UTC
    assert got == {("2025-03", "held"): 2, ("2025-03", "cancelled"): 1, ("2025-04", "approved"): 1,
                   ("2025-06", "draft"): 1}
    assert set(frame["state_label"]) == {"Held", "Cancelled", "Approved", "Draft"}


def test_attendance_rate_is_attended_over_seated_sign_ups_of_held_sessions(programme):
    frame = _run(programme, dash.attendance, flt=_year())
    # waiting list and cancelled sign-ups are not seats; the approved April session is not held yet
    assert list(frame["bucket"].dt.strftime("%Y-%m")) == ["2025-03"]
    row = frame.iloc[0]
    assert (row["sessions"], row["signed_up"], row["attended"], row["absent"]) == (2, 7, 5, 2)
    assert row["rate"] == pytest.approx(5 / 7)


def test_evaluation_share_and_average_scores_per_month(programme):
    frame = _run(programme, dash.evaluations, flt=_year())
    assert len(frame) == 1
    row = frame.iloc[0]
    assert (row["attended"], row["evaluated"]) == (5, 2)
    assert row["evaluation_share"] == pytest.approx(2 / 5)
    assert (row["score_content"], row["score_trainer"], row["score_usefulness"]) == (4.0, 4.0, 4.0)


def test_the_district_filter_keeps_its_retailers_sign_ups_and_the_sessions_they_reached(programme):
    east = _year(district="城东区")  # retailers 0, 2, 4, 6
    counts = _run(programme, dash.session_counts, flt=east)
    assert dict(zip(counts["state"], counts["sessions"], strict=True)) == {"held": 2}  # not C (none), not D (1)
    row = _run(programme, dash.attendance, flt=east).iloc[0]
    assert (row["signed_up"], row["attended"], row["absent"], row["rate"]) == (4, 4, 0, 1.0)
    ev = _run(programme, dash.evaluations, flt=east).iloc[0]
    assert (ev["evaluated"], ev["score_content"]) == (1, 5.0)
    nowhere = _year(district="城南区")
    for fn in (dash.session_counts, dash.attendance, dash.evaluations, dash.session_table):
        assert _run(programme, fn, flt=nowhere).empty, fn.__name__
    assert _run(programme, dash.coverage, flt=nowhere, dimension="district").empty


def test_coverage_counts_this_years_attendance_up_to_the_periods_end(programme):
    flt = DashboardFilter(start=date(YEAR, 3, 1), end=date(YEAR, 3, 31))
    districts = _run(programme, dash.coverage, flt=flt, dimension="district")
    # trained in 2025 by Mar 31: retailers 0, 1, 2, 6 (3 attended only in 2024)
    assert {k: (a, t) for k, a, t in zip(districts["key"], districts["active"], districts["trained"],
                                         strict=True)} == {"城东区": (4, 3), "城西区": (4, 1)}
    assert list(districts["key"]) == ["城西区", "城东区"]  # lowest coverage first
    assert list(districts["meets_target"]) == [False, False]
    types = _run(programme, dash.coverage, flt=flt, dimension="business_type")
    assert dict(zip(types["label"], types["share"], strict=True)) == {"Grocery": 0.25, "Convenience store": 0.75}
    assert _run(programme, dash.coverage_total, flt=flt) == pytest.approx(4 / 8)
    february = DashboardFilter(start=date(YEAR, 2, 1), end=date(YEAR, 2, 28))
    assert _run(programme, dash.coverage_total, flt=february) == 0.0
    east = _run(programme, dash.coverage, flt=DashboardFilter(start=flt.start, end=flt.end, district="城东区"),
                dimension="business_type")
    assert list(zip(east["key"], east["active"], east["trained"], strict=True)) == [("convenience", 4, 3)]


def test_a_district_reaching_90_percent_is_marked(programme):
    for r in (4,):  # 城东区: 0, 2, 6 trained; 4 attends in May → 4 of 4
        sid = _session(programme, cst(5, 12, 10, year=YEAR), "held", cst(5, 2, year=YEAR))
        _seat(programme, sid, r, True)
    frame = _run(programme, dash.coverage, flt=_year(), dimension="district")
    assert dict(zip(frame["key"], frame["meets_target"], strict=True)) == {"城东区": True, "城西区": False}


def test_months_without_a_session_or_an_approved_plan_in_time(programme):
    now = cst(11, 20, 12, year=YEAR + 1)
    frame = _run(programme, dash.plan_months, flt=DashboardFilter(start=date(YEAR, 2, 1), end=date(YEAR, 6, 30)),
                 now=now)
    got = {m: (n, t, d) for m, n, t, d in zip(frame["month_label"], frame["sessions"], frame["timing"],
                                              frame["deadline"], strict=True)}
    assert got == {
        "2025-02": (0, "no_sessions", date(2025, 2, 5)),
        "2025-03": (2, "on_time", date(2025, 3, 5)),  # the cancelled session is not a live one
        "2025-04": (1, "late", date(2025, 4, 3)),
        "2025-05": (0, "no_sessions", date(2025, 5, 5)),  # May 1 is a Thursday: 1, 2, 5 (plain Mon–Fri here)
        "2025-06": (0, "overdue", date(2025, 6, 4)),  # a draft is not a session of the plan, nor approved
    }
    assert list(frame.loc[frame["missed"], "month_label"]) == ["2025-02", "2025-04", "2025-05", "2025-06"]


def test_the_approval_deadline_follows_the_holiday_calendar(programme):
    with unit_of_work(engine=programme.engine) as s:
        ensure_calendar(s, years=[YEAR])  # National Day: Oct 1–8 off, Sat Oct 11 a make-up working day
    frame = _run(programme, dash.plan_months, flt=month_filter(date(YEAR, 10, 1)))
    assert list(frame["deadline"]) == [date(2025, 10, 11)]


def test_the_session_table_counts_each_sessions_sign_ups_and_the_10_percent_sample(programme):
    frame = _run(programme, dash.session_table, flt=month_filter(date(YEAR, 3, 1)))
    assert list(frame["state"]) == ["held", "held", "cancelled"]
    a, b, c = (frame.iloc[i] for i in range(3))
    assert (a["signed_up"], a["waitlisted"], a["attended"], a["absent"], a["evaluated"], a["required"]) == (
        4, 1, 3, 1, 2, 1)
    assert (a["score_content"], a["score_trainer"], a["score_usefulness"]) == (4.0, 4.0, 4.0)
    assert (b["attended"], b["evaluated"], b["required"]) == (2, 0, 1)
    assert (c["signed_up"], c["attended"]) == (0, 0) and c["score_content"] != c["score_content"]  # NaN
    assert a["course"] == "卷烟陈列技巧" and a["trainer"] == "周杰"
    newest = _run(programme, dash.session_table, flt=_year(), limit=2, newest_first=True)
    assert [f"{t:%m-%d}" for t in newest["starts_at"].dt.tz_convert("Asia/Shanghai")] == ["06-16", "04-01"]


def test_a_single_day_counts_that_days_sessions_only(programme):
    day = DashboardFilter(start=date(YEAR, 3, 10), end=date(YEAR, 3, 10))
    assert day.grain == "day"
    counts = _run(programme, dash.session_counts, flt=day)
    assert list(zip(counts["state"], counts["sessions"], strict=True)) == [("held", 1)]
    row = _run(programme, dash.attendance, flt=day).iloc[0]
    assert (row["signed_up"], row["attended"]) == (4, 3)
    assert list(_run(programme, dash.plan_months, flt=day)["month_label"]) == ["2025-03"]


def test_an_empty_period_has_no_data_but_a_past_month_without_sessions_still_counts_as_missed(programme):
    august = month_filter(date(YEAR, 8, 1))
    for fn in (dash.session_counts, dash.attendance, dash.evaluations, dash.session_table):
        assert _run(programme, fn, flt=august).empty, fn.__name__
    plan = _run(programme, dash.plan_months, flt=august)
    assert list(zip(plan["timing"], plan["missed"], strict=True)) == [("no_sessions", True)]
    figures = {f.label: f for f in _run(programme, dash.period_figures, flt=august)}
    assert figures["Sessions held"].value == 0 and figures["Attendance rate"].value is None


def test_a_future_range_has_no_data_at_all(programme):
    future = DashboardFilter(start=date(center_today().year + 1, 2, 1), end=date(center_today().year + 1, 4, 30))
    for fn in (dash.session_counts, dash.attendance, dash.evaluations, dash.session_table, dash.plan_months):
        assert _run(programme, fn, flt=future).empty, fn.__name__
    assert _run(programme, dash.coverage, flt=future, dimension="district").empty
    assert _run(programme, dash.coverage_total, flt=future) is None


def test_the_period_figures_compare_with_the_period_before(programme):
    figures = {f.label: f for f in _run(programme, dash.period_figures, flt=month_filter(date(YEAR, 3, 1)))}
    assert (figures["Sessions held"].value, figures["Sessions held"].previous) == (2, 0)
    assert figures["Attendees"].value == 5
    assert figures["Attendance rate"].value == pytest.approx(5 / 7) and figures["Attendance rate"].previous is None
    assert figures["Attendees who evaluated"].value == pytest.approx(0.4)
    assert figures["Coverage this year"].value == pytest.approx(0.5)
    assert figures["Coverage this year"].previous == 0.0 and figures["Coverage this year"].target == 0.9


def test_the_monthly_summary_has_the_sessions_totals_targets_and_due_date(programme):
    with unit_of_work(engine=programme.engine) as s:
        ensure_calendar(s, years=[YEAR])
        report = monthly.monthly_report(s, actor=programme.viewer, month=date(YEAR, 3, 17))
    assert report.title == "Training summary" and report.month == date(YEAR, 3, 1)
    f = {x.label: x for x in report.figures}
    assert (f["Sessions planned"].value, f["Sessions planned"].previous) == (2, 0)
    assert (f["Sessions held"].value, f["Signed up"].value, f["Attended"].value, f["Absent"].value) == (2, 7, 5, 2)
    assert f["Attendance rate"].value == pytest.approx(5 / 7) and f["Attendance rate"].kind == rpt.PERCENT
    assert f["Attendees who evaluated"].value == pytest.approx(0.4) and f["Attendees who evaluated"].target == 0.1
    assert f["Sessions short of the 10% sample"].value == 1  # B: two attendees, no evaluation
    assert f["Average content score"].value == 4.0 and f["Average content score"].kind == rpt.SCORE
    assert f["Coverage this year"].value == pytest.approx(0.5) and f["Coverage this year"].target == 0.9
    assert f"Due {fmt_date(date(2025, 4, 1))}, the first working day of the next month." in report.notes
    assert any("Approved on time" in n and fmt_date(date(2025, 3, 5)) in n for n in report.notes)
    sessions = dict(report.tables)["Sessions"]
    assert list(sessions["State"]) == ["Held", "Held", "Cancelled", ""]
    total = sessions.iloc[-1]
    assert (total["Date"], total["Signed up"], total["Attended"], total["Absent"], total["Evaluations"]) == (
        "Total (held sessions)", 7, 5, 2, 2)
    assert list(dict(report.tables)["Coverage by district"]["Coverage"]) == [0.25, 0.75]
    assert [title for title, _chart in report.charts] == [
        "Attendees per month, last 12 months", "Coverage by district", "Coverage by business type"]
    assert rpt.to_xlsx(report)[:2] == b"PK"
    page = rpt.to_html(report)
    assert "Total (held sessions)" in page and "<svg" in page


def test_the_summary_of_september_is_due_after_the_national_day_holiday(programme):
    with unit_of_work(engine=programme.engine) as s:
        ensure_calendar(s, years=[YEAR])
        report = monthly.monthly_report(s, actor=programme.viewer, month=date(YEAR, 9, 1))
    assert f"Due {fmt_date(date(2025, 10, 9))}, the first working day of the next month." in report.notes
    assert dict(report.tables)["Sessions"].empty
    assert {x.label: x.value for x in report.figures}["Sessions held"] == 0


def test_the_overview_shows_this_month_against_last_month(programme):
    figures = _run(programme, dash.overview)
    assert [f.label for f in figures] == ["Sessions held", "Attendees", "Attendance rate", "Coverage this year"]
    assert figures[0].value == 0 and figures[3].target == 0.9  # nothing in the test programme this month


def test_the_dashboard_needs_the_training_view_permission(programme):
    with unit_of_work(engine=programme.engine) as s, pytest.raises(PermissionDenied):
        dash.session_counts(s, actor=None, flt=_year())


def test_picked_month_reads_what_vega_reports():
    assert charts.picked_month("2025-03-01T00:00:00") == date(2025, 3, 1)
    local_midnight_in_shanghai = datetime(2025, 3, 1) - timedelta(hours=8)  # Mar 1 00:00 at UTC+8, as UTC
    ms = (local_midnight_in_shanghai - datetime(1970, 1, 1)).total_seconds() * 1000
    assert charts.picked_month(ms) == date(2025, 3, 1)
    assert charts.picked_month(None) is None and charts.picked_month("soon") is None


def test_every_chart_builds_from_its_frame_with_a_click_selection(programme):
    flt = _year()
    with unit_of_work(engine=programme.engine) as s:
        frames = {"sessions": dash.session_counts(s, actor=programme.viewer, flt=flt),
                  "attendance": dash.attendance(s, actor=programme.viewer, flt=flt),
                  "evaluations": dash.evaluations(s, actor=programme.viewer, flt=flt),
                  "coverage": dash.coverage(s, actor=programme.viewer, flt=flt, dimension="district"),
                  "plan": dash.plan_months(s, actor=programme.viewer, flt=flt)}
    built = [charts.sessions_chart(frames["sessions"], flt.grain),
             charts.attendees_chart(frames["attendance"], flt.grain),
             charts.attendance_rate_chart(frames["attendance"], flt.grain),
             charts.evaluation_share_chart(frames["evaluations"], flt.grain),
             charts.scores_chart(frames["evaluations"], flt.grain),
             charts.coverage_chart(frames["coverage"], "District"),
             charts.plan_chart(frames["plan"])]
    for chart in built:
        spec = chart.to_json()  # plain JSON (no dates or numpy values left in the data)
        assert '"name": "pick"' in spec
    plan = built[-1].to_dict()["datasets"]
    assert any(row.get("month_label") == "2025-04" and row["timing_label"] == "Approved late"
               for rows in plan.values() for row in rows)

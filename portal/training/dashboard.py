"""Training dashboard (零售客户培训): sessions and attendees, attendance rate, evaluation scores against the 10% sample,
coverage this year toward 90%, months whose plan was not approved in time or had no session — and the monthly
summary (培训记录汇总表).

Each metric is one aggregate query over the sessions that start in the period (on their start-time index). The
district filter keeps the sign-ups of that district's retailers (a session counts when one of them signed up);
sessions have no organising department, so the page hides the department filter. Coverage is
`portal.training.reports.coverage_report` (one GROUPING SETS scan), the plan's timing rule `plan.plan_timing`, the
summary's due date `reports.summary_due_date`: this module only cuts them by the dashboard's filter.
"""
from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

import altair as alt
import pandas as pd
from sqlalchemy import Select, exists, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from db.models import Retailer, User
from db.training_models import Evaluation, SignUp, TrainingCourse, TrainingSession
from portal.access.auth import CurrentUser, require
from portal.dashboards import charts
from portal.dashboards.period import (
    DAY,
    MONTH,
    WEEK,
    DashboardFilter,
    bucket,
    center_today,
    day_start,
    in_period,
    month_filter,
    previous_month,
)
from portal.dashboards.report import COUNT, PERCENT, SCORE, Figure, MonthlyReport, with_kinds
from portal.i18n import N_, _, fmt_date, fmt_datetime
from portal.training.attendance import EVALUATION_SHARE, SCORES
from portal.training.labels import FORMAT_LABELS, PLAN_TIMING_LABELS, SCORE_LABELS, SESSION_STATE_LABELS
from portal.training.plan import APPROVAL_WORKING_DAYS, PLANNED_STATES, plan_timing
from portal.training.reports import (
    COVERAGE_TARGET,
    CoverageReport,
    business_type_label,
    coverage_report,
    summary_due_date,
)
from portal.training.rules import VIEW, month_bounds, next_month, nth_working_day, work_calendar, year_bounds

PLAN_MISSED = ("no_sessions", "late", "overdue")  # a month that missed a target (pending is not late yet)
PLAN_COLORS = {"on_time": "#2ca02c", "pending": "#1f77b4", "late": "#ff7f0e", "overdue": "#d62728",
               "no_sessions": "#8c564b"}
GRAIN_TITLES = {DAY: N_("Day"), WEEK: N_("Week"), MONTH: N_("Month")}


# ---------------------------------------------------------------------------------------------------- metrics

def _of_district(flt: DashboardFilter) -> list[Any]:
    """The sign-up's retailer is in the filter's district (nothing when no district is chosen)."""
    if not flt.district:
        return []
    return [SignUp.retailer_id.in_(select(Retailer.id).where(Retailer.district == flt.district))]


def _frame(session: Session, stmt: Select, columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(session.execute(stmt).all(), columns=columns)
    if "bucket" in frame:
        frame["bucket"] = pd.to_datetime(frame["bucket"])
    return frame


def session_counts(session: Session, *, actor: CurrentUser, flt: DashboardFilter) -> pd.DataFrame:
    """Sessions starting in the period per bucket and state: bucket, state, state_label, sessions."""
    require(actor, VIEW)
    b = bucket(TrainingSession.starts_at, flt.grain).label("bucket")
    stmt = (select(b, TrainingSession.state, func.count()).where(in_period(TrainingSession.starts_at, flt))
            .group_by(b, TrainingSession.state).order_by(b, TrainingSession.state))
    if flt.district:
        stmt = stmt.where(exists().where(SignUp.session_id == TrainingSession.id, SignUp.state != "cancelled",
                                         *_of_district(flt)))
    frame = _frame(session, stmt, ["bucket", "state", "sessions"])
    frame["state_label"] = [_(SESSION_STATE_LABELS[s]) for s in frame["state"]]
    return frame


def _held_stats(session: Session, flt: DashboardFilter, *, by_bucket: bool) -> pd.DataFrame:
    """Held sessions of the period: seated sign-ups, attended, absent, evaluations of attendees and average scores,
    per bucket or in total (remembered for the unit of work: several charts and the figures read it).

    One scan serves the period's buckets, its totals and the totals of the period before (for the figures'
    change): sign-ups are counted per session first (a hash aggregate), then by GROUPING SETS per bucket and per
    period.
    """
    memo = session.info.setdefault("dashboard_training_held", {})
    if (flt, by_bucket) not in memo:
        _count_held(session, flt, memo)
    return memo[(flt, by_bucket)]


def _count_held(session: Session, flt: DashboardFilter, memo: dict) -> None:
    before = flt.previous()
    present = SignUp.attended.is_(True)
    held = (TrainingSession.state == "held", TrainingSession.starts_at >= before.bounds()[0],
            TrainingSession.starts_at < flt.bounds()[1])
    per_session = (select(SignUp.session_id, func.count().label("signed_up"),
                          func.count().filter(present).label("attended"),
                          func.count().filter(SignUp.attended.is_(False)).label("absent"),
                          func.count(Evaluation.id).filter(present).label("evaluated"),
                          *(func.sum(Evaluation.__table__.c[n]).filter(present).label(n) for n in SCORES))
                   .outerjoin(Evaluation, Evaluation.sign_up_id == SignUp.id)
                   .where(SignUp.session_id.in_(select(TrainingSession.id).where(*held)), SignUp.state == "signed_up",
                          *_of_district(flt))
                   .group_by(SignUp.session_id).subquery())
    counts = ("signed_up", "attended", "absent", "evaluated")
    b = bucket(TrainingSession.starts_at, flt.grain)
    current = TrainingSession.starts_at >= flt.bounds()[0]
    stmt = (select(b, current, func.grouping(b), func.count(TrainingSession.id),
                   *(func.coalesce(func.sum(per_session.c[n]), 0) for n in counts),
                   *(func.sum(per_session.c[n]) for n in SCORES))
            .select_from(TrainingSession)
            # with a district: only the sessions its retailers had a seat at
            .join(per_session, per_session.c.session_id == TrainingSession.id, isouter=not flt.district)
            .where(*held)
            .group_by(func.grouping_sets(tuple_(current, b), tuple_(current))))
    frame = pd.DataFrame(session.execute(stmt).all(),
                         columns=["bucket", "current", "totals", "sessions", *counts, *SCORES])
    for n in ("sessions", *counts):
        frame[n] = frame[n].astype(int)
    for n in SCORES:  # sums of scores → averages over the evaluations
        frame[n] = (frame[n].astype(float) / frame["evaluated"].where(frame["evaluated"] > 0)).astype(float)
    frame["rate"] = _share(frame["attended"], frame["signed_up"])
    frame["evaluation_share"] = _share(frame["evaluated"], frame["attended"])
    columns = ["sessions", *counts, *SCORES, "rate", "evaluation_share"]
    by_bucket = frame[(frame["totals"] == 0) & frame["current"]].sort_values("bucket")
    by_bucket = by_bucket.assign(bucket=pd.to_datetime(by_bucket["bucket"]))[["bucket", *columns]]
    memo[(flt, True)] = by_bucket.reset_index(drop=True)
    for period, is_current in ((flt, True), (before, False)):
        rows = frame[(frame["totals"] == 1) & (frame["current"] == is_current)]
        memo[(period, False)] = rows[columns].reset_index(drop=True)


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    """part / whole, NaN where whole is 0 (a rate of nothing is not 0%)."""
    return (part / whole.where(whole > 0)).astype(float)


def attendance(session: Session, *, actor: CurrentUser, flt: DashboardFilter) -> pd.DataFrame:
    """Held sessions per bucket: bucket, sessions, signed_up (seated), attended, absent, rate (attended / seated)."""
    require(actor, VIEW)
    frame = _held_stats(session, flt, by_bucket=True)
    return frame[frame["signed_up"] > 0][["bucket", "sessions", "signed_up", "attended", "absent", "rate"]]


def evaluations(session: Session, *, actor: CurrentUser, flt: DashboardFilter) -> pd.DataFrame:
    """Evaluations of held sessions per bucket: bucket, attended, evaluated, evaluation_share (target ≥ 10%) and
    the average score_content / score_trainer / score_usefulness (1–5)."""
    require(actor, VIEW)
    frame = _held_stats(session, flt, by_bucket=True)
    return frame[frame["attended"] > 0][["bucket", "attended", "evaluated", "evaluation_share", *SCORES]]


def session_table(session: Session, *, actor: CurrentUser, flt: DashboardFilter, limit: int | None = None,
                  newest_first: bool = False) -> pd.DataFrame:
    """The period's sessions (every state) with their sign-ups, attendance, evaluations and average scores.

    Columns: id, starts_at, title, course, format, trainer, place, state, capacity, signed_up, waitlisted,
    attended, absent, evaluated, required (evaluations the 10% sample needs), score_*. With a district, only
    sessions its retailers signed up for, counting their sign-ups. `limit` keeps the first (or newest) sessions.
    """
    require(actor, VIEW)
    order = (TrainingSession.starts_at.desc(), TrainingSession.id.desc()) if newest_first else (
        TrainingSession.starts_at, TrainingSession.id)
    picked = select(TrainingSession.id).where(in_period(TrainingSession.starts_at, flt)).order_by(*order)
    if flt.district:
        picked = picked.where(exists().where(SignUp.session_id == TrainingSession.id, SignUp.state != "cancelled",
                                             *_of_district(flt)))
    if limit is not None:
        picked = picked.limit(limit)
    present = SignUp.attended.is_(True)
    counts = (select(SignUp.session_id,
                     func.count().filter(SignUp.state == "signed_up").label("signed_up"),
                     func.count().filter(SignUp.state == "waitlisted").label("waitlisted"),
                     func.count().filter(present).label("attended"),
                     func.count().filter(SignUp.attended.is_(False)).label("absent"),
                     func.count(Evaluation.id).filter(present).label("evaluated"),
                     *(func.avg(Evaluation.__table__.c[n]).filter(present).label(n) for n in SCORES))
              .outerjoin(Evaluation, Evaluation.sign_up_id == SignUp.id)
              .where(SignUp.session_id.in_(picked.scalar_subquery()), SignUp.state != "cancelled",
                     *_of_district(flt))
              .group_by(SignUp.session_id).subquery())
    trainer = aliased(User)
    stmt = (select(TrainingSession.id, TrainingSession.starts_at, TrainingSession.title,
                   TrainingCourse.title.label("course"), TrainingSession.format, trainer.name.label("trainer"),
                   TrainingSession.place, TrainingSession.state, TrainingSession.capacity,
                   *(func.coalesce(counts.c[n], 0).label(n)
                     for n in ("signed_up", "waitlisted", "attended", "absent", "evaluated")),
                   *(counts.c[n] for n in SCORES))
            .join(TrainingCourse, TrainingCourse.id == TrainingSession.course_id)
            .join(trainer, trainer.id == TrainingSession.trainer_id)
            .outerjoin(counts, counts.c.session_id == TrainingSession.id)
            .where(TrainingSession.id.in_(picked.scalar_subquery()))
            .order_by(*order))
    columns = ["id", "starts_at", "title", "course", "format", "trainer", "place", "state", "capacity", "signed_up",
               "waitlisted", "attended", "absent", "evaluated", *SCORES]
    frame = _frame(session, stmt, columns)
    for n in SCORES:
        frame[n] = frame[n].astype(float)
    frame["required"] = [math.ceil(n * EVALUATION_SHARE) for n in frame["attended"]]
    return frame


def _coverage(session: Session, actor: CurrentUser, flt: DashboardFilter) -> CoverageReport | None:
    """Coverage of the year the period ends in, up to the period's end (None for a year still to come)."""
    year = flt.end.year
    if year > center_today().year:
        return None
    memo = session.info.setdefault("dashboard_training_coverage", {})
    key = (year, flt.district, flt.end)
    if key not in memo:
        memo[key] = coverage_report(session, actor=actor, year=year, district=flt.district,
                                    until=min(flt.bounds()[1], year_bounds(year)[1]))
    return memo[key]


def coverage(session: Session, *, actor: CurrentUser, flt: DashboardFilter, dimension: str) -> pd.DataFrame:
    """Coverage this year (the year the period ends in, up to its end) by "district" or "business_type": key,
    label, active, trained, share (target 90%), meets_target; lowest share first."""
    require(actor, VIEW)
    report = _coverage(session, actor, flt)
    columns = ["key", "label", "active", "trained", "share", "meets_target"]
    if report is None or not report.total.active:
        return pd.DataFrame(columns=columns)
    name = business_type_label if dimension == "business_type" else str
    return pd.DataFrame([(r.key, name(r.key), r.active, r.trained, r.share, r.meets_target)
                         for r in report.by[dimension] if r.key is not None and r.active], columns=columns)


def coverage_total(session: Session, *, actor: CurrentUser, flt: DashboardFilter) -> float | None:
    """The share of active retailers (of the district, if one is chosen) trained this year by the period's end."""
    require(actor, VIEW)
    report = _coverage(session, actor, flt)
    return report.total.share if report is not None else None


def plan_months(session: Session, *, actor: CurrentUser, flt: DashboardFilter,
                now: datetime | None = None) -> pd.DataFrame:
    """Each month the period touches: sessions in the plan (submitted, approved, held), held sessions, when the plan
    was approved, the approval deadline (the 3rd working day) and the plan's timing (PLAN_TIMING_LABELS); months
    after this one only when they have sessions. The whole center's plan: the district filter does not apply."""
    require(actor, VIEW)
    now = now or datetime.now(UTC)
    first, last = flt.start.replace(day=1), flt.end.replace(day=1)
    m = bucket(TrainingSession.starts_at, MONTH).label("month")
    stmt = (select(m, TrainingSession.state, TrainingSession.submitted_at, TrainingSession.approved_at)
            .where(TrainingSession.starts_at >= day_start(first), TrainingSession.starts_at < month_bounds(last)[1]))
    found: dict[date, list[tuple]] = {}
    for month_of, *row in session.execute(stmt):  # a few dozen sessions a month
        found.setdefault(month_of, []).append(tuple(row))
    calendar, this_month = work_calendar(session), center_today().replace(day=1)
    rows, month = [], first
    while month <= last:
        sessions = found.get(month, [])
        live = sum(state in PLANNED_STATES for state, *_t in sessions)
        held = sum(state == "held" for state, *_t in sessions)
        if month <= this_month or sessions:
            deadline = nth_working_day(calendar, month, APPROVAL_WORKING_DAYS)
            timing, approved = plan_timing(sessions, deadline=deadline, now=now)
            rows.append((month, f"{month:%Y-%m}", live, held, approved, deadline, timing,
                         _(PLAN_TIMING_LABELS[timing]), timing in PLAN_MISSED))
        month = next_month(month)
    return pd.DataFrame(rows, columns=["month", "month_label", "sessions", "held", "approved_at", "deadline",
                                       "timing", "timing_label", "missed"])


# ---------------------------------------------------------------------------------------------------- charts

def grain_title(grain: str) -> str:
    return _(GRAIN_TITLES[grain])


def sessions_chart(frame: pd.DataFrame, grain: str) -> alt.TopLevelMixin:
    """Sessions per bucket, stacked by state (held, approved, cancelled…)."""
    return charts.trend(frame, x="bucket", y="sessions", grain=grain, x_title=grain_title(grain),
                        y_title=_("Sessions"), color="state_label", color_title=_("State"))


def attendees_chart(frame: pd.DataFrame, grain: str) -> alt.TopLevelMixin:
    """Seated retailers of held sessions per bucket: attended and absent, stacked."""
    outcome = {"attended": _("Attended"), "absent": _("Absent")}
    long = frame.melt(id_vars=["bucket"], value_vars=list(outcome), var_name="outcome", value_name="retailers")
    long["outcome"] = long["outcome"].map(outcome)
    return charts.trend(long, x="bucket", y="retailers", grain=grain, x_title=grain_title(grain),
                        y_title=_("Retailers"), color="outcome", color_title=_("Attendance"))


def attendance_rate_chart(frame: pd.DataFrame, grain: str) -> alt.TopLevelMixin:
    return charts.trend(frame, x="bucket", y="rate", grain=grain, x_title=grain_title(grain),
                        y_title=_("Attendance rate"), mark="line", y_format=".0%")


def evaluation_share_chart(frame: pd.DataFrame, grain: str) -> alt.TopLevelMixin:
    return charts.trend(frame, x="bucket", y="evaluation_share", grain=grain, x_title=grain_title(grain),
                        y_title=_("Attendees who evaluated"), mark="line", y_format=".0%",
                        target=EVALUATION_SHARE, target_title=_("10% sample"))


def scores_chart(frame: pd.DataFrame, grain: str) -> alt.TopLevelMixin:
    """Average content, trainer and usefulness scores (1–5) per bucket, one line each."""
    long = frame.melt(id_vars=["bucket"], value_vars=list(SCORES), var_name="score", value_name="average")
    long["score"] = long["score"].map(lambda n: _(SCORE_LABELS[n]))
    return charts.trend(long.dropna(subset=["average"]), x="bucket", y="average", grain=grain,
                        x_title=grain_title(grain), y_title=_("Average score (1–5)"), color="score",
                        color_title=_("Score"), mark="line", y_format=".1f")


def coverage_chart(frame: pd.DataFrame, category_title: str) -> alt.TopLevelMixin:
    """Coverage per group as horizontal bars (0–100%), lowest first, with the 90% target as a dashed rule; a click
    picks the group's `key`."""
    reached, short = _("90% reached"), _("Below 90%")
    data = frame.assign(status=[reached if m else short for m in frame["meets_target"]])
    tooltip = [alt.Tooltip("label:N", title=category_title),
               alt.Tooltip("share:Q", title=_("Coverage"), format=".1%"),
               alt.Tooltip("trained:Q", title=_("Trained"), format=",d"),
               alt.Tooltip("active:Q", title=_("Active retailers"), format=",d")]
    bars = alt.Chart(data).mark_bar().encode(
        y=alt.Y("label:N", title=category_title, sort=alt.SortField("share"), axis=alt.Axis(labelLimit=220)),
        x=alt.X("share:Q", title=_("Coverage"), axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("status:N", title=_("Target"), scale=alt.Scale(domain=[reached, short],
                                                                       range=["#2ca02c", "#ff7f0e"]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=tooltip)
    rule = charts.target_rule("x", COVERAGE_TARGET, _("Target 90%"), ".0%", axis_title=_("Coverage"))
    return charts.layered(bars, rule, pick=["key"], height=max(60, min(28 * len(data), 600)) + 110)  # + axis, legend


def plan_chart(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """One tile per month coloured by the plan's timing, with its number of sessions; a click picks the month."""
    data = frame.assign(
        deadline_text=[fmt_date(d) for d in frame["deadline"]],
        approved_text=[fmt_datetime(a) if a is not None and not pd.isna(a) else "—" for a in frame["approved_at"]])
    codes = [c for c in PLAN_COLORS if c in set(frame["timing"])]
    x = alt.X("month_label:O", title=_("Month"), axis=alt.Axis(labelAngle=0))
    tooltip = [alt.Tooltip("month_label:N", title=_("Month")), alt.Tooltip("timing_label:N", title=_("Plan")),
               alt.Tooltip("sessions:Q", title=_("Sessions planned")), alt.Tooltip("held:Q", title=_("Held")),
               alt.Tooltip("deadline_text:N", title=_("Approval due")),
               alt.Tooltip("approved_text:N", title=_("Plan approved"))]
    y = alt.Y("top:Q", axis=None, scale=alt.Scale(domain=[0, 1]))  # one row of full-height tiles
    data = data.assign(top=1.0, middle=0.5)[[
        "month_label", "timing_label", "sessions", "held", "deadline_text", "approved_text", "top", "middle",
    ]]  # plain values only: the chart also goes to JSON (and to SVG in a report)
    tiles = alt.Chart(data).mark_bar(cornerRadius=3, stroke="white", strokeWidth=2).encode(
        x=x, y=y, color=alt.Color("timing_label:N", title=_("Plan"), legend=alt.Legend(orient="bottom"),
                             scale=alt.Scale(domain=[_(PLAN_TIMING_LABELS[c]) for c in codes],
                                             range=[PLAN_COLORS[c] for c in codes])),
        tooltip=tooltip)
    middle = alt.Y("middle:Q", axis=None, scale=alt.Scale(domain=[0, 1]))
    counts = alt.Chart(data).mark_text(color="white", fontWeight="bold").encode(x=x, y=middle, text="sessions:Q",
                                                                                tooltip=tooltip)
    return charts.layered(tiles, counts, pick=["month_label"], height=210)  # Streamlit counts axis and legend in it


def picked_month(value: Any) -> date | None:
    """The month of a clicked time bucket: Vega reports a date as text or as epoch milliseconds of local midnight
    (rounded to the nearest day, so any browser time zone within ±12 h gives the right day)."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10]).replace(day=1)
        except ValueError:
            return None
    if isinstance(value, int | float):
        day = datetime.fromtimestamp(value / 1000 + 12 * 3600, UTC).date()
        return day.replace(day=1)
    return None


# ---------------------------------------------------------------------------------------------------- overview & report

def _totals(session: Session, flt: DashboardFilter) -> dict[str, Any]:
    frame = _held_stats(session, flt, by_bucket=False)
    if frame.empty:
        return {"sessions": 0, "signed_up": 0, "attended": 0, "absent": 0, "evaluated": 0,
                **dict.fromkeys(SCORES), "rate": None, "evaluation_share": None}
    row = {k: (v.item() if hasattr(v, "item") else v) for k, v in frame.iloc[0].to_dict().items()}
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}


def coverage_pair(session: Session, *, actor: CurrentUser, flt: DashboardFilter,
                  before: DashboardFilter) -> tuple[float | None, float | None]:
    """Coverage this year at the end of `flt` and at the end of `before` — the latter only within the same year
    (coverage starts again from nothing each January)."""
    now = coverage_total(session, actor=actor, flt=flt)
    if before.end.year != flt.end.year:
        return now, None
    return now, coverage_total(session, actor=actor, flt=before)


def period_figures(session: Session, *, actor: CurrentUser, flt: DashboardFilter,
                   coverage: tuple[float | None, float | None] | None = None) -> list[Figure]:
    """The page's headline numbers for the period beside the period of the same length before it (`coverage`:
    the `coverage_pair` when the caller already has it, e.g. from a cache)."""
    require(actor, VIEW)
    before = flt.previous()
    now, then = _totals(session, flt), _totals(session, before)
    coverage = coverage or coverage_pair(session, actor=actor, flt=flt, before=before)
    return [
        Figure(_("Sessions held"), now["sessions"], then["sessions"]),
        Figure(_("Attendees"), now["attended"], then["attended"]),
        Figure(_("Attendance rate"), now["rate"], then["rate"], PERCENT),
        Figure(_("Attendees who evaluated"), now["evaluation_share"], then["evaluation_share"], PERCENT,
               EVALUATION_SHARE),
        Figure(_("Coverage this year"), *coverage, PERCENT, COVERAGE_TARGET),
    ]


def overview(session: Session, *, actor: CurrentUser) -> list[Figure]:
    """This month so far beside last month: sessions held, attendees, attendance rate, coverage this year."""
    require(actor, VIEW)
    month = center_today().replace(day=1)
    this, last = month_filter(month), month_filter(previous_month(month))
    now, before = _totals(session, this), _totals(session, last)
    return [
        Figure(_("Sessions held"), now["sessions"], before["sessions"]),
        Figure(_("Attendees"), now["attended"], before["attended"]),
        Figure(_("Attendance rate"), now["rate"], before["rate"], PERCENT),
        Figure(_("Coverage this year"), *coverage_pair(session, actor=actor, flt=this, before=last), PERCENT,
               COVERAGE_TARGET),
    ]


def _short_of_sample(table: pd.DataFrame) -> int:
    held = table[table["state"] == "held"]
    return int((held["evaluated"] < held["required"]).sum())


def monthly_report(session: Session, *, actor: CurrentUser, month: date) -> MonthlyReport:
    """培训记录汇总表: the month's sessions with sign-ups, attendance, evaluations and scores, totals, attendance
    rate, evaluation share, coverage year-to-date against 90%, whether the plan was approved in time — with the
    month before for comparison; due the first working day of the next month."""
    require(actor, VIEW)
    month = month.replace(day=1)
    flt, before_flt = month_filter(month), month_filter(previous_month(month))
    now, before = _totals(session, flt), _totals(session, before_flt)
    table, before_table = (session_table(session, actor=actor, flt=f) for f in (flt, before_flt))
    plan = plan_months(session, actor=actor, flt=flt)
    figures = [
        Figure(_("Sessions planned"), _live(table), _live(before_table)),
        Figure(_("Sessions held"), now["sessions"], before["sessions"]),
        Figure(_("Signed up"), now["signed_up"], before["signed_up"]),
        Figure(_("Attended"), now["attended"], before["attended"]),
        Figure(_("Absent"), now["absent"], before["absent"], higher_is_better=False),
        Figure(_("Attendance rate"), now["rate"], before["rate"], PERCENT),
        Figure(_("Evaluations"), now["evaluated"], before["evaluated"]),
        Figure(_("Attendees who evaluated"), now["evaluation_share"], before["evaluation_share"], PERCENT,
               EVALUATION_SHARE),
        Figure(_("Sessions short of the 10% sample"), _short_of_sample(table), _short_of_sample(before_table),
               COUNT, higher_is_better=False),
        *(Figure(_(label), now[n], before[n], SCORE) for n, label in _SCORE_FIGURES),
        Figure(_("Coverage this year"), *coverage_pair(session, actor=actor, flt=flt, before=before_flt), PERCENT,
               COVERAGE_TARGET),
    ]
    report = MonthlyReport(title=_("Training summary"), month=month, figures=figures)
    due = summary_due_date(session, month)
    report.notes.append(_("Due {day}, the first working day of the next month.").format(day=fmt_date(due)))
    report.notes.extend(_plan_notes(plan))
    trend = attendance(session, actor=actor, flt=DashboardFilter(start=_year_before(month), end=flt.end))
    if not trend.empty:
        report.charts.append((_("Attendees per month, last 12 months"), attendees_chart(trend, MONTH)))
    tables = [(_("Sessions"), _summary_rows(table, now))]
    for dim, title, name in (("district", _("Coverage by district"), _("District")),
                             ("business_type", _("Coverage by business type"), _("Business type"))):
        frame = coverage(session, actor=actor, flt=flt, dimension=dim)
        if not frame.empty:
            report.charts.append((title, coverage_chart(frame, name)))
        tables.append((title, _coverage_rows(frame, name)))
    report.tables.extend(tables)
    return report


_SCORE_FIGURES = (("score_content", N_("Average content score")), ("score_trainer", N_("Average trainer score")),
                  ("score_usefulness", N_("Average usefulness score")))


def _live(table: pd.DataFrame) -> int:
    return int((table["state"] != "cancelled").sum())


def _year_before(month: date) -> date:
    """The first day of the month eleven months before `month` (twelve months ending with it)."""
    for _step in range(11):
        month = previous_month(month)
    return month


def _plan_notes(plan: pd.DataFrame) -> list[str]:
    if plan.empty:
        return []
    row = plan.iloc[0]
    text = _("Monthly plan: {status} (approval due {deadline}).").format(
        status=row["timing_label"], deadline=fmt_date(row["deadline"]))
    if row["approved_at"] is not None and not pd.isna(row["approved_at"]):
        text += " " + _("Plan approved {when}.").format(when=fmt_datetime(row["approved_at"]))
    return [text]


def _summary_rows(table: pd.DataFrame, totals: dict[str, Any]) -> pd.DataFrame:
    """The sessions table of the summary with translated headers and a totals row (held sessions)."""
    scores = [_(label) for _n, label in _SCORE_FIGURES]
    headers = [_("Date"), _("Course"), _("Session"), _("Format"), _("Trainer"), _("Place"), _("State"),
               _("Signed up"), _("Attended"), _("Absent"), _("Evaluations"), *scores]
    rows = [[fmt_datetime(r.starts_at), r.course, r.title, _(FORMAT_LABELS[r.format]), r.trainer, r.place,
             _(SESSION_STATE_LABELS[r.state]), _count(r.signed_up), _count(r.attended), _count(r.absent),
             _count(r.evaluated), *(_round(getattr(r, n)) for n in SCORES)] for r in table.itertuples()]
    if rows:
        rows.append([_("Total (held sessions)"), "", "", "", "", "", "", _count(totals["signed_up"]),
                     _count(totals["attended"]), _count(totals["absent"]), _count(totals["evaluated"]),
                     *(_round(totals[n]) for n in SCORES)])
    return with_kinds(pd.DataFrame(rows, columns=headers).astype({h: "Int64" for h in headers[7:11]}),
                      dict.fromkeys(scores, SCORE))


def _count(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _coverage_rows(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Coverage per group: a share (shown as a percentage) and whether it reached 90% — "Yes" or "No", never blank."""
    table = pd.DataFrame([[r.label, int(r.active), int(r.trained), r.share, _("Yes") if r.meets_target else _("No")]
                          for r in frame.itertuples()],
                         columns=[name, _("Active retailers"), _("Trained"), _("Coverage"), _("90% reached")])
    return with_kinds(table, {_("Coverage"): PERCENT})


def _round(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 2)

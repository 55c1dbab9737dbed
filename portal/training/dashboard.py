"""Training dashboard (零售客户培训): sessions and attendees, attendance rate, evaluation scores against the 10% sample,
coverage this year toward 90%, months whose plan was not approved in time or had no session — the live metrics, the
page's headline figures and the home page's `overview`. Their charts are in `portal.training.charts`, the monthly
summary (培训记录汇总表) in `portal.training.monthly`.

Each metric is one aggregate query over the sessions that start in the period (on their start-time index). The
district filter keeps the sign-ups of that district's retailers (a session counts when one of them signed up);
sessions have no organising department, so the page hides the department filter. Coverage is
`portal.training.reports.coverage_report` (one GROUPING SETS scan), the plan's timing rule `plan.plan_timing`, the
summary's due date `reports.summary_due_date`: this module only cuts them by the dashboard's filter.
"""
from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Select, exists, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from db.models import Retailer, User
from db.training_models import SignUp, TrainingCourse, TrainingSession
from portal.access.auth import CurrentUser, require
from portal.center_time import utcnow
from portal.dashboards.period import (
    MONTH,
    DashboardFilter,
    bucket,
    center_today,
    day_start,
    in_period,
    month_filter,
    previous_month,
)
from portal.dashboards.report import PERCENT, Figure
from portal.i18n import _
from portal.training.attendance import EVALUATION_SHARE, SCORES
from portal.training.evaluations import average, evaluation_totals
from portal.training.labels import PLAN_TIMING_LABELS, SESSION_STATE_LABELS
from portal.training.plan import APPROVAL_WORKING_DAYS, PLANNED_STATES, plan_timing
from portal.training.reports import (
    COVERAGE_TARGET,
    CoverageReport,
    business_type_label,
    coverage_report,
)
from portal.training.rules import VIEW, month_bounds, next_month, nth_working_day, work_calendar, year_bounds

PLAN_MISSED = ("no_sessions", "late", "overdue")  # a month that missed a target (pending is not late yet)


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
    held_ids = select(TrainingSession.id).where(*held)
    seated = (select(SignUp.session_id, func.count().label("signed_up"),
                     func.count().filter(present).label("attended"),
                     func.count().filter(SignUp.attended.is_(False)).label("absent"))
              .where(SignUp.session_id.in_(held_ids), SignUp.state == "signed_up", *_of_district(flt))
              .group_by(SignUp.session_id).subquery())
    evaluated = evaluation_totals(held_ids, district_condition=_of_district(flt))  # anonymous forms too
    per_session = (select(seated, func.coalesce(evaluated.c.evaluated, 0).label("evaluated"),
                          *(evaluated.c[f"sum_{n}"].label(n) for n in SCORES))
                   .outerjoin(evaluated, evaluated.c.session_id == seated.c.session_id).subquery())
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
    seated = (select(SignUp.session_id,
                     func.count().filter(SignUp.state == "signed_up").label("signed_up"),
                     func.count().filter(SignUp.state == "waitlisted").label("waitlisted"),
                     func.count().filter(present).label("attended"),
                     func.count().filter(SignUp.attended.is_(False)).label("absent"))
              .where(SignUp.session_id.in_(picked.scalar_subquery()), SignUp.state != "cancelled",
                     *_of_district(flt))
              .group_by(SignUp.session_id).subquery())
    evaluated = evaluation_totals(picked.scalar_subquery(), district_condition=_of_district(flt))
    counts = (select(seated, func.coalesce(evaluated.c.evaluated, 0).label("evaluated"),
                     *(average(evaluated, n).label(n) for n in SCORES))
              .outerjoin(evaluated, evaluated.c.session_id == seated.c.session_id).subquery())
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
    now = now or utcnow()
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


# ---------------------------------------------------------------------------------------------------- overview

def period_totals(session: Session, flt: DashboardFilter) -> dict[str, Any]:
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
    now, then = period_totals(session, flt), period_totals(session, before)
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
    now, before = period_totals(session, this), period_totals(session, last)
    return [
        Figure(_("Sessions held"), now["sessions"], before["sessions"]),
        Figure(_("Attendees"), now["attended"], before["attended"]),
        Figure(_("Attendance rate"), now["rate"], before["rate"], PERCENT),
        Figure(_("Coverage this year"), *coverage_pair(session, actor=actor, flt=this, before=last), PERCENT,
               COVERAGE_TARGET),
    ]

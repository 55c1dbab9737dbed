"""What the complaint dashboard counts, and the building blocks of its queries over the complaints themselves.

Which complaints count: those *received* in the period (the cohort), without invalid complaints and duplicates
(they are not complaints the center handled), that the reader may see and the filter selects (`scope_conditions`).
Working-day arithmetic in SQL: a one-row CTE holds, for each day of the range, the number of working days before
it (`calendar_days` over Mon–Fri); the working time between two moments is the difference of their ordinals.
Also here: the per-bucket frame with every bucket of the period, and the labels of categories, grades, channels
and departments. portal/complaints/dashboard.py and day_figures.py build on these.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Float, Integer, and_, cast, column, func, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from db.complaint_models import Complaint
from db.models import ComplaintCategory, Department, Retailer
from portal.access.auth import CurrentUser, require
from portal.center.sla import CENTER_TZ
from portal.complaints.labels import CHANNEL_LABELS, GRADE_LABELS
from portal.complaints.queries import state_in, visible_condition
from portal.dashboards.period import DashboardFilter, buckets, in_period
from portal.i18n import _, current_language

VIEW = "complaints.view"
VALID_STATES = ("registered", "assigned", "in_progress", "replied", "followed_up", "closed")
SATISFIED = ("satisfied", "basically_satisfied")
EPOCH = date(1970, 1, 1)  # date_part("epoch") counts from here


# --- the rows a dashboard counts ------------------------------------------------------------------------

def scope_conditions(actor: CurrentUser, flt: DashboardFilter, *, period: bool = True,
                     states: tuple[str, ...] = VALID_STATES) -> list[ColumnElement[bool]]:
    """The complaints `actor` may see that the filter selects (received in the period, department, district), in
    `states` (by default the valid ones: not closed as invalid or duplicate)."""
    require(actor, VIEW)
    where = [state_in(states)]
    if period:
        where.append(in_period(Complaint.received_at, flt))
    if flt.department_id is not None:
        where.append(Complaint.department_id == flt.department_id)
    if flt.district:
        where.append(Complaint.retailer_id.in_(select(Retailer.id).where(Retailer.district == flt.district)))
    visible = visible_condition(actor)
    if visible is not None:
        where.append(visible)
    return where


def working_day_ordinals(first: date, last: date) -> Any:
    """A one-row CTE: `before[i]` = working days before day `first + i - 1`, for every day first … last + 1."""
    sql = text(
        "SELECT array_agg(s.before ORDER BY s.day) AS before FROM ("
        " SELECT g.day, (sum(g.w) OVER (ORDER BY g.day) - g.w)::int AS before FROM ("
        "  SELECT d::date AS day, coalesce(c.is_working_day, extract(isodow FROM d) < 6)::int AS w"
        "  FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS d"
        "  LEFT JOIN calendar_days c ON c.day = d::date) g) s"
    ).bindparams(first=first, last=last + timedelta(days=1))
    return sql.columns(column("before", ARRAY(Integer))).cte("working_days")


def days_since(first: date, moment: Any) -> ColumnElement[Any]:
    """`moment` as days (with the fraction of the day) since midnight starting `first`, on the center's clock."""
    local_seconds = func.date_part("epoch", func.timezone(str(CENTER_TZ), moment))
    return local_seconds / 86400.0 - (first - EPOCH).days


def working_ordinal(days: Any, day_number: Any) -> ColumnElement[Any]:
    """Working days from `first` to a moment given as `days_since(first, moment)` (hours on working days / 24):
    the difference of two ordinals is the working time between the two moments."""
    before = select(days.c.before).scalar_subquery()  # an InitPlan: evaluated once, not carried along each row
    whole = cast(func.floor(day_number), Integer)
    at = before[whole + 1]
    return at + (before[whole + 2] - at) * (day_number - func.floor(day_number))


def _rate(part: Any, whole: Any) -> ColumnElement[Any]:
    return cast(part, Float) / cast(func.nullif(whole, 0), Float)


def cohort_rows(actor: CurrentUser, flt: DashboardFilter, first: date) -> Any:
    """The rows the figures count, with receipt and answer as days since `first`. OFFSET 0 keeps the planner from
    merging it into the aggregate, so each row's time-zone arithmetic runs once (not once per use)."""
    c = Complaint
    return (select(c.received_at, c.first_replied_at, c.first_reply_due_at, c.replied_at, c.resolution_due_at,
                   c.followed_up_at, c.satisfaction, c.reopen_count, c.paused_since,
                   days_since(first, c.received_at).label("received_day"),
                   days_since(first, c.replied_at).label("replied_day"))
            .where(*scope_conditions(actor, flt)).offset(0).subquery("cohort"))


def quality_columns(c: Any, days: Any, now: datetime) -> list[ColumnElement[Any]]:
    """The counts and rates of `trend` and `summary` over the cohort `c` (one pass)."""
    clock_now = func.coalesce(c.paused_since, now)  # a paused clock is late only if it was at pausing
    reply_due = or_(c.first_replied_at.is_not(None), c.first_reply_due_at <= clock_now)
    reply_on_time = c.first_replied_at <= c.first_reply_due_at
    resolution_due = or_(c.replied_at.is_not(None), c.resolution_due_at <= clock_now)
    on_time = c.replied_at <= c.resolution_due_at
    answered = c.replied_at.is_not(None)
    followed = and_(answered, c.followed_up_at >= c.replied_at)
    handling = working_ordinal(days, c.replied_day) - working_ordinal(days, c.received_day)  # NULL if unanswered
    surveyed, satisfied = c.satisfaction.is_not(None), c.satisfaction.in_(SATISFIED)
    reopened = and_(answered, c.reopen_count > 0)
    n = func.count()
    return [
        n.label("complaints"),
        n.filter(reply_due).label("reply_due"), n.filter(reply_on_time).label("replied_in_time"),
        _rate(n.filter(reply_on_time), n.filter(reply_due)).label("reply_rate"),
        n.filter(resolution_due).label("resolution_due"), n.filter(on_time).label("resolved_in_time"),
        _rate(n.filter(on_time), n.filter(resolution_due)).label("on_time_rate"),
        n.filter(answered).label("answered"),
        func.avg(handling).label("avg_days"),
        func.percentile_cont(0.9).within_group(handling).label("p90_days"),
        n.filter(followed).label("followed_up"), _rate(n.filter(followed), n.filter(answered)).label("follow_up_rate"),
        n.filter(surveyed).label("surveyed"), n.filter(satisfied).label("satisfied"),
        _rate(n.filter(satisfied), n.filter(surveyed)).label("satisfaction_rate"),
        n.filter(reopened).label("reopened"), _rate(n.filter(reopened), n.filter(answered)).label("reopen_rate"),
    ]


def ordinal_range(flt: DashboardFilter, now: datetime) -> tuple[date, date]:
    """The days a cohort's receipts and answers fall on: the period up to today (answers come later)."""
    return flt.start, max(flt.end, now.astimezone(CENTER_TZ).date()) + timedelta(days=1)


def filled_buckets(flt: DashboardFilter, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Per-bucket figures with every bucket of the period (no complaints: counts 0, rates and times empty)."""
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    full = pd.DataFrame({"bucket": buckets(flt)}).merge(frame, on="bucket", how="left")
    counts = [c for c in full.columns if c not in ("bucket", "avg_days", "p90_days") and not c.endswith("_rate")]
    full[counts] = full[counts].fillna(0).astype(int)
    full["bucket"] = pd.to_datetime(full["bucket"])
    return full


# --- labels ---------------------------------------------------------------------------------------------------

def localized_names(session: Session, model: Any) -> dict[int, str]:
    zh = current_language() == "zh_CN"
    return {i: (name_zh if zh else name_en)
            for i, name_en, name_zh in session.execute(select(model.id, model.name_en, model.name_zh))}


def group_label(session: Session, by: str, key: Any) -> str:
    if by == "grade":
        return _(GRADE_LABELS[key])
    if by == "channel":
        return _(CHANNEL_LABELS[key])
    if key is None:
        return _("Not assigned yet")
    cache = session.info.setdefault(f"dashboard_names_{by}_{current_language()}", {})
    if not cache:
        cache.update(localized_names(session, ComplaintCategory if by == "category" else Department))
    return cache.get(key, str(key))

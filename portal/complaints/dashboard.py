"""Complaint dashboard and monthly complaint analysis (投诉分析): every figure is one aggregate query in PostgreSQL.

Which complaints count: those *received* in the period (the cohort), without invalid complaints and duplicates
(they are not complaints the center handled). Of those:
- 24-hour reply rate: first replies made by the first-reply due time, among complaints whose first reply was made
  or is overdue (a clock still running on time is not counted yet); due times are the stored SLA clocks, so
  working days, holidays and pauses count exactly as on the complaint itself;
- on-time resolution rate: answers (replied) by the resolution due time, counted the same way;
- handling time: working days from receipt to the answer (hours on working days / 24, the center's calendar);
- follow-up rate (target 100%): answered complaints followed up since their answer;
- satisfaction rate (target 98%): satisfied or basically satisfied at the latest follow-up, among those followed up;
- reopen rate: answered complaints reopened at least once (a dissatisfied follow-up);
- repeat complainants: phone numbers with two or more complaints in the period.
Working-day arithmetic in SQL: a one-row CTE holds, for each day of the range, the number of working days before
it (`calendar_days` over Mon–Fri); the working time between two moments is the difference of their ordinals.
Readers who see every complaint get the figures from each day's stored figures (complaint_dashboard_days, kept
exact by triggers: see "day figures" below) plus a live count of what is overdue now; others count the complaints.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import altair as alt
import pandas as pd
from sqlalchemy import Date, Float, Integer, and_, case, cast, column, func, literal, or_, select, text, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from db.complaint_models import OPEN_STATES, Complaint
from db.models import ComplaintCategory, Department, Retailer
from portal.access.auth import CurrentUser, require
from portal.center.sla import CENTER_TZ
from portal.complaints.labels import CHANNEL_LABELS, GRADE_LABELS
from portal.complaints.queries import display_phone, state_in, visible_condition
from portal.complaints.rules import utcnow
from portal.dashboards import charts
from portal.dashboards.period import (
    DAY,
    MONTH,
    WEEK,
    DashboardFilter,
    bucket,
    buckets,
    center_today,
    in_period,
    month_filter,
    previous_month,
)
from portal.dashboards.report import COUNT, DAYS, NUMBER, PERCENT, Figure, MonthlyReport
from portal.i18n import N_, _, current_language
from portal.records.filters import ANY_OF, BETWEEN, EMPTY, IS, Filter

VIEW = "complaints.view"
VALID_STATES = ("registered", "assigned", "in_progress", "replied", "followed_up", "closed")
SATISFIED = ("satisfied", "basically_satisfied")
FOLLOW_UP_TARGET, SATISFACTION_TARGET = 1.0, 0.98
REPLY_TARGET = ON_TIME_TARGET = 1.0  # every complaint answered within 24 hours and resolved within its limit
PER_RETAILERS = 10_000
# backlog age buckets in working days since receipt: [low, high) and their labels (limits: 2 and 4 working days)
AGE_BUCKETS: tuple[tuple[float, float | None, str], ...] = (
    (0, 1, N_("under 1")), (1, 2, N_("1–2")), (2, 4, N_("2–4")), (4, 10, N_("4–10")), (10, None, N_("10 or more")))
EPOCH = date(1970, 1, 1)  # date_part("epoch") counts from here
BACKLOG_HORIZON = 400  # days: older open complaints are simply "10 working days or more"
DIMENSIONS = ("category", "grade", "channel", "department")


# --- the rows a dashboard counts ------------------------------------------------------------------------

def _scope(actor: CurrentUser, flt: DashboardFilter, *, period: bool = True) -> list[ColumnElement[bool]]:
    """The complaints `actor` may see that the filter selects (received in the period, department, district)."""
    require(actor, VIEW)
    where = [state_in(VALID_STATES)]
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


def _cohort(actor: CurrentUser, flt: DashboardFilter, first: date) -> Any:
    """The rows the figures count, with receipt and answer as days since `first`. OFFSET 0 keeps the planner from
    merging it into the aggregate, so each row's time-zone arithmetic runs once (not once per use)."""
    c = Complaint
    return (select(c.received_at, c.first_replied_at, c.first_reply_due_at, c.replied_at, c.resolution_due_at,
                   c.followed_up_at, c.satisfaction, c.reopen_count, c.paused_since,
                   days_since(first, c.received_at).label("received_day"),
                   days_since(first, c.replied_at).label("replied_day"))
            .where(*_scope(actor, flt)).offset(0).subquery("cohort"))


def _quality_columns(c: Any, days: Any, now: datetime) -> list[ColumnElement[Any]]:
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


def _ordinal_range(flt: DashboardFilter, now: datetime) -> tuple[date, date]:
    """The days a cohort's receipts and answers fall on: the period up to today (answers come later)."""
    return flt.start, max(flt.end, now.astimezone(CENTER_TZ).date()) + timedelta(days=1)


# --- metrics ------------------------------------------------------------------------------------------------

def trend_and_summary(session: Session, *, actor: CurrentUser, flt: DashboardFilter,
                      now: datetime | None = None, total_percentile: bool = True
                      ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """`trend` and `summary` in one pass (GROUPING SETS: per bucket, and for the whole period); without
    `total_percentile` the summary's p90_days may be None (the page shows the per-bucket ones only)."""
    now = now or utcnow()
    if _from_days(actor, flt):
        return _trend_from_days(session, actor=actor, flt=flt, now=now, total_percentile=total_percentile)
    first, last = _ordinal_range(flt, now)
    days = working_day_ordinals(first, last)
    rows = _cohort(actor, flt, first)
    b = bucket(rows.c.received_at, flt.grain).label("bucket")
    session.execute(text("SET LOCAL work_mem = '32MB'"))  # the 90th percentile sorts a year of answers in memory
    stmt = (select(b, *_quality_columns(rows.c, days, now)).select_from(rows)
            .group_by(func.grouping_sets(tuple_(b), tuple_())).order_by(b))
    result = [dict(r) for r in session.execute(stmt).mappings()]
    per_bucket = [r for r in result if r["bucket"] is not None]
    total = next(r for r in result if r["bucket"] is None)
    del total["bucket"]
    return _filled(flt, per_bucket), total


def _filled(flt: DashboardFilter, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Per-bucket figures with every bucket of the period (no complaints: counts 0, rates and times empty)."""
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    full = pd.DataFrame({"bucket": buckets(flt)}).merge(frame, on="bucket", how="left")
    counts = [c for c in full.columns if c not in ("bucket", "avg_days", "p90_days") and not c.endswith("_rate")]
    full[counts] = full[counts].fillna(0).astype(int)
    full["bucket"] = pd.to_datetime(full["bucket"])
    return full


def trend(session: Session, *, actor: CurrentUser, flt: DashboardFilter, now: datetime | None = None) -> pd.DataFrame:
    """Per bucket of the period: complaints, 24-hour reply rate, on-time rate, handling time (average and 90th
    percentile, working days), follow-up, satisfaction and reopen rates (empty buckets have 0 complaints)."""
    return trend_and_summary(session, actor=actor, flt=flt, now=now)[0]


def summary(session: Session, *, actor: CurrentUser, flt: DashboardFilter, now: datetime | None = None,
            percentile: bool = True) -> dict[str, Any]:
    """The same figures as `trend` for the whole period (rates None when there is nothing to divide by); without
    `percentile`, p90_days is None and the query sorts nothing (for a comparison with the period before)."""
    now = now or utcnow()
    if _from_days(actor, flt):
        return _trend_from_days(session, actor=actor, flt=flt, now=now, per_bucket=False, percentile=percentile)[1]
    first, last = _ordinal_range(flt, now)
    days = working_day_ordinals(first, last)
    rows = _cohort(actor, flt, first)
    session.execute(text("SET LOCAL work_mem = '32MB'"))
    columns = [col for col in _quality_columns(rows.c, days, now) if percentile or col.name != "p90_days"]
    figures = dict(session.execute(select(*columns).select_from(rows)).mappings().one())
    return {"p90_days": None} | figures


def counts(session: Session, *, actor: CurrentUser, flt: DashboardFilter,
           dims: tuple[str, ...] = DIMENSIONS) -> dict[str, pd.DataFrame]:
    """Complaints of the period by bucket and category ("volume": bucket, category_id, category, complaints) and by
    each of `dims` (key, label, complaints, most first) — one pass over the period (GROUPING SETS)."""
    if unknown := set(dims) - set(DIMENSIONS):
        raise ValueError(f"unknown dimensions {sorted(unknown)}; use some of {DIMENSIONS}")
    if _from_days(actor, flt) and not (flt.district and "department" in dims):
        return _counts_from_days(session, actor=actor, flt=flt, dims=dims)
    c = Complaint
    b = bucket(c.received_at, flt.grain)
    columns = {"category": c.category_id, "grade": c.grade, "channel": c.channel, "department": c.department_id}
    keys = {"bucket": b, "category": c.category_id} | {d: columns[d] for d in dims}  # GROUPING() takes only these
    sets = [tuple_(b, c.category_id), *[tuple_(columns[d]) for d in dims]]
    stmt = (select(*[k.label(name) for name, k in keys.items()],
                   *[func.grouping(k).label(f"g_{name}") for name, k in keys.items()], func.count().label("n"))
            .where(*_scope(actor, flt)).group_by(func.grouping_sets(*sets)))
    rows = session.execute(stmt).mappings().all()
    volume_rows = [(r["bucket"], r["category"], r["n"]) for r in rows if r["g_bucket"] == 0]
    frame = pd.DataFrame(sorted(volume_rows), columns=["bucket", "category_id", "complaints"])
    frame["category"] = frame["category_id"].map(_names(session, ComplaintCategory)).astype(str)
    frame["bucket"] = pd.to_datetime(frame["bucket"])
    out = {"volume": frame}
    for dim in dims:
        picked = sorted(((r[dim], r["n"]) for r in rows if r["g_bucket"] == 1 and r[f"g_{dim}"] == 0),
                        key=lambda kn: (-kn[1], str(kn[0])))
        out[dim] = pd.DataFrame([(k, _label(session, dim, k), n) for k, n in picked],
                                columns=["key", "label", "complaints"]).astype({"key": object})
    return out


def volume(session: Session, *, actor: CurrentUser, flt: DashboardFilter) -> pd.DataFrame:
    """Complaints per bucket and category (bucket, category_id, category, complaints)."""
    return counts(session, actor=actor, flt=flt, dims=())["volume"]


def breakdown(session: Session, *, actor: CurrentUser, flt: DashboardFilter, by: str) -> pd.DataFrame:
    """Complaints of the period by category, grade, channel or department (key, label, complaints), most first."""
    return counts(session, actor=actor, flt=flt, dims=(by,))[by]


def backlog(session: Session, *, actor: CurrentUser, flt: DashboardFilter, now: datetime | None = None) -> pd.DataFrame:
    """Open complaints now (any receipt date; department and district as filtered) by working days since receipt:
    age (label), complaints, and the first and last receipt day in each bucket (for the link to the grid)."""
    now = now or utcnow()
    today = now.astimezone(CENTER_TZ).date()
    first = today - timedelta(days=BACKLOG_HORIZON)
    days = working_day_ordinals(first, today)
    since = func.greatest(Complaint.received_at, literal(datetime.combine(first, datetime.min.time(), CENTER_TZ)))
    age = working_ordinal(days, days_since(first, literal(now))) - working_ordinal(days, days_since(first, since))
    received_day = cast(func.timezone(str(CENTER_TZ), Complaint.received_at), Date)
    rows = (select(age.label("age"), received_day.label("day")).select_from(Complaint)
            .where(state_in(OPEN_STATES), *_scope(actor, flt, period=False))
            .offset(0).subquery("open"))  # OFFSET 0: each row's age is worked out once, not once per bucket tested
    order = case(*[(rows.c.age < high, i) for i, (_low, high, _label) in enumerate(AGE_BUCKETS) if high is not None],
                 else_=len(AGE_BUCKETS) - 1).label("age_order")
    stmt = (select(order, func.count().label("complaints"), func.min(rows.c.day).label("first_day"),
                   func.max(rows.c.day).label("last_day")).group_by(order).order_by(order))
    frame = pd.DataFrame(session.execute(stmt).all(), columns=["age_order", "complaints", "first_day", "last_day"])
    frame.insert(0, "age", [_(AGE_BUCKETS[i][2]) for i in frame["age_order"]])
    return frame


def root_causes(session: Session, *, actor: CurrentUser, flt: DashboardFilter, limit: int = 10) -> pd.DataFrame:
    """The most frequent root causes found by investigation (root_cause, complaints, all_with_cause: the total
    over every cause, so a Pareto line shows shares of the whole)."""
    if _from_days(actor, flt):
        return _causes_from_days(session, actor=actor, flt=flt, limit=limit)
    cause = func.btrim(Complaint.root_cause)
    n = func.count()
    stmt = (select(cause.label("root_cause"), n.label("complaints"), cast(func.sum(n).over(), Integer))
            .where(*_scope(actor, flt), func.coalesce(cause, "") != "")
            .group_by(cause).order_by(n.desc(), cause).limit(limit))
    return pd.DataFrame(session.execute(stmt).all(), columns=["root_cause", "complaints", "all_with_cause"])


def repeat_complainants(session: Session, *, actor: CurrentUser, flt: DashboardFilter,
                        limit: int = 20) -> pd.DataFrame:
    """Phone numbers with two or more complaints in the period, most first (phone masked as `actor` must see it):
    phone, raw_phone (for links; empty for viewers), complainant, complaints, last_received, repeaters (how
    many such numbers in all) and their_complaints (how many complaints they made in all)."""
    n = func.count()
    session.execute(text("SET LOCAL work_mem = '32MB'"))  # a year's phone numbers hashed in memory, not on disk
    stmt = (select(Complaint.complainant_phone, n.label("complaints"),
                   func.max(Complaint.received_at), func.count().over(), cast(func.sum(n).over(), Integer))
            .where(*_scope(actor, flt), Complaint.complainant_phone.is_not(None))
            .group_by(Complaint.complainant_phone).having(n > 1)
            .order_by(n.desc(), func.max(Complaint.received_at).desc()).limit(limit))
    found = session.execute(stmt).all()
    # the names only for the numbers shown: reading them for every number would leave the covering index
    names = dict(session.execute(
        select(Complaint.complainant_phone, func.max(Complaint.complainant_name))
        .where(*_scope(actor, flt), Complaint.complainant_phone.in_([r[0] for r in found]))
        .group_by(Complaint.complainant_phone)).all()) if found else {}
    rows = [(phone, names.get(phone), k, last, total, made) for phone, k, last, total, made in found]
    shown = [display_phone(actor, phone) for phone, *_rest in rows]
    raw = [phone if shown_phone == phone else "" for (phone, *_rest), shown_phone in zip(rows, shown, strict=True)]
    return pd.DataFrame([(s, r, name, k, last, total, made) for s, r, (_p, name, k, last, total, made)
                         in zip(shown, raw, rows, strict=True)],
                        columns=["phone", "raw_phone", "complainant", "complaints", "last_received", "repeaters",
                                 "their_complaints"])


def per_district(session: Session, *, actor: CurrentUser, flt: DashboardFilter,
                 active: dict[str, int] | None = None) -> pd.DataFrame:
    """Complaints from retailers per 10,000 active retailers, by the retailer's district (district, complaints,
    retailers, per_10k); complaints not linked to a retailer have no district and are left out. `active`: the
    active retailers per district, when the caller has counted them already."""
    if _from_days(actor, flt) and flt.department_id is None:
        found = _district_counts_from_days(session, flt)
    else:
        found = dict(session.execute(
            select(Retailer.district, func.count()).select_from(Complaint)
            .join(Retailer, Retailer.id == Complaint.retailer_id).where(*_scope(actor, flt))
            .group_by(Retailer.district)).all())
    if active is None:
        active = active_retailers(session, district=flt.district)
    elif flt.district:
        active = {flt.district: active[flt.district]} if flt.district in active else {}
    rows = [(district, found.get(district, 0), n, found.get(district, 0) * PER_RETAILERS / n)
            for district, n in active.items() if n]
    frame = pd.DataFrame(sorted(rows, key=lambda r: (-r[3], r[0])),
                         columns=["district", "complaints", "retailers", "per_10k"])
    return frame if frame["complaints"].sum() else frame.iloc[0:0]


def active_retailers(session: Session, *, district: str | None = None) -> dict[str, int]:
    """Active retailers now, per district (only `district`'s when given)."""
    stmt = select(Retailer.district, func.count()).where(Retailer.status == "active").group_by(Retailer.district)
    if district:
        stmt = stmt.where(Retailer.district == district)
    return dict(session.execute(stmt).all())


# --- day figures: complaint_dashboard_days (migration 0010) -------------------------------------------------
# Each center day's figures that do not depend on "now", for the whole center (level 0), per handling department
# (1) and per retailer district (2). Triggers drop a day's rows whenever one of its complaints is written (also a
# retailer's district, the calendar); every read computes the days it lacks from the complaints in the same
# statement (so it is exact at its snapshot), and the missing days are then stored under DAYS_LOCK, which the
# triggers take shared: a day is never stored from a snapshot that misses a committed write. What changes with
# the clock (a first reply or an answer overdue now) is counted live from the complaints not answered yet.

DAYS_LOCK = 7_007_001  # the advisory lock key of migration 0010
ALL, BY_DEPARTMENT, BY_DISTRICT = 0, 1, 2
DAY_COUNTS = ("complaints", "first_replied", "replied_in_time", "answered", "resolved_in_time", "followed_up",
              "surveyed", "satisfied", "reopened")
DAY_COLUMNS = ("day", "level", "key", *DAY_COUNTS, "handling", "handling_sum", "counts")
HORIZON = 366  # days after the period (or today) that answers may fall on, for the working-day ordinals


def _from_days(actor: CurrentUser, flt: DashboardFilter) -> bool:
    """Whether the day figures can answer: `actor` sees every complaint, and at most one of department and
    district is filtered (the rows are per department or per district, not per both)."""
    require(actor, VIEW)
    return visible_condition(actor) is None and not (flt.department_id is not None and flt.district)


def _level(flt: DashboardFilter) -> tuple[int, str]:
    if flt.department_id is not None:
        return BY_DEPARTMENT, str(flt.department_id)
    if flt.district:
        return BY_DISTRICT, flt.district
    return ALL, ""


def _ordinal_at(moment: str) -> str:
    """SQL: working days from the first day of `wd` to `moment`, a number of days since that day's midnight."""
    whole = f"floor({moment})::int"
    return f"(w.b[{whole} + 1] + (w.b[{whole} + 2] - w.b[{whole} + 1]) * ({moment} - floor({moment})))"


def _computed_days_sql() -> str:
    """SQL (CTEs `m` … `computed`): the day rows (DAY_COLUMNS) of the days in [:first, :last] that have no stored
    row, from the complaints received on them (a day without complaints gets one row of zeros)."""
    states = ", ".join(f"'{state}'" for state in VALID_STATES)
    satisfied = ", ".join(f"'{s}'" for s in SATISFIED)
    level = "CASE WHEN dept IS NOT NULL THEN 1 WHEN district IS NOT NULL THEN 2 ELSE 0 END"
    counts = ", ".join(["count(*)::int AS complaints"] + [f"(count(*) FILTER (WHERE {name}))::int AS {name}"
                                                          for name in DAY_COUNTS[1:]])
    local = "date_part('epoch', timezone(:zone, {})) / 86400.0 - :base"
    return f"""
    m AS (SELECT d::date AS day FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') d
          WHERE NOT EXISTS (SELECT 1 FROM complaint_dashboard_days x
                            WHERE x.zone = :zone AND x.day = d::date AND x.level = 0 AND x.key = '')),
    wd AS (SELECT array_agg(s.before ORDER BY s.day) AS b FROM (
             SELECT g.day, (sum(g.w) OVER (ORDER BY g.day) - g.w)::int AS before FROM (
               SELECT d::date AS day, coalesce(c.is_working_day, extract(isodow FROM d) < 6)::int AS w
               FROM generate_series(CAST(:first AS date), CAST(:horizon AS date), interval '1 day') AS d
               LEFT JOIN calendar_days c ON c.day = d::date) g) s),
    r AS MATERIALIZED (
      SELECT m.day, coalesce(c.department_id::text, '') AS dept, coalesce(t.district, '') AS district,
             c.category_id, c.grade, c.channel, nullif(btrim(c.root_cause), '') AS cause,
             c.first_replied_at IS NOT NULL AS first_replied,
             c.first_replied_at <= c.first_reply_due_at AS replied_in_time,
             c.replied_at IS NOT NULL AS answered,
             c.replied_at <= c.resolution_due_at AS resolved_in_time,
             c.replied_at IS NOT NULL AND c.followed_up_at >= c.replied_at AS followed_up,
             c.satisfaction IS NOT NULL AS surveyed,
             c.satisfaction IN ({satisfied}) AS satisfied,
             c.replied_at IS NOT NULL AND c.reopen_count > 0 AS reopened,
             {_ordinal_at('c.replied_day')} - {_ordinal_at('c.received_day')} AS handling
      FROM m CROSS JOIN wd w
      CROSS JOIN LATERAL (
        SELECT c.department_id, c.retailer_id, c.category_id, c.grade, c.channel, c.root_cause, c.first_replied_at,
               c.first_reply_due_at, c.replied_at, c.resolution_due_at, c.followed_up_at, c.satisfaction,
               c.reopen_count, {local.format('c.received_at')} AS received_day,
               {local.format('c.replied_at')} AS replied_day
        FROM complaints c
        WHERE c.received_at >= timezone(:zone, m.day::timestamp)
          AND c.received_at < timezone(:zone, (m.day + 1)::timestamp) AND c.state IN ({states})
        OFFSET 0) c
      LEFT JOIN retailers t ON t.id = c.retailer_id),
    q AS (SELECT day, {level} AS level, coalesce(dept, district, '') AS key, {counts},
                 coalesce(array_agg(handling ORDER BY handling) FILTER (WHERE handling IS NOT NULL),
                          '{{}}'::float8[]) AS handling,
                 coalesce(sum(handling), 0) AS handling_sum
          FROM r GROUP BY day, GROUPING SETS ((), (dept), (district))),
    k AS (SELECT day, {level} AS level, coalesce(dept, district, '') AS key, jsonb_object_agg(name, n) AS counts
          FROM (SELECT day, dept, district, name, count(*) AS n
                FROM r CROSS JOIN LATERAL (VALUES ('category:' || category_id), ('grade:' || grade),
                                                  ('channel:' || channel), ('cause:' || cause)) v(name)
                WHERE name IS NOT NULL
                GROUP BY day, name, GROUPING SETS ((), (dept), (district))) y
          GROUP BY 1, 2, 3),
    computed AS (
      SELECT q.*, coalesce(k.counts, '{{}}'::jsonb) AS counts FROM q LEFT JOIN k USING (day, level, key)
      UNION ALL
      SELECT m.day, 0, '', {", ".join("0" for _c in DAY_COUNTS)}, '{{}}'::float8[], 0, '{{}}'::jsonb
      FROM m WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.day = m.day))"""


def _day_params(first: date, last: date) -> dict[str, Any]:
    horizon = max(last, center_today()) + timedelta(days=HORIZON)
    return {"zone": str(CENTER_TZ), "first": first, "last": last, "horizon": horizon, "base": (first - EPOCH).days}


def _store_days(session: Session, first: date, last: date) -> None:
    """Store the day rows of [first, last] that are missing, under DAYS_LOCK (writers' triggers take it shared:
    the rows are computed from a snapshot taken after every earlier write committed, and no write can drop a day
    between computing and committing them)."""
    params = _day_params(first, last)
    stored = session.scalar(text(
        "SELECT count(*) FROM complaint_dashboard_days WHERE zone = :zone AND level = 0 AND key = '' "
        "AND day BETWEEN :first AND :last"), params)
    if stored < (last - first).days + 1:
        session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": DAYS_LOCK})
        columns = ", ".join(DAY_COLUMNS)
        session.execute(text(f"INSERT INTO complaint_dashboard_days (zone, {columns}) "
                             f"WITH {_computed_days_sql()} SELECT :zone, {columns} FROM computed "
                             "ON CONFLICT DO NOTHING"), params)


def store_day_figures(session: Session, first: date, last: date) -> None:
    """Work out and keep the day figures of [first, last] that are not kept yet (after a bulk load of complaints)."""
    _store_days(session, first, last)


def _days_cte(session: Session, first: date, last: date) -> str:
    """The CTEs ending in `days`: every day row of [first, last], stored (missing ones are stored first) or, if a
    write dropped them since, computed from the complaints in the same statement."""
    _store_days(session, first, last)
    columns = ", ".join(DAY_COLUMNS)
    return (f"WITH {_computed_days_sql()},\n days AS (SELECT {columns} FROM complaint_dashboard_days "
            f"WHERE zone = :zone AND day BETWEEN :first AND :last UNION ALL SELECT {columns} FROM computed)")


def _selected_days(session: Session, flt: DashboardFilter) -> tuple[str, dict[str, Any]]:
    """SQL of CTEs ending in `sel`: the filter's day rows (its period; the department's or district's rows)."""
    level, key = _level(flt)
    sql = _days_cte(session, flt.start, flt.end) + ",\n sel AS (SELECT * FROM days WHERE level = :level AND key = :key)"
    return sql, _day_params(flt.start, flt.end) | {"level": level, "key": key}


def _overdue(session: Session, *, actor: CurrentUser, flt: DashboardFilter, now: datetime) -> dict[Any, tuple]:
    """Per bucket (and None: the whole period): complaints whose first reply, and whose answer, is overdue now
    without having been made (a paused clock counts as at pausing) — read from the small unanswered index."""
    c = Complaint
    clock_now = func.coalesce(c.paused_since, now)
    b = bucket(c.received_at, flt.grain)
    n = func.count()
    stmt = (select(b.label("bucket"), func.grouping(b),
                   n.filter(and_(c.first_replied_at.is_(None), c.first_reply_due_at <= clock_now)),
                   n.filter(and_(c.replied_at.is_(None), c.resolution_due_at <= clock_now)))
            .where(*_scope(actor, flt), or_(c.first_replied_at.is_(None), c.replied_at.is_(None)))
            .group_by(func.grouping_sets(tuple_(b), tuple_())))
    return {(None if g else day): (reply, answer) for day, g, reply, answer in session.execute(stmt)}


def _figures(row: dict[str, Any], overdue: tuple[int, int]) -> dict[str, Any]:
    """The figures of `trend`/`summary` from summed day counts and the overdue counts."""
    v = {name: int(row.get(name) or 0) for name in DAY_COUNTS}
    reply_due, resolution_due = v["first_replied"] + overdue[0], v["answered"] + overdue[1]

    def rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    handled = int(row.get("handled") or 0)
    return {
        "complaints": v["complaints"],
        "reply_due": reply_due, "replied_in_time": v["replied_in_time"],
        "reply_rate": rate(v["replied_in_time"], reply_due),
        "resolution_due": resolution_due, "resolved_in_time": v["resolved_in_time"],
        "on_time_rate": rate(v["resolved_in_time"], resolution_due),
        "answered": v["answered"],
        "avg_days": row["handling_sum"] / handled if handled else None,
        "p90_days": row.get("p90_days"),
        "followed_up": v["followed_up"], "follow_up_rate": rate(v["followed_up"], v["answered"]),
        "surveyed": v["surveyed"], "satisfied": v["satisfied"],
        "satisfaction_rate": rate(v["satisfied"], v["surveyed"]),
        "reopened": v["reopened"], "reopen_rate": rate(v["reopened"], v["answered"]),
    }


def _trend_from_days(session: Session, *, actor: CurrentUser, flt: DashboardFilter, now: datetime,
                     per_bucket: bool = True, percentile: bool = True,
                     total_percentile: bool = True) -> tuple[pd.DataFrame, dict[str, Any]]:
    """trend_and_summary from the day figures (+ what is overdue now); without `total_percentile`, the whole
    period's p90_days is None (one sort of every answer less)."""
    sql, params = _selected_days(session, flt)
    session.execute(text("SET LOCAL work_mem = '32MB'"))  # the 90th percentile sorts a year of answers in memory
    b = "date_trunc(:grain, day::timestamp)::date"
    if per_bucket:
        key, group = f"{b} AS bucket, GROUPING({b}) AS g", f"GROUP BY GROUPING SETS (({b}), ())"
    else:
        key, group = "NULL::date AS bucket, 1 AS g", ""
    sums = ", ".join(f"sum({name}) AS {name}" for name in DAY_COUNTS)
    # percentiles bucket by bucket (each sorts its own answers; no sort of every answer by bucket first)
    p90_of = "(SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY h) FROM sel x, unnest(x.handling) h {})"
    parts = [f"SELECT NULL::date, 1, {p90_of.format('')}"] if total_percentile else []
    if per_bucket:
        in_bucket = p90_of.format("WHERE date_trunc(:grain, x.day::timestamp)::date = o.bucket")
        parts.append(f"SELECT bucket, 0, {in_bucket} FROM (SELECT DISTINCT {b} AS bucket FROM sel) o")
    p90 = f", p (bucket, g, p90_days) AS ({' UNION ALL '.join(parts)})" if percentile and parts else ""
    percentile = bool(p90)
    stmt = f"""{sql},
      s AS (SELECT {key}, {sums}, sum(handling_sum) AS handling_sum, sum(cardinality(handling)) AS handled
            FROM sel {group}){p90}
      SELECT s.*, {'p.p90_days' if percentile else 'NULL AS p90_days'} FROM s
      {'LEFT JOIN p ON p.g = s.g AND p.bucket IS NOT DISTINCT FROM s.bucket' if percentile else ''}
      ORDER BY s.bucket"""
    rows = [dict(r) for r in session.execute(text(stmt), params | {"grain": flt.grain}).mappings()]
    overdue = _overdue(session, actor=actor, flt=flt, now=now)
    total_row = next((r for r in rows if r["g"] == 1), {"handling_sum": 0})
    total = _figures(total_row, overdue.get(None, (0, 0)))
    buckets_ = [{"bucket": r["bucket"]} | _figures(r, overdue.get(r["bucket"], (0, 0)))
                for r in rows if per_bucket and r["g"] == 0 and (r["complaints"] or 0) > 0]
    return _filled(flt, buckets_), total


def _dimension_key(dim: str, key: str) -> Any:
    if dim in ("category", "grade"):
        return int(key)
    return key


def _counts_from_days(session: Session, *, actor: CurrentUser, flt: DashboardFilter,
                      dims: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """counts() from the day figures: categories per bucket and grade / channel from `counts`, departments from
    the per-department rows."""
    sql, params = _selected_days(session, flt)
    b = "date_trunc(:grain, day::timestamp)::date"
    stmt = f"""{sql}
      SELECT {b} AS bucket, GROUPING({b}) AS g, e.key, sum(e.value::int) AS n
      FROM sel, jsonb_each_text(sel.counts) e
      WHERE e.key LIKE 'category:%' OR e.key LIKE 'grade:%' OR e.key LIKE 'channel:%'
      GROUP BY GROUPING SETS (({b}, e.key), (e.key))"""
    rows = session.execute(text(stmt), params | {"grain": flt.grain}).all()
    split = [(day, g, *key.split(":", 1), n) for day, g, key, n in rows]
    volume_rows = [(day, int(k), int(n)) for day, g, dim, k, n in split if g == 0 and dim == "category"]
    frame = pd.DataFrame(sorted(volume_rows), columns=["bucket", "category_id", "complaints"])
    frame["category"] = frame["category_id"].map(_names(session, ComplaintCategory)).astype(str)
    frame["bucket"] = pd.to_datetime(frame["bucket"])
    out = {"volume": frame}
    for dim in dims:
        if dim == "department":
            dept = f"""{_days_cte(session, flt.start, flt.end)}
              SELECT key, sum(complaints) FROM days WHERE level = 1 AND (:key = '' OR key = :key)
              GROUP BY key HAVING sum(complaints) > 0"""
            found = [(int(k) if k else None, int(n)) for k, n in session.execute(
                text(dept), params | {"key": _level(flt)[1] if flt.department_id is not None else ""})]
        else:
            found = [(_dimension_key(dim, k), int(n)) for _day, g, d, k, n in split if g == 1 and d == dim]
        picked = sorted(found, key=lambda kn: (-kn[1], str(kn[0])))
        out[dim] = pd.DataFrame([(k, _label(session, dim, k), n) for k, n in picked],
                                columns=["key", "label", "complaints"]).astype({"key": object})
    return out


def _causes_from_days(session: Session, *, actor: CurrentUser, flt: DashboardFilter, limit: int) -> pd.DataFrame:
    sql, params = _selected_days(session, flt)
    stmt = f"""{sql},
      c AS (SELECT substr(e.key, 7) AS root_cause, sum(e.value::int)::int AS complaints
            FROM sel, jsonb_each_text(sel.counts) e WHERE e.key LIKE 'cause:%' GROUP BY 1)
      SELECT root_cause, complaints, sum(complaints) OVER ()::int FROM c
      ORDER BY complaints DESC, root_cause LIMIT :limit"""
    return pd.DataFrame(session.execute(text(stmt), params | {"limit": limit}).all(),
                        columns=["root_cause", "complaints", "all_with_cause"])


def _district_counts_from_days(session: Session, flt: DashboardFilter) -> dict[str, int]:
    """Complaints of the period per retailer district, from the per-district day rows."""
    counted = (f"""{_days_cte(session, flt.start, flt.end)}
        SELECT key AS district, sum(complaints)::int AS complaints FROM days
        WHERE level = 2 AND key <> '' AND (CAST(:district AS text) IS NULL OR key = :district) GROUP BY key""")
    return dict(session.execute(text(counted), _day_params(flt.start, flt.end) | {"district": flt.district or None}
                                ).all())


# --- the records behind a chart (filters of the complaints grid, pages/complaints.py) -----------------------

def records_filters(flt: DashboardFilter, *, days: tuple[date, date] | None = None,
                    states: tuple[str, ...] = VALID_STATES, period: bool = True, **equal: Any) -> tuple[Filter, ...]:
    """The grid filters that show the complaints behind a figure: received within `days` (default: the period;
    none when `period` is False), in `states`, of the filtered department and retailer district, and `field=value`
    for each of `equal` (None: the field is empty)."""
    out = []
    if days is not None or period:
        start, end = days or (flt.start, flt.end)
        out.append(Filter("received_at", BETWEEN, (start.isoformat(), end.isoformat())))
    out.append(Filter("state", ANY_OF, tuple(states)))
    if flt.department_id is not None and "department_id" not in equal:
        out.append(Filter("department_id", IS, str(flt.department_id)))
    if flt.district:
        out.append(Filter("retailer_district", IS, flt.district))
    for field, value in equal.items():
        out.append(Filter(field, EMPTY) if value is None else Filter(field, IS, str(value)))
    return tuple(out)


def bucket_days(flt: DashboardFilter, start: date) -> tuple[date, date]:
    """The days of the period in the bucket (day, week or month of the filter's grain) that begins on `start`."""
    following = {DAY: start + timedelta(days=1), WEEK: start + timedelta(days=7),
                 MONTH: (start.replace(day=1) + timedelta(days=32)).replace(day=1)}[flt.grain]
    return max(start, flt.start), min(following - timedelta(days=1), flt.end)


def picked_bucket(value: Any, starts: list[date]) -> date | None:
    """The bucket a clicked mark stands for: Vega reports a date as text or as milliseconds since 1970 (of a
    moment the browser's time zone may have moved by some hours), so take the nearest bucket start."""
    if not starts or value is None:
        return None
    try:
        moment = pd.Timestamp(value, unit="ms") if isinstance(value, int | float) else pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    moment = moment.tz_localize(None) if moment.tzinfo else moment
    return min(starts, key=lambda day: abs(pd.Timestamp(day) - moment))


# --- labels ---------------------------------------------------------------------------------------------------

def _names(session: Session, model: Any) -> dict[int, str]:
    zh = current_language() == "zh_CN"
    return {i: (name_zh if zh else name_en)
            for i, name_en, name_zh in session.execute(select(model.id, model.name_en, model.name_zh))}


def _label(session: Session, by: str, key: Any) -> str:
    if by == "grade":
        return _(GRADE_LABELS[key])
    if by == "channel":
        return _(CHANNEL_LABELS[key])
    if key is None:
        return _("Not assigned yet")
    cache = session.info.setdefault(f"dashboard_names_{by}_{current_language()}", {})
    if not cache:
        cache.update(_names(session, ComplaintCategory if by == "category" else Department))
    return cache.get(key, str(key))


# --- chart builders (pure) --------------------------------------------------------------------------------------

def age_bars(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """Open complaints by age bucket, youngest first (not ranked: the order of ages is the point)."""
    title, value = _("Working days since receipt"), _("Open complaints")
    return (alt.Chart(frame).mark_bar().encode(
        x=alt.X("age:N", title=title, sort=alt.SortField("age_order"), axis=alt.Axis(labelAngle=0, labelLimit=160)),
        y=alt.Y("complaints:Q", title=value, axis=alt.Axis(format=",d")),
        color=alt.Color("age_order:O", legend=None, scale=alt.Scale(scheme="orangered")),
        tooltip=[alt.Tooltip("age:N", title=title), alt.Tooltip("complaints:Q", title=value, format=",d")])
        .add_params(charts.pick("age"))
        .properties(height=charts.HEIGHT))


def handling_lines(frame: pd.DataFrame, grain: str) -> alt.TopLevelMixin:
    """Average and 90th-percentile handling time per bucket, in working days."""
    avg, p90 = _("Average"), _("90th percentile")
    long = frame.melt(id_vars=["bucket"], value_vars=["avg_days", "p90_days"], var_name="measure",
                      value_name="days").dropna(subset=["days"])
    long["measure"] = long["measure"].map({"avg_days": avg, "p90_days": p90})
    return charts.trend(long, x="bucket", y="days", grain=grain, x_title=_("Received"),
                        y_title=_("Working days to answer"), color="measure", color_title=_("Measure"),
                        mark="line", y_format=".1f").properties(height=charts.HEIGHT + 60)  # room for the legend


def rate_lines(frame: pd.DataFrame, grain: str, rate: str, title: str, target: float | None) -> alt.TopLevelMixin:
    """One rate per bucket as a line, against its target (buckets with nothing to rate are left out)."""
    return charts.trend(frame.dropna(subset=[rate]), x="bucket", y=rate, grain=grain, x_title=_("Received"),
                        y_title=title, mark="line", y_format=".0%", target=target,
                        target_title=_("Target {target}").format(target=f"{target:.0%}") if target else None)


# --- overview and monthly report ------------------------------------------------------------------------------

def overview(session: Session, *, actor: CurrentUser) -> list[Figure]:
    """Four headline numbers of this month so far beside last month's, for the home page."""
    this = month_filter(center_today())
    last = month_filter(previous_month(this.start))
    now_, before = summary(session, actor=actor, flt=this), summary(session, actor=actor, flt=last)
    return [
        Figure(_("Complaints this month"), now_["complaints"], before["complaints"], COUNT, higher_is_better=False),
        Figure(_("24-hour reply rate"), now_["reply_rate"], before["reply_rate"], PERCENT, REPLY_TARGET),
        Figure(_("On-time resolution rate"), now_["on_time_rate"], before["on_time_rate"], PERCENT, ON_TIME_TARGET),
        Figure(_("Satisfaction rate"), now_["satisfaction_rate"], before["satisfaction_rate"], PERCENT,
               SATISFACTION_TARGET),
    ]


def monthly_report(session: Session, *, actor: CurrentUser, month: date) -> MonthlyReport:
    """Complaint analysis (投诉分析) of `month` beside the month before: figures, breakdowns, causes, repeaters."""
    this = month_filter(month)
    last = month_filter(previous_month(this.start))
    now_, before = summary(session, actor=actor, flt=this), summary(session, actor=actor, flt=last)
    active = active_retailers(session)
    retailers = sum(active.values())
    repeat_now = repeat_complainants(session, actor=actor, flt=this)
    repeat_before = repeat_complainants(session, actor=actor, flt=last, limit=1)

    def per_10k(figures: dict[str, Any]) -> float | None:
        return figures["complaints"] * PER_RETAILERS / retailers if retailers else None

    def repeaters(frame: pd.DataFrame) -> int:
        return int(frame["repeaters"].iloc[0]) if not frame.empty else 0

    figures = [
        Figure(_("Complaints"), now_["complaints"], before["complaints"], COUNT, higher_is_better=False),
        Figure(_("Complaints per 10,000 retailers"), per_10k(now_), per_10k(before), NUMBER,
               higher_is_better=False),
        Figure(_("24-hour reply rate"), now_["reply_rate"], before["reply_rate"], PERCENT, REPLY_TARGET),
        Figure(_("On-time resolution rate"), now_["on_time_rate"], before["on_time_rate"], PERCENT, ON_TIME_TARGET),
        Figure(_("Average handling time (working days)"), now_["avg_days"], before["avg_days"], DAYS,
               higher_is_better=False),
        Figure(_("Handling time, 90th percentile (working days)"), now_["p90_days"], before["p90_days"], DAYS,
               higher_is_better=False),
        Figure(_("Follow-up rate"), now_["follow_up_rate"], before["follow_up_rate"], PERCENT, FOLLOW_UP_TARGET),
        Figure(_("Satisfaction rate"), now_["satisfaction_rate"], before["satisfaction_rate"], PERCENT,
               SATISFACTION_TARGET),
        Figure(_("Reopen rate"), now_["reopen_rate"], before["reopen_rate"], PERCENT, higher_is_better=False),
        Figure(_("Repeat complainants"), repeaters(repeat_now), repeaters(repeat_before), COUNT,
               higher_is_better=False),
    ]
    report = MonthlyReport(title=_("Complaint analysis"), month=this.start, figures=figures,
                           notes=[_("Complaints received in the month; invalid complaints and duplicates are not "
                                    "counted. Times are in working days.")])
    titles = {"category": _("By category"), "grade": _("By grade"), "department": _("By department"),
              "channel": _("By channel")}
    by_now, by_before = (counts(session, actor=actor, flt=f, dims=tuple(titles)) for f in (this, last))
    for by, title in titles.items():
        table = _compared(by_now[by], by_before[by], title)
        report.tables.append((title, table))
        if by == "category" and not table.empty:
            report.charts.append((title, charts.ranked_bars(
                table, category=title, value=_("This month"), category_title=title, value_title=_("Complaints"))))
    causes = root_causes(session, actor=actor, flt=this)
    if not causes.empty:
        report.charts.append((_("Top root causes"), root_cause_pareto(causes)))
    report.tables.append((_("Top root causes"), causes[["root_cause", "complaints"]].rename(
        columns={"root_cause": _("Root cause"), "complaints": _("Complaints")})))
    report.tables.append((_("Repeat complainants"), repeat_now[["phone", "complainant", "complaints"]].rename(
        columns={"phone": _("Phone"), "complainant": _("Complainant"), "complaints": _("Complaints")})))
    districts = per_district(session, actor=actor, flt=this, active=active)
    report.tables.append((_("Complaints per 10,000 retailers by district"), districts.assign(
        per_10k=districts["per_10k"].round(1)).rename(columns={
            "district": _("District"), "complaints": _("Complaints"), "retailers": _("Active retailers"),
            "per_10k": _("Per 10,000 retailers")})))
    return report


def _compared(this: pd.DataFrame, last: pd.DataFrame, title: str) -> pd.DataFrame:
    """A breakdown of this month beside last month's, with the change (translated headers)."""
    both = this[["label", "complaints"]].merge(last[["label", "complaints"]], on="label", how="outer",
                                               suffixes=("", "_before")).fillna(0)
    both = both.astype({"complaints": int, "complaints_before": int}).sort_values(
        ["complaints", "complaints_before"], ascending=False)
    both["change"] = both["complaints"] - both["complaints_before"]
    return both.rename(columns={"label": title, "complaints": _("This month"),
                                "complaints_before": _("Previous month"), "change": _("Change")}).reset_index(drop=True)


def root_cause_pareto(causes: pd.DataFrame) -> alt.TopLevelMixin:
    return charts.pareto(causes, category="root_cause", value="complaints", category_title=_("Root cause"),
                         value_title=_("Complaints"), share_title=_("Cumulative share"),
                         total=int(causes["all_with_cause"].iloc[0]))

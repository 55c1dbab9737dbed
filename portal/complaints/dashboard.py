"""Complaint dashboard: the live figures of the dashboard page and the home page's `overview`; every figure is one
aggregate query in PostgreSQL.

Which complaints count: those *received* in the period (the cohort, portal/complaints/cohort.py), without invalid
complaints and duplicates (they are not complaints the center handled). Of those:
- 24-hour reply rate: first replies made by the first-reply due time, among complaints whose first reply was made
  or is overdue (a clock still running on time is not counted yet); due times are the stored SLA clocks, so
  working days, holidays and pauses count exactly as on the complaint itself;
- on-time resolution rate: answers (replied) by the resolution due time, counted the same way;
- handling time: working days from receipt to the answer (hours on working days / 24, the center's calendar);
- follow-up rate (target 100%): answered complaints followed up since their answer;
- satisfaction rate (target 98%): satisfied or basically satisfied at the latest follow-up, among those followed up;
- reopen rate: answered complaints reopened at least once (a dissatisfied follow-up);
- repeat complainants: phone numbers with two or more complaints in the period.
Readers who see every complaint get the figures from each day's stored figures (complaint_dashboard_days, kept
exact by triggers: see portal/complaints/day_figures.py) plus a live count of what is overdue now; others count
the complaints. Also here: the grid filters behind a chart's mark. The charts are in charts.py, the monthly
complaint analysis in monthly.py.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Date, Integer, case, cast, func, literal, select, text, tuple_
from sqlalchemy.orm import Session

from db.complaint_models import OPEN_STATES, Complaint
from db.models import ComplaintCategory, Retailer
from portal.access.auth import CurrentUser
from portal.center.sla import CENTER_TZ
from portal.complaints.cohort import (
    VALID_STATES,
    cohort_rows,
    days_since,
    filled_buckets,
    group_label,
    localized_names,
    ordinal_range,
    quality_columns,
    scope_conditions,
    working_day_ordinals,
    working_ordinal,
)
from portal.complaints.day_figures import (
    _from_days,
    causes_from_days,
    counts_from_days,
    district_counts_from_days,
    trend_from_days,
)
from portal.complaints.queries import display_phone, state_in
from portal.complaints.rules import utcnow
from portal.dashboards.period import (
    DAY,
    MONTH,
    WEEK,
    DashboardFilter,
    bucket,
    center_today,
    month_filter,
    previous_month,
)
from portal.dashboards.report import COUNT, PERCENT, Figure
from portal.i18n import N_, _
from portal.records.filters import ANY_OF, BETWEEN, EMPTY, IS, Filter

FOLLOW_UP_TARGET, SATISFACTION_TARGET = 1.0, 0.98
REPLY_TARGET = ON_TIME_TARGET = 1.0  # every complaint answered within 24 hours and resolved within its limit
PER_RETAILERS = 10_000
# backlog age buckets in working days since receipt: [low, high) and their labels (limits: 2 and 4 working days)
AGE_BUCKETS: tuple[tuple[float, float | None, str], ...] = (
    (0, 1, N_("under 1")), (1, 2, N_("1–2")), (2, 4, N_("2–4")), (4, 10, N_("4–10")), (10, None, N_("10 or more")))
BACKLOG_HORIZON = 400  # days: older open complaints are simply "10 working days or more"
DIMENSIONS = ("category", "grade", "channel", "department")


# --- metrics ------------------------------------------------------------------------------------------------

def trend_and_summary(session: Session, *, actor: CurrentUser, flt: DashboardFilter,
                      now: datetime | None = None, total_percentile: bool = True
                      ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """`trend` and `summary` in one pass (GROUPING SETS: per bucket, and for the whole period); without
    `total_percentile` the summary's p90_days may be None (the page shows the per-bucket ones only)."""
    now = now or utcnow()
    if _from_days(actor, flt):
        return trend_from_days(session, actor=actor, flt=flt, now=now, total_percentile=total_percentile)
    first, last = ordinal_range(flt, now)
    days = working_day_ordinals(first, last)
    rows = cohort_rows(actor, flt, first)
    b = bucket(rows.c.received_at, flt.grain).label("bucket")
    session.execute(text("SET LOCAL work_mem = '32MB'"))  # the 90th percentile sorts a year of answers in memory
    stmt = (select(b, *quality_columns(rows.c, days, now)).select_from(rows)
            .group_by(func.grouping_sets(tuple_(b), tuple_())).order_by(b))
    result = [dict(r) for r in session.execute(stmt).mappings()]
    per_bucket = [r for r in result if r["bucket"] is not None]
    total = next(r for r in result if r["bucket"] is None)
    del total["bucket"]
    return filled_buckets(flt, per_bucket), total



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
        return trend_from_days(session, actor=actor, flt=flt, now=now, per_bucket=False, percentile=percentile)[1]
    first, last = ordinal_range(flt, now)
    days = working_day_ordinals(first, last)
    rows = cohort_rows(actor, flt, first)
    session.execute(text("SET LOCAL work_mem = '32MB'"))
    columns = [col for col in quality_columns(rows.c, days, now) if percentile or col.name != "p90_days"]
    figures = dict(session.execute(select(*columns).select_from(rows)).mappings().one())
    return {"p90_days": None} | figures


def counts(session: Session, *, actor: CurrentUser, flt: DashboardFilter,
           dims: tuple[str, ...] = DIMENSIONS) -> dict[str, pd.DataFrame]:
    """Complaints of the period by bucket and category ("volume": bucket, category_id, category, complaints) and by
    each of `dims` (key, label, complaints, most first) — one pass over the period (GROUPING SETS)."""
    if unknown := set(dims) - set(DIMENSIONS):
        raise ValueError(f"unknown dimensions {sorted(unknown)}; use some of {DIMENSIONS}")
    if _from_days(actor, flt) and not (flt.district and "department" in dims):
        return counts_from_days(session, actor=actor, flt=flt, dims=dims)
    c = Complaint
    b = bucket(c.received_at, flt.grain)
    columns = {"category": c.category_id, "grade": c.grade, "channel": c.channel, "department": c.department_id}
    keys = {"bucket": b, "category": c.category_id} | {d: columns[d] for d in dims}  # GROUPING() takes only these
    sets = [tuple_(b, c.category_id), *[tuple_(columns[d]) for d in dims]]
    stmt = (select(*[k.label(name) for name, k in keys.items()],
                   *[func.grouping(k).label(f"g_{name}") for name, k in keys.items()], func.count().label("n"))
            .where(*scope_conditions(actor, flt)).group_by(func.grouping_sets(*sets)))
    rows = session.execute(stmt).mappings().all()
    volume_rows = [(r["bucket"], r["category"], r["n"]) for r in rows if r["g_bucket"] == 0]
    frame = pd.DataFrame(sorted(volume_rows), columns=["bucket", "category_id", "complaints"])
    frame["category"] = frame["category_id"].map(localized_names(session, ComplaintCategory)).astype(str)
    frame["bucket"] = pd.to_datetime(frame["bucket"])
    out = {"volume": frame}
    for dim in dims:
        picked = sorted(((r[dim], r["n"]) for r in rows if r["g_bucket"] == 1 and r[f"g_{dim}"] == 0),
                        key=lambda kn: (-kn[1], str(kn[0])))
        out[dim] = pd.DataFrame([(k, group_label(session, dim, k), n) for k, n in picked],
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
            .where(state_in(OPEN_STATES), *scope_conditions(actor, flt, period=False))
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
        return causes_from_days(session, actor=actor, flt=flt, limit=limit)
    cause = func.btrim(Complaint.root_cause)
    n = func.count()
    stmt = (select(cause.label("root_cause"), n.label("complaints"), cast(func.sum(n).over(), Integer))
            .where(*scope_conditions(actor, flt), func.coalesce(cause, "") != "")
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
            .where(*scope_conditions(actor, flt), Complaint.complainant_phone.is_not(None))
            .group_by(Complaint.complainant_phone).having(n > 1)
            .order_by(n.desc(), func.max(Complaint.received_at).desc()).limit(limit))
    found = session.execute(stmt).all()
    # the names only for the numbers shown: reading them for every number would leave the covering index
    names = dict(session.execute(
        select(Complaint.complainant_phone, func.max(Complaint.complainant_name))
        .where(*scope_conditions(actor, flt), Complaint.complainant_phone.in_([r[0] for r in found]))
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
        found = district_counts_from_days(session, flt)
    else:
        found = dict(session.execute(
            select(Retailer.district, func.count()).select_from(Complaint)
            .join(Retailer, Retailer.id == Complaint.retailer_id).where(*scope_conditions(actor, flt))
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


# --- overview for the home page -----------------------------------------------------------------------------------

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

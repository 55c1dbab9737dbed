"""Incident dashboard, live figures: counts by type and severity, time to respond and to resolve, open incidents
now, retailers affected and service suspensions — each one aggregate query — the page's headline figures and the
home page's `overview`. The charts are drawn by portal/incidents/charts.py, a click on one is turned into grid
filters by portal/incidents/clicks.py, and the monthly incident summary is portal/incidents/monthly.py.

Definitions (said on the page too):
- An incident belongs to the bucket (day / week / month, center days) in which it *started*.
- **Time to respond**: from the start to the first move out of "Opened" (to responding, monitoring or straight to
  resolved), as the timeline's automatic status entry records it. "Opened" can be left only once, so this is
  one moment per incident; incidents still "Opened" have no response time yet.
- **Time to resolve**: from the start to `resolved_at` (incidents not resolved yet are left out; a reopened one
  counts again once it is resolved again).
- **Retailers affected**: the incident's estimate, else the size of its call list.
- The district filter keeps incidents whose affected districts include that district (a district-wide incident
  lists every district). Incidents have no responsible department, so the page offers no department filter.

Everything is computed in PostgreSQL (GROUP BY, FILTER, percentile_cont); this module never loads rows to count
them, and imports no streamlit.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Float, Integer, and_, any_, case, cast, func, literal, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from db.incident_models import (
    ACTIVE_STATUSES,
    MAJOR_SEVERITIES,
    Incident,
    IncidentRetailer,
    IncidentTimelineEntry,
    ServiceSuspension,
)
from db.models import Retailer
from portal.access.auth import CurrentUser, require
from portal.dashboards.period import DashboardFilter, bucket, center_today, in_period, month_filter, previous_month
from portal.dashboards.report import COUNT, NUMBER, Figure
from portal.i18n import N_, _
from portal.incidents.labels import SCOPE_LABELS, SEVERITY_LABELS, STATUS_LABELS, STEP_LABELS, TYPE_LABELS
from portal.incidents.rules import utcnow

VIEW = "incidents.view"
# how long an open incident has been running: (key, label, upper bound in hours; None: no bound)
AGE_BUCKETS = (("h4", N_("Under 4 hours"), 4), ("h24", N_("4–24 hours"), 24), ("d3", N_("1–3 days"), 72),
               ("d7", N_("3–7 days"), 168), ("older", N_("Over 7 days"), None))
RESPOND, RESOLVE = "respond", "resolve"
MEDIAN, P90 = "median", "p90"
MAX_DRILL_REFERENCES = 200  # a click on a suspension bar lists at most this many incidents in the grid link
RESPONSE_DEFINITION = N_("Time to respond: from the start to the first move out of “Opened” (to responding, "
                         "monitoring or resolved). Time to resolve: from the start to “Resolved”. Each incident "
                         "counts in the day, week or month it started.")


# ---------------------------------------------------------------------------------------------- conditions

def district_condition(district: str | None) -> ColumnElement[bool]:
    """Incidents whose affected districts include `district` (all incidents when None)."""
    return Incident.affected_districts.contains([district]) if district else true()


def started_in_period(flt: DashboardFilter) -> ColumnElement[bool]:
    return and_(in_period(Incident.started_at, flt), district_condition(flt.district))


def _hours(later: Any, earlier: Any) -> ColumnElement[float]:
    return cast(func.extract("epoch", later - earlier), Float) / 3600.0


def first_response() -> Any:
    """When each incident first left "Opened" (its automatic status entry from "open"; there is at most one), as
    a LATERAL subquery to outer-join: one index probe per incident, however many aggregates use the time."""
    entry = IncidentTimelineEntry
    return (select(entry.happened_at.label("at"))
            .where(entry.incident_id == Incident.id, entry.kind == "status_change",
                   entry.data["from"].astext == "open")
            .order_by(entry.happened_at).limit(1).lateral("first_move"))


def retailers_affected(district: str | None = None) -> ColumnElement[int]:
    """The incident's estimate of affected retailers, else the size of its call list.

    Within one `district`: the estimate shared out by that district's part of the active retailers of every district
    the incident affects (all of it when it affects that district alone), else its call list's retailers there."""
    listed = select(func.count()).select_from(IncidentRetailer).where(IncidentRetailer.incident_id == Incident.id)
    if not district:
        return func.coalesce(Incident.affected_retailers_estimate, listed.correlate(Incident).scalar_subquery())
    listed = listed.join(Retailer, Retailer.id == IncidentRetailer.retailer_id).where(Retailer.district == district)
    active = (select(Retailer.district, func.count().label("n")).where(Retailer.status == "active")
              .group_by(Retailer.district).cte("active_by_district"))  # counted once per statement
    here = select(active.c.n).where(active.c.district == district).scalar_subquery()
    affected = (select(func.sum(active.c.n)).where(active.c.district == any_(Incident.affected_districts))
                .correlate(Incident).scalar_subquery())
    share = cast(func.round(Incident.affected_retailers_estimate * cast(func.coalesce(here, 0), Float)
                            / func.nullif(affected, 0)), Integer)
    return case((Incident.affected_retailers_estimate.is_(None), listed.correlate(Incident).scalar_subquery()),
                else_=func.coalesce(share, Incident.affected_retailers_estimate))


def frame_of(rows: Iterable[Any], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def _dates(frame: pd.DataFrame, column: str = "bucket") -> pd.DataFrame:
    if not frame.empty:
        frame[column] = pd.to_datetime(frame[column])
    return frame


# ---------------------------------------------------------------------------------------------- metrics

def by_type(session: Session, *, actor: CurrentUser, flt: DashboardFilter) -> pd.DataFrame:
    """Incidents that started in each bucket, per type: bucket, type, type_label, incidents."""
    require(actor, VIEW)
    b = bucket(Incident.started_at, flt.grain).label("b")
    rows = session.execute(select(b, Incident.type, func.count()).where(started_in_period(flt))
                           .group_by(b, Incident.type).order_by(b, Incident.type))
    frame = frame_of(rows, ["bucket", "type", "incidents"])
    frame.insert(2, "type_label", [_(TYPE_LABELS[t]) for t in frame["type"]])
    return _dates(frame)


def by_severity(session: Session, *, actor: CurrentUser, flt: DashboardFilter) -> pd.DataFrame:
    """Incidents that started in each bucket, per severity (1 critical … 4 minor): bucket, severity,
    severity_label, incidents."""
    require(actor, VIEW)
    b = bucket(Incident.started_at, flt.grain).label("b")
    rows = session.execute(select(b, Incident.severity, func.count()).where(started_in_period(flt))
                           .group_by(b, Incident.severity).order_by(b, Incident.severity))
    frame = frame_of(rows, ["bucket", "severity", "incidents"])
    frame.insert(2, "severity_label", [_(SEVERITY_LABELS[s]) for s in frame["severity"]])
    return _dates(frame)


def _measured(flt: DashboardFilter) -> Any:
    """The incidents that started in the filter's days with what is measured of each (hours to respond and to
    resolve, retailers affected), as a subquery: each correlated lookup runs once per incident."""
    moved = first_response()
    return (select(Incident.started_at, Incident.severity,
                   _hours(moved.c.at, Incident.started_at).label("respond"),
                   _hours(Incident.resolved_at, Incident.started_at).label("resolve"),
                   retailers_affected(flt.district).label("retailers"))
            .select_from(Incident).outerjoin(moved, true())
            .where(started_in_period(flt)).subquery("measured"))


def _time_columns(measured: Any) -> list[Any]:
    """median, 90th percentile and count of the hours to respond and to resolve (NULLs are skipped)."""
    out = []
    for hours in (measured.c.respond, measured.c.resolve):
        out += [func.percentile_cont(0.5).within_group(hours), func.percentile_cont(0.9).within_group(hours),
                func.count(hours)]
    return out


def response_times(session: Session, *, actor: CurrentUser, flt: DashboardFilter) -> pd.DataFrame:
    """Hours to respond and to resolve of the incidents that started in each bucket, long format:
    bucket, measure (respond / resolve), measure_label, statistic (median / p90), statistic_label, hours,
    incidents (how many incidents the statistic is over). Buckets where nothing was measured are left out."""
    require(actor, VIEW)
    measured = _measured(flt)
    b = bucket(measured.c.started_at, flt.grain).label("b")
    rows = session.execute(select(b, *_time_columns(measured)).group_by(b).order_by(b)).all()
    return _dates(_times_long([tuple(r) for r in rows]))


def _times_long(rows: list[tuple]) -> pd.DataFrame:
    labels = {RESPOND: _("Time to respond"), RESOLVE: _("Time to resolve"), MEDIAN: _("Median"),
              P90: _("90th percentile")}
    out = []
    for key, resp_med, resp_p90, resp_n, res_med, res_p90, res_n in rows:
        for measure, med, p90, n in ((RESPOND, resp_med, resp_p90, resp_n), (RESOLVE, res_med, res_p90, res_n)):
            if n:
                out += [(key, measure, labels[measure], stat, labels[stat], float(value), n)
                        for stat, value in ((MEDIAN, med), (P90, p90))]
    return pd.DataFrame(out, columns=["bucket", "measure", "measure_label", "statistic", "statistic_label", "hours",
                                      "incidents"])


def open_now(session: Session, *, actor: CurrentUser, flt: DashboardFilter,
             now: datetime | None = None) -> pd.DataFrame:
    """Incidents still unfolding now (opened, responding, monitoring) — whatever the period — in the filter's
    district: severity, severity_label, status, status_label, age (key), age_label, incidents, oldest_hours."""
    require(actor, VIEW)
    now = now or utcnow()
    age_hours = _hours(literal(now), Incident.started_at)
    age = case(*[(age_hours < upper, key) for key, _label, upper in AGE_BUCKETS if upper is not None],
               else_=AGE_BUCKETS[-1][0]).label("age")
    rows = session.execute(
        select(Incident.severity, Incident.status, age, func.count(), func.max(age_hours))
        .where(Incident.status.in_(ACTIVE_STATUSES), district_condition(flt.district))
        .group_by(Incident.severity, Incident.status, age))
    frame = frame_of(rows, ["severity", "status", "age", "incidents", "oldest_hours"])
    age_labels = {key: _(label) for key, label, _upper in AGE_BUCKETS}
    age_order = {key: n for n, (key, _label, _upper) in enumerate(AGE_BUCKETS)}
    frame = frame.assign(severity_label=[_(SEVERITY_LABELS[s]) for s in frame["severity"]],
                         status_label=[_(STATUS_LABELS[s]) for s in frame["status"]],
                         age_label=[age_labels[a] for a in frame["age"]],
                         age_rank=[age_order[a] for a in frame["age"]],
                         status_rank=[ACTIVE_STATUSES.index(s) for s in frame["status"]])
    return frame.sort_values(["severity", "status_rank", "age_rank"]).reset_index(drop=True)


def retailers_by_month(session: Session, *, actor: CurrentUser, flt: DashboardFilter) -> pd.DataFrame:
    """Retailers affected by the incidents that started in each bucket, split by scope (district-wide / local):
    bucket, scope, scope_label, retailers, incidents."""
    require(actor, VIEW)
    b = bucket(Incident.started_at, flt.grain).label("b")
    rows = session.execute(select(b, Incident.scope, func.coalesce(func.sum(retailers_affected(flt.district)), 0),
                                  func.count())
                           .where(started_in_period(flt)).group_by(b, Incident.scope).order_by(b, Incident.scope))
    frame = frame_of(rows, ["bucket", "scope", "retailers", "incidents"])
    frame["retailers"] = frame["retailers"].astype(int)
    frame.insert(2, "scope_label", [_(SCOPE_LABELS[s]) for s in frame["scope"]])
    return _dates(frame)


def suspensions(session: Session, *, actor: CurrentUser, flt: DashboardFilter,
                now: datetime | None = None) -> pd.DataFrame:
    """Service suspensions that began in each bucket, per service: bucket, service, service_label, suspensions,
    hours (total time suspended; one not resumed yet counts up to `now`), ongoing (not resumed yet)."""
    require(actor, VIEW)
    now = now or utcnow()
    s = ServiceSuspension
    b = bucket(s.suspended_at, flt.grain).label("b")
    hours = _hours(func.coalesce(s.resumed_at, func.greatest(literal(now), s.suspended_at)), s.suspended_at)
    rows = session.execute(
        select(b, s.service, func.count(), func.sum(hours), func.count().filter(s.resumed_at.is_(None)))
        .join(Incident, Incident.id == s.incident_id)
        .where(in_period(s.suspended_at, flt), district_condition(flt.district))
        .group_by(b, s.service).order_by(b, s.service))
    frame = frame_of(rows, ["bucket", "service", "suspensions", "hours", "ongoing"])
    frame["hours"] = frame["hours"].astype(float)
    frame.insert(2, "service_label", [_(STEP_LABELS[v]) for v in frame["service"]])
    return _dates(frame)


def suspended_incidents(session: Session, *, actor: CurrentUser, flt: DashboardFilter, service: str | None = None,
                        limit: int = MAX_DRILL_REFERENCES) -> list[str]:
    """References of the incidents with a suspension (of `service`) beginning in the filter's days (and district):
    the records behind a bar of the suspensions chart."""
    require(actor, VIEW)
    s = ServiceSuspension
    query = (select(Incident.reference).join(s, s.incident_id == Incident.id)
             .where(in_period(s.suspended_at, flt), district_condition(flt.district))
             .group_by(Incident.reference).order_by(Incident.reference).limit(limit))
    if service:
        query = query.where(s.service == service)
    return list(session.scalars(query))


def totals(session: Session, *, actor: CurrentUser, flt: DashboardFilter,
           now: datetime | None = None) -> pd.DataFrame:
    """One row for the whole period: incidents, major (severity 1–2), retailers, the respond / resolve median,
    90th percentile and count, suspensions and their hours."""
    require(actor, VIEW)
    now = now or utcnow()
    m = _measured(flt)
    row = session.execute(select(func.count(), func.count().filter(m.c.severity.in_(MAJOR_SEVERITIES)),
                                 func.coalesce(func.sum(m.c.retailers), 0), *_time_columns(m))).one()
    s = ServiceSuspension
    hours = _hours(func.coalesce(s.resumed_at, func.greatest(literal(now), s.suspended_at)), s.suspended_at)
    suspended = session.execute(select(func.count(), func.coalesce(func.sum(hours), 0.0))
                                .join(Incident, Incident.id == s.incident_id)
                                .where(in_period(s.suspended_at, flt), district_condition(flt.district))).one()
    columns = ["incidents", "major", "retailers", "respond_median", "respond_p90", "responded", "resolve_median",
               "resolve_p90", "resolved", "suspensions", "suspension_hours"]
    values = [None if v is None else float(v) if isinstance(v, float | Decimal) else int(v)
              for v in (*row, *suspended)]
    return pd.DataFrame([values], columns=columns)


def open_count(session: Session, *, actor: CurrentUser, district: str | None = None) -> int:
    require(actor, VIEW)
    return session.scalar(select(func.count()).where(Incident.status.in_(ACTIVE_STATUSES),
                                                     district_condition(district))) or 0


# ---------------------------------------------------------------------------------------------- figures

def headline(session: Session, *, actor: CurrentUser, flt: DashboardFilter,
             now: datetime | None = None) -> list[Figure]:
    """The page's headline numbers for the period beside the period of the same length before it."""
    now_rows = totals(session, actor=actor, flt=flt, now=now).iloc[0]
    before = totals(session, actor=actor, flt=flt.previous(), now=now).iloc[0]
    return headline_figures(now_rows, before) + [
        Figure(_("Open now"), open_count(session, actor=actor, district=flt.district), None, COUNT,
               higher_is_better=False)]


COUNT_COLUMNS = frozenset({"incidents", "major", "retailers", "responded", "resolved", "suspensions"})


def plain_value(row: pd.Series, name: str) -> int | float | None:
    """A plain Python number (counts as int) from a totals row; None where nothing was measured."""
    value = row[name]
    if value is None or pd.isna(value):
        return None
    return int(value) if name in COUNT_COLUMNS else float(value)


def headline_figures(row: pd.Series, before: pd.Series) -> list[Figure]:
    return [
        Figure(_("Incidents"), plain_value(row, "incidents"), plain_value(before, "incidents"), COUNT,
               higher_is_better=False),
        Figure(_("Major incidents (severity 1–2)"), plain_value(row, "major"), plain_value(before, "major"), COUNT,
               higher_is_better=False),
        Figure(_("Median hours to respond"), plain_value(row, "respond_median"), plain_value(before, "respond_median"),
               NUMBER, higher_is_better=False),
        Figure(_("Median hours to resolve"), plain_value(row, "resolve_median"), plain_value(before, "resolve_median"),
               NUMBER, higher_is_better=False),
    ]


def overview(session: Session, *, actor: CurrentUser, today: date | None = None) -> list[Figure]:
    """Home page: this month so far against last month — incidents, major ones, median time to resolve, and the
    incidents open now."""
    require(actor, VIEW)
    today = today or center_today()
    this = month_filter(today)
    this = DashboardFilter(start=this.start, end=today)
    last = month_filter(previous_month(today))
    row = totals(session, actor=actor, flt=this).iloc[0]
    before = totals(session, actor=actor, flt=last).iloc[0]
    figures = headline_figures(row, before)
    return [figures[0], figures[1], figures[3],
            Figure(_("Open incidents now"), open_count(session, actor=actor), None, COUNT, higher_is_better=False)]

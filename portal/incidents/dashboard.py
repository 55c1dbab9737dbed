"""Incident dashboard and the monthly incident summary: counts by type and severity, time to respond and to
resolve, open incidents now, retailers affected and service suspensions — each one aggregate query.

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
them, and imports no streamlit. Chart builders here are pure (DataFrame in, chart out).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import altair as alt
import pandas as pd
from sqlalchemy import Float, Integer, and_, any_, case, cast, func, literal, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from db.incident_models import (
    ACTIVE_STATUSES,
    MAJOR_SEVERITIES,
    FollowUpAction,
    Incident,
    IncidentRetailer,
    IncidentTimelineEntry,
    ServiceSuspension,
)
from db.models import Retailer, User
from portal.access.auth import CurrentUser, require
from portal.center.sla import CENTER_TZ
from portal.dashboards.charts import HEIGHT, bar_ends, pick, time_axis
from portal.dashboards.period import (
    DAY,
    MONTH,
    WEEK,
    DashboardFilter,
    bucket,
    buckets,
    center_today,
    day_start,
    in_period,
    month_filter,
    previous_month,
)
from portal.dashboards.report import COUNT, NUMBER, Figure, MonthlyReport
from portal.i18n import N_, _, fmt_number
from portal.incidents.labels import SCOPE_LABELS, SEVERITY_LABELS, STATUS_LABELS, STEP_LABELS, TYPE_LABELS
from portal.incidents.rules import utcnow
from portal.records.filters import ANY_OF, BETWEEN, IS, Filter

VIEW = "incidents.view"
# Streamlit sizes a chart without its own autosize to "fit": the height would then include the legend and axes,
# squeezing the plot of a chart with a long legend. fit-x fills the card's width and keeps the plot's height.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")
SEVERITY_COLORS = {1: "#b71c1c", 2: "#ef6c00", 3: "#f9a825", 4: "#78909c"}
STATUS_COLORS = {"open": "#d62728", "responding": "#ff7f0e", "monitoring": "#1f77b4"}
# how long an open incident has been running: (key, label, upper bound in hours; None: no bound)
AGE_BUCKETS = (("h4", N_("Under 4 hours"), 4), ("h24", N_("4–24 hours"), 24), ("d3", N_("1–3 days"), 72),
               ("d7", N_("3–7 days"), 168), ("older", N_("Over 7 days"), None))
RESPOND, RESOLVE = "respond", "resolve"
MEDIAN, P90 = "median", "p90"
REPORT_WIDTH = 640  # px: the printed report has no container to fit a chart's width to
MAX_REPORT_ACTIONS = 300  # open follow-up actions listed in a monthly report (the longest overdue first)
MAX_DRILL_REFERENCES = 200  # a click on a suspension bar lists at most this many incidents in the grid link
RESPONSE_DEFINITION = N_("Time to respond: from the start to the first move out of “Opened” (to responding, "
                         "monitoring or resolved). Time to resolve: from the start to “Resolved”. Each incident "
                         "counts in the day, week or month it started.")


# ---------------------------------------------------------------------------------------------- conditions

def district_condition(district: str | None) -> ColumnElement[bool]:
    """Incidents whose affected districts include `district` (all incidents when None)."""
    return Incident.affected_districts.contains([district]) if district else true()


def _started_in(flt: DashboardFilter) -> ColumnElement[bool]:
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


def _frame(rows: Iterable[Any], columns: list[str]) -> pd.DataFrame:
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
    rows = session.execute(select(b, Incident.type, func.count()).where(_started_in(flt))
                           .group_by(b, Incident.type).order_by(b, Incident.type))
    frame = _frame(rows, ["bucket", "type", "incidents"])
    frame.insert(2, "type_label", [_(TYPE_LABELS[t]) for t in frame["type"]])
    return _dates(frame)


def by_severity(session: Session, *, actor: CurrentUser, flt: DashboardFilter) -> pd.DataFrame:
    """Incidents that started in each bucket, per severity (1 critical … 4 minor): bucket, severity,
    severity_label, incidents."""
    require(actor, VIEW)
    b = bucket(Incident.started_at, flt.grain).label("b")
    rows = session.execute(select(b, Incident.severity, func.count()).where(_started_in(flt))
                           .group_by(b, Incident.severity).order_by(b, Incident.severity))
    frame = _frame(rows, ["bucket", "severity", "incidents"])
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
            .where(_started_in(flt)).subquery("measured"))


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
    frame = _frame(rows, ["severity", "status", "age", "incidents", "oldest_hours"])
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
                           .where(_started_in(flt)).group_by(b, Incident.scope).order_by(b, Incident.scope))
    frame = _frame(rows, ["bucket", "scope", "retailers", "incidents"])
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
    frame = _frame(rows, ["bucket", "service", "suspensions", "hours", "ongoing"])
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
    return _figures(now_rows, before) + [
        Figure(_("Open now"), open_count(session, actor=actor, district=flt.district), None, COUNT,
               higher_is_better=False)]


COUNT_COLUMNS = frozenset({"incidents", "major", "retailers", "responded", "resolved", "suspensions"})


def _value(row: pd.Series, name: str) -> int | float | None:
    """A plain Python number (counts as int) from a totals row; None where nothing was measured."""
    value = row[name]
    if value is None or pd.isna(value):
        return None
    return int(value) if name in COUNT_COLUMNS else float(value)


def _figures(row: pd.Series, before: pd.Series) -> list[Figure]:
    return [
        Figure(_("Incidents"), _value(row, "incidents"), _value(before, "incidents"), COUNT, higher_is_better=False),
        Figure(_("Major incidents (severity 1–2)"), _value(row, "major"), _value(before, "major"), COUNT,
               higher_is_better=False),
        Figure(_("Median hours to respond"), _value(row, "respond_median"), _value(before, "respond_median"),
               NUMBER, higher_is_better=False),
        Figure(_("Median hours to resolve"), _value(row, "resolve_median"), _value(before, "resolve_median"),
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
    figures = _figures(row, before)
    return [figures[0], figures[1], figures[3],
            Figure(_("Open incidents now"), open_count(session, actor=actor), None, COUNT, higher_is_better=False)]


# ---------------------------------------------------------------------------------------------- click-through

def picked_day(value: Any, flt: DashboardFilter) -> date | None:
    """The bucket a clicked mark stands for. Vega reports a date field as epoch milliseconds of the browser's
    local midnight (or, depending on the version, an ISO text); take the filter's bucket nearest to it."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        value = value[0] if value else None
        if value is None:
            return None
    try:
        if isinstance(value, int | float):
            moment = datetime(1970, 1, 1) + timedelta(milliseconds=float(value))
        else:
            moment = pd.Timestamp(str(value)).tz_localize(None).to_pydatetime()
    except (ValueError, OverflowError, TypeError):
        return None
    starts = buckets(flt)
    if not starts:
        return None
    nearest = min(starts, key=lambda d: abs(datetime.combine(d, datetime.min.time()) - moment))
    if abs(datetime.combine(nearest, datetime.min.time()) - moment) > timedelta(days=1):
        return None
    return nearest


def bucket_days(flt: DashboardFilter, start: date) -> tuple[date, date]:
    """The days of the bucket starting `start`, cut to the filter's range."""
    if flt.grain == DAY:
        end = start
    elif flt.grain == WEEK:
        end = start + timedelta(days=6)
    else:
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return max(start, flt.start), min(end, flt.end)


def grid_filters(flt: DashboardFilter, *, day: date | None = None, started: bool = True, **equal: Any) -> list[Filter]:
    """Records-layer filters (portal.incidents.records.INCIDENTS) for the incidents behind a mark: started in the
    bucket starting `day` (else in the whole period; `started=False`: any time), in the filter's district, and
    each `field=value` of `equal` (a list: any of)."""
    filters = []
    if started:
        lo, hi = bucket_days(flt, day) if day is not None else (flt.start, flt.end)
        filters.append(Filter("started_at", BETWEEN, (lo.isoformat(), hi.isoformat())))
    if flt.district:
        filters.append(Filter("affected_districts", IS, flt.district))
    for name, value in equal.items():
        if isinstance(value, list | tuple):
            filters.append(Filter(name, ANY_OF, tuple(str(v) for v in value)))
        elif value is not None:
            filters.append(Filter(name, IS, str(value)))
    return filters


def code_of(labels: dict[Any, str], label: Any) -> Any:
    """The code whose translated label is `label` (a legend value a click reports), else None."""
    return next((code for code, text in labels.items() if _(text) == label), None)


# ---------------------------------------------------------------------------------------------- charts

def _legend(columns: int) -> alt.Legend:
    """A legend under the chart, wrapped in `columns` (long labels do not fit one line of half a page)."""
    return alt.Legend(orient="bottom", columns=columns, labelLimit=220)


def _severity_scale() -> alt.Scale:
    return alt.Scale(domain=[_(SEVERITY_LABELS[s]) for s in sorted(SEVERITY_LABELS)],
                     range=[SEVERITY_COLORS[s] for s in sorted(SEVERITY_LABELS)])


def _stacked_time_bars(frame: pd.DataFrame, grain: str, *, x_title: str, y: str, y_title: str, y_format: str,
                       color: str, color_title: str, extra_tooltips: tuple[alt.Tooltip, ...] = (),
                       order: alt.Order | None = None, **color_options: Any) -> alt.TopLevelMixin:
    """Bars spanning their bucket (day, week or month, like `charts.trend` draws them) of `y`, stacked by the labels
    in column `color` (`color_options`: its scale, sort, legend); a click picks the bucket and the label."""
    data = frame.assign(bucket_end=bar_ends(frame["bucket"], grain))
    tooltip = [alt.Tooltip("bucket:T", title=x_title, format=_tooltip_format(grain)),
               alt.Tooltip(f"{color}:N", title=color_title), *extra_tooltips]
    if not extra_tooltips:
        tooltip.append(alt.Tooltip(f"{y}:Q", title=y_title, format=y_format))
    return (alt.Chart(data).mark_bar(orient="vertical").encode(
        x=time_axis("bucket", grain, x_title, time_unit=None), x2=alt.X2("bucket_end:T"),
        y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format)),
        color=alt.Color(f"{color}:N", title=color_title, **color_options), tooltip=tooltip,
        **({"order": order} if order is not None else {}))
        .add_params(pick("bucket", color))
        .properties(autosize=FIT_WIDTH, height=HEIGHT))


def severity_trend(frame: pd.DataFrame, *, grain: str) -> alt.TopLevelMixin:
    """Incidents per bucket stacked by severity, critical at the bottom in red."""
    return _stacked_time_bars(
        frame, grain, x_title=_("Started"), y="incidents", y_title=_("Incidents"), y_format=",d",
        color="severity_label", color_title=_("Severity"), scale=_severity_scale(), legend=_legend(2),
        order=alt.Order("severity:Q", sort="ascending"))


def type_trend(frame: pd.DataFrame, *, grain: str) -> alt.TopLevelMixin:
    """Incidents per bucket stacked by type; the legend wraps (nine types do not fit one line of half a page)."""
    return _stacked_time_bars(
        frame, grain, x_title=_("Started"), y="incidents", y_title=_("Incidents"), y_format=",d",
        color="type_label", color_title=_("Type"), sort=[_(label) for label in TYPE_LABELS.values()],
        legend=_legend(2))


def _tooltip_format(grain: str) -> str:
    return "%Y-%m" if grain == MONTH else "%Y-%m-%d"


def times_chart(frame: pd.DataFrame, *, grain: str, title: str) -> alt.TopLevelMixin:
    """Median (solid) and 90th percentile (dashed) hours per bucket of one measure (respond or resolve)."""
    x_title, y_title, stat_title = _("Started"), _("Hours"), _("Statistic")
    order = [_("Median"), _("90th percentile")]
    return (alt.Chart(frame).mark_line(point=True).encode(
        x=time_axis("bucket", grain, x_title),
        y=alt.Y("hours:Q", title=y_title, axis=alt.Axis(format=",.1f")),
        color=alt.Color("statistic_label:N", title=stat_title, sort=order, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=order, range=["#1f77b4", "#9467bd"])),
        strokeDash=alt.StrokeDash("statistic_label:N", title=stat_title, sort=order,
                                  scale=alt.Scale(domain=order, range=[[1, 0], [6, 4]]), legend=None),
        tooltip=[alt.Tooltip("bucket:T", title=x_title, format=_tooltip_format(grain)),
                 alt.Tooltip("statistic_label:N", title=title),
                 alt.Tooltip("hours:Q", title=y_title, format=",.1f"),
                 alt.Tooltip("incidents:Q", title=_("Incidents measured"), format=",d")])
        .add_params(pick("bucket"))
        .properties(autosize=FIT_WIDTH, height=HEIGHT))


def open_chart(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """Open incidents now: one bar per severity (critical first), stacked by status."""
    data = (frame.groupby(["severity", "severity_label", "status", "status_label", "status_rank"], as_index=False)
            .agg(incidents=("incidents", "sum"), oldest_hours=("oldest_hours", "max")))
    y_title, x_title, color_title = _("Severity"), _("Open incidents"), _("Status")
    statuses = [_(STATUS_LABELS[s]) for s in ACTIVE_STATUSES]
    return (alt.Chart(data).mark_bar().encode(
        y=alt.Y("severity_label:N", title=y_title, sort=[_(SEVERITY_LABELS[s]) for s in sorted(SEVERITY_LABELS)],
                axis=alt.Axis(labelLimit=220)),
        x=alt.X("incidents:Q", title=x_title, axis=alt.Axis(format=",d", tickMinStep=1)),
        color=alt.Color("status_label:N", title=color_title, sort=statuses,
                        scale=alt.Scale(domain=statuses, range=[STATUS_COLORS[s] for s in ACTIVE_STATUSES]),
                        legend=alt.Legend(orient="bottom")),
        order=alt.Order("status_rank:Q", sort="ascending"),
        tooltip=[alt.Tooltip("severity_label:N", title=y_title), alt.Tooltip("status_label:N", title=color_title),
                 alt.Tooltip("incidents:Q", title=x_title, format=",d"),
                 alt.Tooltip("oldest_hours:Q", title=_("Oldest (hours)"), format=",.1f")])
        .add_params(pick("severity_label", "status_label"))
        .properties(autosize=FIT_WIDTH, height=max(80, 40 * data["severity"].nunique())))


def age_chart(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """Open incidents now by how long they have been running, stacked by severity."""
    data = frame.groupby(["age", "age_label", "age_rank", "severity", "severity_label"], as_index=False).agg(
        incidents=("incidents", "sum"))
    x_title, y_title, color_title = _("Running for"), _("Open incidents"), _("Severity")
    return (alt.Chart(data).mark_bar().encode(
        x=alt.X("age_label:N", title=x_title, sort=[_(label) for _k, label, _upper in AGE_BUCKETS],
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("incidents:Q", title=y_title, axis=alt.Axis(format=",d", tickMinStep=1)),
        color=alt.Color("severity_label:N", title=color_title, scale=_severity_scale(), legend=_legend(2)),
        order=alt.Order("severity:Q", sort="ascending"),
        tooltip=[alt.Tooltip("age_label:N", title=x_title), alt.Tooltip("severity_label:N", title=color_title),
                 alt.Tooltip("incidents:Q", title=y_title, format=",d")])
        .add_params(pick("severity_label"))
        .properties(autosize=FIT_WIDTH, height=HEIGHT))


def retailers_chart(frame: pd.DataFrame, *, grain: str) -> alt.TopLevelMixin:
    """Retailers affected per bucket, stacked by scope (district-wide / local), with the incident count."""
    y_title = _("Retailers affected")
    return _stacked_time_bars(
        frame, grain, x_title=_("Started"), y="retailers", y_title=y_title, y_format=",d",
        color="scope_label", color_title=_("Scope"), legend=alt.Legend(orient="bottom"),
        extra_tooltips=(alt.Tooltip("retailers:Q", title=y_title, format=",d"),
                        alt.Tooltip("incidents:Q", title=_("Incidents"), format=",d")))


def suspensions_chart(frame: pd.DataFrame, *, grain: str) -> alt.TopLevelMixin:
    """Hours of service suspended per bucket, stacked by service, with the number of suspensions."""
    y_title = _("Hours suspended")
    return _stacked_time_bars(
        frame, grain, x_title=_("Suspension began"), y="hours", y_title=y_title, y_format=",.0f",
        color="service_label", color_title=_("Service"), sort=[_(STEP_LABELS[s]) for s in STEP_LABELS],
        legend=alt.Legend(orient="bottom"),
        extra_tooltips=(alt.Tooltip("suspensions:Q", title=_("Suspensions"), format=",d"),
                        alt.Tooltip("hours:Q", title=y_title, format=",.1f"),
                        alt.Tooltip("ongoing:Q", title=_("Not resumed yet"), format=",d")))


def type_bars(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """A month's incidents by type (largest first), stacked by severity — the monthly report's chart."""
    x_title, y_title, color_title = _("Incidents"), _("Type"), _("Severity")
    return (alt.Chart(frame).mark_bar().encode(
        y=alt.Y("type_label:N", title=y_title, sort="-x", axis=alt.Axis(labelLimit=220)),
        x=alt.X("incidents:Q", title=x_title, axis=alt.Axis(format=",d", tickMinStep=1)),
        color=alt.Color("severity_label:N", title=color_title, scale=_severity_scale(), legend=_legend(2)),
        order=alt.Order("severity:Q", sort="ascending"),
        tooltip=[alt.Tooltip("type_label:N", title=y_title), alt.Tooltip("severity_label:N", title=color_title),
                 alt.Tooltip("incidents:Q", title=x_title, format=",d")])
        .properties(autosize=FIT_WIDTH, height=max(80, 26 * frame["type"].nunique())))


# ---------------------------------------------------------------------------------------------- monthly report

def _month_counts(session: Session, month: DashboardFilter, column: Any) -> dict[Any, tuple[int, int]]:
    """value -> (incidents this month, the month before), one query over both months."""
    before = month_filter(previous_month(month.start))
    this_month, last_month = in_period(Incident.started_at, month), in_period(Incident.started_at, before)
    rows = session.execute(select(column, func.count().filter(this_month), func.count().filter(last_month))
                           .where(Incident.started_at >= day_start(before.start),
                                  Incident.started_at < day_start(month.end + timedelta(days=1)))
                           .group_by(column))
    return {r[0]: (r[1], r[2]) for r in rows}


def _count_table(counts: dict[Any, tuple[int, int]], labels: dict[Any, str], head: str) -> pd.DataFrame:
    rows = [(_(label), *counts.get(code, (0, 0)), counts.get(code, (0, 0))[0] - counts.get(code, (0, 0))[1])
            for code, label in labels.items()]
    total = [sum(r[1] for r in rows), sum(r[2] for r in rows)]
    rows.append((_("Total"), total[0], total[1], total[0] - total[1]))
    return pd.DataFrame(rows, columns=[head, _("This month"), _("Previous month"), _("Change")])


def month_incidents(session: Session, *, actor: CurrentUser, month: date) -> pd.DataFrame:
    """The incidents that started in the month, in order, with translated headers (the report's table)."""
    require(actor, VIEW)
    flt = month_filter(month)
    rows = session.execute(
        select(Incident.reference, Incident.type, Incident.severity, Incident.title,
               func.timezone(str(CENTER_TZ), Incident.started_at), func.timezone(str(CENTER_TZ), Incident.resolved_at),
               Incident.status, retailers_affected(), Incident.root_cause)
        .where(in_period(Incident.started_at, flt)).order_by(Incident.started_at, Incident.id)).all()
    return pd.DataFrame(
        [(r[0], _(TYPE_LABELS[r[1]]), r[2], r[3], _minute(r[4]), _minute(r[5]), _(STATUS_LABELS[r[6]]), r[7],
          r[8] or "") for r in rows],
        columns=[_("Reference"), _("Type"), _("Severity"), _("Title"), _("Started"), _("Resolved"), _("Status"),
                 _("Retailers affected"), _("Root cause")])


def _minute(value: datetime | None) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M}"


def _open_at(end: datetime) -> ColumnElement[bool]:
    """A follow-up action that was open at `end`: added before it and not done before it."""
    a = FollowUpAction
    return and_(a.created_at < end, (a.done_at.is_(None)) | (a.done_at >= end))


def open_actions(session: Session, *, actor: CurrentUser, month: date,
                 limit: int = MAX_REPORT_ACTIONS) -> pd.DataFrame:
    """Follow-up actions open at the end of the month (added by then, not done by then), the longest overdue
    first — at most `limit` of them (`open_action_count` says how many there are)."""
    require(actor, VIEW)
    last_day = month_filter(month).end
    a = FollowUpAction
    rows = session.execute(
        select(Incident.reference, a.text, User.name, a.due_date)
        .join(Incident, Incident.id == a.incident_id).join(User, User.id == a.owner_id)
        .where(_open_at(day_start(last_day + timedelta(days=1)))).order_by(a.due_date, a.id).limit(limit)).all()
    return pd.DataFrame(
        [(r[0], r[1], r[2], r[3].isoformat(), max((last_day - r[3]).days, 0)) for r in rows],
        columns=[_("Incident"), _("Follow-up action"), _("Owner"), _("Due"), _("Days overdue at month end")])


def open_action_count(session: Session, *, actor: CurrentUser, month: date) -> int:
    require(actor, VIEW)
    end = day_start(month_filter(month).end + timedelta(days=1))
    return session.scalar(select(func.count()).select_from(FollowUpAction).where(_open_at(end))) or 0


def monthly_report(session: Session, *, actor: CurrentUser, month: date, now: datetime | None = None
                   ) -> MonthlyReport:
    """Incident summary: figures beside the month before, counts by type and by severity, response and
    resolution times, the month's incidents and the follow-up actions still open at the month's end."""
    require(actor, VIEW)
    flt = month_filter(month)
    before = month_filter(previous_month(flt.start))
    row = totals(session, actor=actor, flt=flt, now=now).iloc[0]
    prev = totals(session, actor=actor, flt=before, now=now).iloc[0]
    figures = _figures(row, prev) + [
        Figure(_("90th percentile hours to respond"), _value(row, "respond_p90"), _value(prev, "respond_p90"),
               NUMBER, higher_is_better=False),
        Figure(_("90th percentile hours to resolve"), _value(row, "resolve_p90"), _value(prev, "resolve_p90"),
               NUMBER, higher_is_better=False),
        Figure(_("Retailers affected"), _value(row, "retailers"), _value(prev, "retailers"), COUNT,
               higher_is_better=False),
        Figure(_("Service suspensions"), _value(row, "suspensions"), _value(prev, "suspensions"), COUNT,
               higher_is_better=False),
        Figure(_("Hours of service suspended"), _value(row, "suspension_hours"), _value(prev, "suspension_hours"),
               NUMBER, higher_is_better=False),
    ]
    types = _count_table(_month_counts(session, flt, Incident.type), TYPE_LABELS, _("Type"))
    severities = _count_table(_month_counts(session, flt, Incident.severity), SEVERITY_LABELS, _("Severity"))
    times = pd.DataFrame([
        (_("Time to respond"), _value(row, "responded"), _round(row, "respond_median"), _round(row, "respond_p90"),
         _round(prev, "respond_median")),
        (_("Time to resolve"), _value(row, "resolved"), _round(row, "resolve_median"), _round(row, "resolve_p90"),
         _round(prev, "resolve_median"))],
        columns=[_("Measure"), _("Incidents measured"), _("Median (hours)"), _("90th percentile (hours)"),
                 _("Median, previous month (hours)")])
    notes = [_(RESPONSE_DEFINITION)]
    actions = open_action_count(session, actor=actor, month=flt.start)
    figures.append(Figure(_("Follow-up actions open at month end"), actions,
                          open_action_count(session, actor=actor, month=before.start), COUNT, higher_is_better=False))
    if actions > MAX_REPORT_ACTIONS:
        notes.append(_("{n} follow-up actions were open at month end; the table lists the {shown} longest overdue.")
                     .format(n=fmt_number(actions), shown=fmt_number(MAX_REPORT_ACTIONS)))
    charts = []
    mix = _type_severity(session, flt)
    if not mix.empty:
        charts.append((_("Incidents by type and severity"), type_bars(mix).properties(width=REPORT_WIDTH)))
    year = DashboardFilter(start=month_filter(_months_back(flt.start, 11)).start, end=flt.end)
    trend_frame = by_severity(session, actor=actor, flt=year)
    if not trend_frame.empty:
        charts.append((_("Incidents per month by severity (12 months)"),
                       severity_trend(trend_frame, grain=MONTH).properties(width=REPORT_WIDTH)))
    return MonthlyReport(
        title=_("Incident summary"), month=flt.start, figures=figures, charts=charts,
        tables=[(_("Incidents by type"), types), (_("Incidents by severity"), severities),
                (_("Response and resolution times"), times),
                (_("Incidents of the month"), month_incidents(session, actor=actor, month=flt.start)),
                (_("Open follow-up actions at month end"), open_actions(session, actor=actor, month=flt.start))],
        notes=notes)


def _round(row: pd.Series, name: str) -> float | None:
    value = _value(row, name)
    return None if value is None else round(float(value), 1)


def _months_back(first: date, n: int) -> date:
    for _n in range(n):
        first = previous_month(first)
    return first


def _type_severity(session: Session, flt: DashboardFilter) -> pd.DataFrame:
    rows = session.execute(select(Incident.type, Incident.severity, func.count()).where(_started_in(flt))
                           .group_by(Incident.type, Incident.severity))
    frame = _frame(rows, ["type", "severity", "incidents"])
    return frame.assign(type_label=[_(TYPE_LABELS[t]) for t in frame["type"]],
                        severity_label=[_(SEVERITY_LABELS[s]) for s in frame["severity"]])


"""The monthly incident summary (`monthly_report`, for the monthly-reports page): the month's figures beside the
month before, counts by type and by severity, response and resolution times, the month's incidents, the follow-up
actions still open at the month's end and two charts. Definitions as on the dashboard
(portal/incidents/dashboard.py); every number is one aggregate query in PostgreSQL.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from db.incident_models import FollowUpAction, Incident
from db.models import User
from portal.access.auth import CurrentUser, require
from portal.center.sla import CENTER_TZ
from portal.dashboards.period import MONTH, DashboardFilter, day_start, in_period, month_filter, previous_month
from portal.dashboards.report import COUNT, NUMBER, Figure, MonthlyReport
from portal.i18n import _, fmt_number
from portal.incidents.charts import severity_trend, type_bars
from portal.incidents.dashboard import (
    RESPONSE_DEFINITION,
    VIEW,
    by_severity,
    frame_of,
    headline_figures,
    plain_value,
    retailers_affected,
    started_in_period,
    totals,
)
from portal.incidents.labels import SEVERITY_LABELS, STATUS_LABELS, TYPE_LABELS

REPORT_WIDTH = 640  # px: the printed report has no container to fit a chart's width to
MAX_REPORT_ACTIONS = 300  # open follow-up actions listed in a monthly report (the longest overdue first)


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
    figures = headline_figures(row, prev) + [
        Figure(_("90th percentile hours to respond"), plain_value(row, "respond_p90"), plain_value(prev, "respond_p90"),
               NUMBER, higher_is_better=False),
        Figure(_("90th percentile hours to resolve"), plain_value(row, "resolve_p90"), plain_value(prev, "resolve_p90"),
               NUMBER, higher_is_better=False),
        Figure(_("Retailers affected"), plain_value(row, "retailers"), plain_value(prev, "retailers"), COUNT,
               higher_is_better=False),
        Figure(_("Service suspensions"), plain_value(row, "suspensions"), plain_value(prev, "suspensions"), COUNT,
               higher_is_better=False),
        Figure(_("Hours of service suspended"), plain_value(row, "suspension_hours"),
               plain_value(prev, "suspension_hours"), NUMBER, higher_is_better=False),
    ]
    types = _count_table(_month_counts(session, flt, Incident.type), TYPE_LABELS, _("Type"))
    severities = _count_table(_month_counts(session, flt, Incident.severity), SEVERITY_LABELS, _("Severity"))
    times = pd.DataFrame([
        (_("Time to respond"), plain_value(row, "responded"), _round(row, "respond_median"), _round(row, "respond_p90"),
         _round(prev, "respond_median")),
        (_("Time to resolve"), plain_value(row, "resolved"), _round(row, "resolve_median"), _round(row, "resolve_p90"),
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
    value = plain_value(row, name)
    return None if value is None else round(float(value), 1)


def _months_back(first: date, n: int) -> date:
    for _n in range(n):
        first = previous_month(first)
    return first


def _type_severity(session: Session, flt: DashboardFilter) -> pd.DataFrame:
    rows = session.execute(select(Incident.type, Incident.severity, func.count()).where(started_in_period(flt))
                           .group_by(Incident.type, Incident.severity))
    frame = frame_of(rows, ["type", "severity", "incidents"])
    return frame.assign(type_label=[_(TYPE_LABELS[t]) for t in frame["type"]],
                        severity_label=[_(SEVERITY_LABELS[s]) for s in frame["severity"]])


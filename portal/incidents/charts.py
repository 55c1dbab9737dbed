"""Incident dashboard charts: the Altair chart builders of the incident dashboard page and the monthly incident
summary. Each is pure (a DataFrame of portal/incidents/dashboard.py or monthly.py in, a chart out): it runs no
query and imports no streamlit.
"""
from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from db.incident_models import ACTIVE_STATUSES
from portal.dashboards.charts import HEIGHT, bar_ends, pick, time_axis
from portal.dashboards.period import MONTH
from portal.i18n import _
from portal.incidents.dashboard import AGE_BUCKETS
from portal.incidents.labels import SEVERITY_LABELS, STATUS_LABELS, STEP_LABELS, TYPE_LABELS

# Streamlit sizes a chart without its own autosize to "fit": the height would then include the legend and axes,
# squeezing the plot of a chart with a long legend. fit-x fills the card's width and keeps the plot's height.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")
SEVERITY_COLORS = {1: "#b71c1c", 2: "#ef6c00", 3: "#f9a825", 4: "#78909c"}
STATUS_COLORS = {"open": "#d62728", "responding": "#ff7f0e", "monitoring": "#1f77b4"}


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

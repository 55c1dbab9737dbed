"""Training dashboard charts: the Altair figures of the training dashboard and of the monthly summary — sessions by
state, attendees, attendance rate, evaluation share against the 10% sample, scores, coverage against 90%, the monthly
plan's timing — and `picked_month`, the month of a clicked time bucket.

Each builder takes a frame from `portal.training.dashboard` and only draws it (on `portal.dashboards.charts`).
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import altair as alt
import pandas as pd

from portal.dashboards import charts
from portal.dashboards.period import DAY, MONTH, WEEK
from portal.i18n import N_, _, fmt_date, fmt_datetime
from portal.training.attendance import EVALUATION_SHARE, SCORES
from portal.training.labels import PLAN_TIMING_LABELS, SCORE_LABELS
from portal.training.reports import COVERAGE_TARGET

PLAN_COLORS = {"on_time": "#2ca02c", "pending": "#1f77b4", "late": "#ff7f0e", "overdue": "#d62728",
               "no_sessions": "#8c564b"}
GRAIN_TITLES = {DAY: N_("Day"), WEEK: N_("Week"), MONTH: N_("Month")}


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

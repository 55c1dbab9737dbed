"""Complaint dashboard charts: the Altair chart builders of the complaints dashboard page and the monthly
complaint analysis. Each is pure (a DataFrame of portal/complaints/dashboard.py in, a chart out): it runs no query
and imports no streamlit.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from portal.dashboards import charts
from portal.i18n import _


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


def root_cause_pareto(causes: pd.DataFrame) -> alt.TopLevelMixin:
    return charts.pareto(causes, category="root_cause", value="complaints", category_title=_("Root cause"),
                         value_title=_("Complaints"), share_title=_("Cumulative share"),
                         total=int(causes["all_with_cause"].iloc[0]))

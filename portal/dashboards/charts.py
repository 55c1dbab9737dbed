"""Pure chart builders: a small DataFrame of SQL aggregates in, an Altair chart out (no database, no Streamlit).

Every chart has tooltips, titled axes in the reader's language, and a point selection named `PICK` on the
fields that identify a mark (a bucket, a category), so a page can turn a click into a link to the grid of the
records behind it. Callers pass translated titles; an empty frame is the caller's to handle (say "no data for …",
never draw empty axes).
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from portal.dashboards.period import DAY, MONTH, WEEK

# Altair validates every schema object against the Vega-Lite JSON schema as it is created ("debug mode"): tens of
# milliseconds per chart on every page run. The builders here are pure and their specs are validated in the tests
# (tests/unit/test_dashboard_core.py and each area's chart tests call `to_dict()`, which still validates).
alt.utils.schemapi.disable_debug_mode()

PICK = "pick"  # the selection a click sets; st.altair_chart(..., on_select=...) reports it under this name
TARGET_COLOR = "#d62728"
HEIGHT = 260

_TIME_FORMAT = {DAY: "%m-%d", WEEK: "%m-%d", MONTH: "%Y-%m"}
_TIME_TOOLTIP = {DAY: "%Y-%m-%d", WEEK: "%Y-%m-%d", MONTH: "%Y-%m"}


def _pick(*fields: str) -> alt.Parameter:
    return alt.selection_point(name=PICK, fields=list(fields), on="click", clear="dblclick")


def time_axis(field: str, grain: str, title: str, *, time_unit: str | None = "yearmonthdate") -> alt.X:
    """A date axis labelled by day or month as the grain wants (weeks are labelled by their Monday); monthly
    axes tick once a month (automatic ticks would repeat a month's label)."""
    return alt.X(f"{field}:T", title=title, timeUnit=time_unit or alt.Undefined,
                 axis=alt.Axis(format=_TIME_FORMAT[grain], labelAngle=0, labelOverlap=True,
                               tickCount={"interval": "month", "step": 1} if grain == MONTH else alt.Undefined))


def _bar_ends(starts: pd.Series, grain: str) -> pd.Series:
    """Where a bucket's bar ends: 90% of the way to the next bucket (a bar as wide as its week or month)."""
    starts = pd.to_datetime(starts)
    following = {DAY: starts + pd.Timedelta(days=1), WEEK: starts + pd.Timedelta(days=7),
                 MONTH: starts + pd.offsets.MonthBegin(1)}[grain]
    return starts + (following - starts) * 0.9


def trend(frame: pd.DataFrame, *, x: str, y: str, grain: str, x_title: str, y_title: str,
          color: str | None = None, color_title: str | None = None, mark: str = "bar",
          y_format: str = ",d", target: float | None = None, target_title: str | None = None) -> alt.TopLevelMixin:
    """Counts or rates per bucket: stacked bars (mark="bar", optionally coloured by `color`) or lines.

    `target` draws a dashed horizontal rule (e.g. 98% satisfaction) labelled `target_title`.
    """
    tooltip = [alt.Tooltip(f"{x}:T", title=x_title, format=_TIME_TOOLTIP[grain]),
               alt.Tooltip(f"{y}:Q", title=y_title, format=y_format)]
    encoding = {"x": time_axis(x, grain, x_title),
                "y": alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format),
                           scale=alt.Scale(domain=[0, 1]) if y_format.endswith("%") else alt.Undefined)}
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=color_title or color, legend=alt.Legend(orient="bottom"))
        tooltip.insert(1, alt.Tooltip(f"{color}:N", title=color_title or color))
    fields = [x, color] if color else [x]
    if mark == "bar":  # bars span their bucket (a day-wide bar would be a sliver on a weekly or monthly axis)
        frame = frame.assign(**{f"{x}_end": _bar_ends(frame[x], grain)})
        encoding["x"] = time_axis(x, grain, x_title, time_unit=None)
        encoding["x2"] = alt.X2(f"{x}_end:T")
    base = alt.Chart(frame)
    # orient: with x and x2 both set, Vega-Lite would otherwise draw each bar horizontally (a thin x-to-x2 sliver)
    marks = (base.mark_bar(orient="vertical") if mark == "bar" else base.mark_line(point=True)).encode(
        tooltip=tooltip, **encoding)
    marks = marks.add_params(_pick(*fields))
    if target is None:
        return marks.properties(height=HEIGHT)
    rule = alt.Chart(pd.DataFrame({"target": [target], "label": [target_title or ""]})).mark_rule(
        color=TARGET_COLOR, strokeDash=[6, 4]).encode(
        y="target:Q", tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("target:Q", format=y_format, title="")])
    return alt.layer(marks, rule).properties(height=HEIGHT)


def ranked_bars(frame: pd.DataFrame, *, category: str, value: str, category_title: str, value_title: str,
                value_format: str = ",d", color: str | None = None, color_title: str | None = None,
                limit: int | None = None) -> alt.TopLevelMixin:
    """Horizontal bars, largest first (categories, departments, districts), optionally stacked by `color`."""
    data = frame
    if limit is not None:
        top = frame.groupby(category)[value].sum().nlargest(limit).index
        data = frame[frame[category].isin(top)]
    tooltip = [alt.Tooltip(f"{category}:N", title=category_title),
               alt.Tooltip(f"{value}:Q", title=value_title, format=value_format)]
    encoding = {"y": alt.Y(f"{category}:N", title=category_title, sort="-x", axis=alt.Axis(labelLimit=220)),
                "x": alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format))}
    fields = [category]
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=color_title or color, legend=alt.Legend(orient="bottom"))
        tooltip.insert(1, alt.Tooltip(f"{color}:N", title=color_title or color))
        fields.append(color)
    rows = data[category].nunique()
    return (alt.Chart(data).mark_bar().encode(tooltip=tooltip, **encoding).add_params(_pick(*fields))
            .properties(height=max(80, min(24 * rows, 600)) + 70))  # Streamlit fits the axis into the height


def pareto(frame: pd.DataFrame, *, category: str, value: str, category_title: str, value_title: str,
           share_title: str, total: float | None = None) -> alt.TopLevelMixin:
    """Bars largest first with the cumulative share as a line on a second axis (top root causes).

    `total`: what the shares are of, when `frame` holds only the top few (default: the sum of `frame`)."""
    data = frame.sort_values(value, ascending=False).reset_index(drop=True)
    total = data[value].sum() if total is None else total
    data = data.assign(cumulative=data[value].cumsum() / total if total else 0.0, rank=range(len(data)))
    x = alt.X(f"{category}:N", title=category_title, sort=alt.SortField("rank"),
              axis=alt.Axis(labelAngle=-30, labelLimit=160))
    tooltip = [alt.Tooltip(f"{category}:N", title=category_title),
               alt.Tooltip(f"{value}:Q", title=value_title, format=",d"),
               alt.Tooltip("cumulative:Q", title=share_title, format=".0%")]
    bars = alt.Chart(data).mark_bar().encode(x=x, y=alt.Y(f"{value}:Q", title=value_title), tooltip=tooltip
                                             ).add_params(_pick(category))
    line = alt.Chart(data).mark_line(point=True, color=TARGET_COLOR).encode(
        x=x, y=alt.Y("cumulative:Q", title=share_title, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=tooltip)
    return alt.layer(bars, line).resolve_scale(y="independent").properties(height=HEIGHT + 40)

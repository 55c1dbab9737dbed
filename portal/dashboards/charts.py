"""Pure chart builders: a small DataFrame of SQL aggregates in, an Altair chart out (no database, no Streamlit).

Every chart has tooltips, titled axes in the reader's language, and a point selection named `PICK` on the
fields that identify a mark (a bucket, a category), so a page can turn a click into a link to the grid of the
records behind it. Callers pass translated titles; an empty frame is the caller's to handle (say "no data for …",
never draw empty axes).
"""
from __future__ import annotations

import json
import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import altair as alt
import pandas as pd
from altair.vegalite.data import default_data_transformer

from portal.dashboards.period import DAY, MONTH, WEEK
from portal.i18n import _, current_language

# Altair validates every schema object against the Vega-Lite JSON schema as it is created ("debug mode"): tens of
# milliseconds per chart on every page run. The builders here are pure and their specs are validated in the tests
# (tests/dashboards/test_core.py and each area's chart tests call `to_dict()`, which still validates).
alt.utils.schemapi.disable_debug_mode()

PICK = "pick"  # the selection a click sets; st.altair_chart(..., on_select=...) reports it under this name
MARKS = "marks"  # the name of a layered chart's first layer, the one a click selects on
TARGET_COLOR = "#d62728"
HEIGHT = 260
MAX_POINTS = 5_000  # a chart draws aggregates: more rows than this is a mistake upstream (Altair's own limit)


def _json_value(value: Any) -> Any:
    """One cell as Vega-Lite reads it: dates and times as ISO text, missing values as null, plain numbers."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, datetime | date):  # pd.Timestamp is a datetime
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value.item() if hasattr(value, "item") else value  # numpy scalars


def inline_values(data: Any) -> Any:
    """Altair data transformer: a DataFrame's rows as inline values.

    Altair's default transformer sanitizes a DataFrame column by column through pandas (milliseconds per chart,
    most of the time a dashboard spends per chart); the frames here are a few hundred aggregated rows, converted
    cell by cell at a fraction of that. Other data (URLs, dicts of values) pass through unchanged."""
    if not isinstance(data, pd.DataFrame):
        return default_data_transformer(data)
    if len(data) > MAX_POINTS:
        raise ValueError(f"a chart of {len(data):,} rows: aggregate in SQL first (at most {MAX_POINTS:,})")
    columns = [str(c) for c in data.columns]
    rows = zip(*(data[c].tolist() for c in data.columns), strict=True) if columns else ()
    return {"values": [dict(zip(columns, map(_json_value, row), strict=True)) for row in rows]}


alt.data_transformers.register("portal_inline", inline_values)
alt.data_transformers.enable("portal_inline")


class _Layers(alt.LayerChart):
    """A LayerChart that keeps its layers as they are built. `alt.LayerChart()` — which Altair calls again on every
    copy, and `to_dict()` copies — deep-copies each layer twice and lifts and validates each layer's selections: most
    of a layered chart's drawing time. Layers made by `layered` carry no selection, so there is nothing to lift."""

    def __init__(self, data: Any = alt.Undefined, layer: Any = (), **kwargs: Any) -> None:
        super(alt.LayerChart, self).__init__(data=data, layer=list(layer), **kwargs)


def layered(*layers: alt.Chart, pick: list[str] | None = None, **properties: Any) -> alt.LayerChart:
    """Layers drawn in one panel (marks and a target rule, bars and a share line), with the click selection on
    the first layer's marks when `pick` names its fields.

    `alt.layer()` lifts each layer's selections itself, hashing and validating every layer on every build and copy;
    here the layers carry no selection and the one selection is declared on top (see _Layers)."""
    first = layers[0].copy(deep=False)
    first.name = MARKS
    chart = _Layers(layer=[first, *layers[1:]], **properties)
    if pick:
        chart.params = [alt.TopLevelSelectionParameter(
            name=PICK, select=alt.PointSelectionConfig(type="point", fields=list(pick), on="click", clear="dblclick"),
            views=[MARKS])]
    return chart

_TIME_FORMAT = {DAY: "%m-%d", WEEK: "%m-%d", MONTH: "%Y-%m"}
_TIME_TOOLTIP = {DAY: "%Y-%m-%d", WEEK: "%Y-%m-%d", MONTH: "%Y-%m"}


def pick(*fields: str) -> alt.Parameter:
    """The click selection on the fields that identify a mark (a bucket, a category), named PICK."""
    return alt.selection_point(name=PICK, fields=list(fields), on="click", clear="dblclick")


def time_axis(field: str, grain: str, title: str, *, time_unit: str | None = "yearmonthdate") -> alt.X:
    """A date axis labelled by day or month as the grain wants (weeks are labelled by their Monday); monthly
    axes tick once a month (automatic ticks would repeat a month's label)."""
    return alt.X(f"{field}:T", title=title, timeUnit=time_unit or alt.Undefined,
                 axis=alt.Axis(format=_TIME_FORMAT[grain], labelAngle=0, labelOverlap=True,
                               tickCount={"interval": "month", "step": 1} if grain == MONTH else alt.Undefined))


def bar_ends(starts: pd.Series, grain: str) -> pd.Series:
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
        frame = frame.assign(**{f"{x}_end": bar_ends(frame[x], grain)})
        encoding["x"] = time_axis(x, grain, x_title, time_unit=None)
        encoding["x2"] = alt.X2(f"{x}_end:T")
    base = alt.Chart(frame)
    # orient: with x and x2 both set, Vega-Lite would otherwise draw each bar horizontally (a thin x-to-x2 sliver)
    marks = (base.mark_bar(orient="vertical") if mark == "bar" else base.mark_line(point=True)).encode(
        tooltip=tooltip, **encoding)
    if target is None:
        return marks.add_params(pick(*fields)).properties(height=HEIGHT)
    rule = target_rule("y", target, target_title or "", y_format, axis_title=y_title)
    return layered(marks, rule, pick=fields, height=HEIGHT)


def target_rule(channel: str, target: float, title: str, value_format: str, *, axis_title: str) -> alt.Chart:
    """A dashed red rule at `target` across the x or y axis (`channel`, titled `axis_title` like the marks' axis
    it shares), its tooltip saying what it is."""
    position = (alt.X if channel == "x" else alt.Y)("target:Q", title=axis_title)
    return alt.Chart({"values": [{"target": target, "label": title}]}).mark_rule(
        color=TARGET_COLOR, strokeDash=[6, 4]).encode(
        tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("target:Q", format=value_format, title="")],
        **{channel: position})


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
    return (alt.Chart(data).mark_bar().encode(tooltip=tooltip, **encoding).add_params(pick(*fields))
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
    bars = alt.Chart().mark_bar().encode(x=x, y=alt.Y(f"{value}:Q", title=value_title), tooltip=tooltip)
    line = alt.Chart().mark_line(point=True, color=TARGET_COLOR).encode(
        x=x, y=alt.Y("cumulative:Q", title=share_title, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=tooltip)
    return layered(bars, line, pick=[category], data=data, height=HEIGHT + 40,
                   resolve=alt.Resolve(scale=alt.ScaleResolveMap(y="independent")))


# ----------------------------------------------------------------------------------- the reader's language
# Vega formats dates with its own English month and day names ("Oct 28, 2026") and writes the screen-reader
# text of every axis, legend and mark in English ("X-axis titled …", "bucket_end: …"). `localized` turns a built
# chart's spec into the reader's language in one pass: every chart is drawn (portal.ui.dashboard.draw_chart) and
# printed (report.chart_svg) through it.

_ZH_TIME_LOCALE = {
    "dateTime": "%x %A %X", "date": "%Y年%-m月%-d日", "time": "%H:%M:%S", "periods": ["上午", "下午"],
    "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
    "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    "months": [f"{m}月" for m in range(1, 13)], "shortMonths": [f"{m}月" for m in range(1, 13)]}
_NUMBER_LOCALE = {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["¥", ""]}
_TIME_FORMATS = {"zh_CN": "%Y年%-m月%-d日", "en": "%b %-d, %Y"}
_PUNCTUATION = {"zh_CN": ("：", "；")}  # between a tooltip line's title and value, between lines


def _config(language: str) -> dict[str, Any]:
    config: dict[str, Any] = {"timeFormat": _TIME_FORMATS.get(language, "%Y-%m-%d")}
    if language == "zh_CN":
        config["locale"] = {"time": _ZH_TIME_LOCALE, "number": _NUMBER_LOCALE}
    return config


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _read_out(item: dict[str, Any], time_format: str, colon: str) -> str | None:
    """A Vega expression for one tooltip line ("title: value"), or None when the line is not a plain field."""
    field = item.get("field")
    if not isinstance(field, str) or any(k in item for k in ("aggregate", "timeUnit", "bin")):
        return None
    value = f"datum[{_quote(field)}]"
    fmt = item.get("format")
    if item.get("type") == "temporal":
        shown = f"timeFormat(toDate({value}), {_quote(fmt if isinstance(fmt, str) else time_format)})"
    elif item.get("type") == "quantitative" and isinstance(fmt, str):
        shown = f"format({value}, {_quote(fmt)})"
    else:
        shown = f"'' + {value}"
    title = item.get("title")
    line = f"(isValid({value}) ? {shown} : '—')"
    return f"{_quote(f'{title}{colon}')} + {line}" if title else line


def _localize_unit(unit: dict[str, Any], time_format: str, language: str) -> None:
    """One mark: its screen-reader text is its tooltip's lines; its axes and legends are described by their titles
    (Vega would say "X-axis titled …" in English)."""
    encoding = unit.get("encoding") or {}
    for channel, definition in encoding.items():
        if not isinstance(definition, dict) or not isinstance(definition.get("title"), str):
            continue
        guide = "axis" if channel in ("x", "y") else "legend" if channel in _LEGEND_CHANNELS else None
        if guide and definition.get(guide, {}) is not None:
            definition[guide] = {**definition.get(guide, {}), "description": definition["title"]}
    tooltip = encoding.get("tooltip")
    items = tooltip if isinstance(tooltip, list) else [tooltip] if isinstance(tooltip, dict) else []
    colon, separator = _PUNCTUATION.get(language, (": ", "; "))
    lines = [_read_out(item, time_format, colon) for item in items]
    if lines and None not in lines:
        encoding["description"] = {"value": {"expr": f" + {_quote(separator)} + ".join(lines)}}
    elif "mark" in unit:  # nothing to read out in the reader's language: not Vega's English field list either
        mark = unit["mark"]
        unit["mark"] = {**(mark if isinstance(mark, dict) else {"type": mark}), "aria": False}


_LEGEND_CHANNELS = ("color", "fill", "stroke", "shape", "size", "opacity", "strokeDash")


def _walk(spec: dict[str, Any], time_format: str, language: str) -> None:
    if "mark" in spec:
        _localize_unit(spec, time_format, language)
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for part in spec.get(key, ()):
            _walk(part, time_format, language)
    if isinstance(spec.get("spec"), dict):  # facet and repeat
        _walk(spec["spec"], time_format, language)


def localized(spec: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    """A chart's Vega-Lite spec (`chart.to_dict()`) in the reader's language, changed in place and returned: dates
    and numbers formatted by the language's locale (月 names in Chinese), the screen-reader description of the chart
    (`description`, its title), of its axes and legends (their titles) and of each mark (its tooltip's lines)."""
    language = current_language()
    config = _config(language)
    spec["config"] = {**spec.get("config", {}), **config}
    spec["description"] = description or _("Chart")
    _walk(spec, config["timeFormat"], language)
    return spec

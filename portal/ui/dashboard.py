"""Dashboard pieces: the filter bar every chart on a page obeys (kept in the URL), chart cards that say "no data
for …" instead of drawing empty axes, and click-through from a chart mark to the grid of the records behind it.

URL parameters: `period` (two ISO dates, bound to the date-range widget), `dept` (a department code),
`district` (a district name) and `section` (the open tab of a dashboard with sections). A link to a dashboard with
those parameters reproduces what it shows.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st
from sqlalchemy import select, text

from db.engine import unit_of_work
from db.models import Department
from portal.access.auth import CurrentUser
from portal.center.reference import localized_name
from portal.dashboards.charts import PICK, localized
from portal.dashboards.period import DashboardFilter, default_filter, no_data_message
from portal.i18n import _, current_language
from portal.records.filters import Filter
from portal.records.view import ViewState

PERIOD, DEPT, DISTRICT, SECTION = "period", "dept", "district", "section"


@dataclass(frozen=True)
class GridLink:
    """A grid page and the URL parameters of the view to open (records-layer filters, search, sort)."""

    page: str
    params: Mapping[str, str | list[str]] = field(default_factory=dict)


def grid_link(page: str, *filters: Filter, search: str = "", sort: tuple[tuple[str, bool], ...] = (),
              **extra: str) -> GridLink:
    """A link to `page` showing the records that match `filters` (the grid's own URL spelling)."""
    params = dict(ViewState(search=search, filters=tuple(filters), sort=sort).to_params())
    params.update(extra)
    return GridLink(page, params)


@st.cache_data(ttl=600, show_spinner=False)
def _districts() -> list[str]:
    """The districts retailers are in (a loose index scan: as fast at 200,000 retailers as at 300)."""
    with unit_of_work() as s:
        return list(s.scalars(text(
            "WITH RECURSIVE d AS (SELECT min(district) AS v FROM retailers UNION ALL "
            "SELECT (SELECT min(district) FROM retailers WHERE district > d.v) FROM d WHERE d.v IS NOT NULL) "
            "SELECT v FROM d WHERE v IS NOT NULL")))


def _departments(language: str) -> dict[str, tuple[int, str]]:
    with unit_of_work() as s:
        rows = s.scalars(select(Department).where(Department.active).order_by(Department.id))
        return {d.code: (d.id, localized_name(d, language)) for d in rows}


def _set_param(name: str, key: str) -> None:
    value = st.session_state.get(key)
    if value:
        st.query_params[name] = value
    else:
        st.query_params.pop(name, None)


def dashboard_filters(user: CurrentUser, *, departments: bool = True, districts: bool = True,
                      today: date | None = None) -> DashboardFilter:
    """The filter bar (date range, department, district) and the filter it describes.

    The date range is bound to the URL; department and district are written to the URL by their callbacks
    and read back from it, so links and reloads show the same charts.
    """
    default = default_filter(today)
    dept_key, district_key = "dash_dept", "dash_district"
    depts = _departments(current_language()) if departments else {}
    if departments and dept_key not in st.session_state:
        st.session_state[dept_key] = st.query_params.get(DEPT) if st.query_params.get(DEPT) in depts else None
    district_list = _districts() if districts else []
    if districts and district_key not in st.session_state:
        wanted = st.query_params.get(DISTRICT)
        st.session_state[district_key] = wanted if wanted in district_list else None
    with st.container(horizontal=True, vertical_alignment="bottom", key="dashboard_filters"):
        picked = st.date_input(_("Period"), value=(default.start, default.end), key=PERIOD, bind="query-params",
                               format="YYYY-MM-DD", width=260)
        if departments:
            st.selectbox(_("Department"), list(depts), key=dept_key, format_func=lambda c: depts[c][1],
                         index=None, placeholder=_("All departments"), width=220,
                         on_change=_set_param, args=(DEPT, dept_key))
        if districts:
            st.selectbox(_("District"), district_list, key=district_key, index=None,
                         placeholder=_("All districts"), width=200, on_change=_set_param, args=(DISTRICT, district_key))
    start, end = _range(picked, default)
    if start > end:
        start, end = end, start
    dept = st.session_state.get(dept_key) if departments else None
    flt = DashboardFilter(start=start, end=end, department_id=depts[dept][0] if dept in depts else None,
                          district=st.session_state.get(district_key) if districts else None)
    if len(picked or ()) == 1:
        st.caption(_("Pick the end date too; until then the charts show {day} alone.").format(day=flt.label()))
    return flt


def section_tabs(sections: Mapping[str, str], *, param: str = SECTION) -> dict[str, Any]:
    """Tabs for a dashboard's sections (code → label to translate), keyed by code. Only the open tab's `.open` is
    true: a page computes and draws that section alone (switching tabs is a rerun), and the open section is in the
    URL (`?section=service`), so a link or a reload opens it."""
    key = f"dash_{param}"
    labels = {code: _(label) for code, label in sections.items()}
    wanted = labels.get(st.query_params.get(param, ""))
    if wanted is not None:
        st.session_state[key] = wanted
    elif st.session_state.get(key) not in labels.values():  # first visit, or the language changed
        st.session_state[key] = next(iter(labels.values()))
    tabs = st.tabs(list(labels.values()), key=key, on_change=_section_changed, args=(key, param, labels))
    return dict(zip(labels, tabs, strict=True))


def _section_changed(key: str, param: str, labels: Mapping[str, str]) -> None:
    code = next((c for c, label in labels.items() if label == st.session_state.get(key)), None)
    if code is None or code == next(iter(labels)):
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = code


def _range(picked: Any, default: DashboardFilter) -> tuple[date, date]:
    if not picked:
        return default.start, default.end
    if isinstance(picked, date):
        return picked, picked
    return (picked[0], picked[-1]) if len(picked) > 1 else (picked[0], picked[0])


def draw_chart(chart: alt.TopLevelMixin, *, description: str | None = None, **kwargs: Any) -> Any:
    """Draw an Altair chart. Its spec is not validated again on every run (our builders are pure and tested,
    and validating each spec costs tens of milliseconds per chart): `st.vega_lite_chart` with the plain spec, its
    datasets handed over as Arrow (Streamlit would first make each list of rows a DataFrame: ten times slower).
    The spec is in the reader's language (charts.localized); `description` is what a screen reader calls it."""
    spec = localized(chart.to_dict(validate=False), description)
    if "datasets" in spec:
        spec["datasets"] = {name: _arrow(rows) if isinstance(rows, list) else rows
                            for name, rows in spec["datasets"].items()}
    return st.vega_lite_chart(spec=spec, **kwargs)


def _arrow(rows: list[dict[str, Any]]) -> bytes | list[dict[str, Any]]:
    """Rows of JSON values as an Arrow IPC stream, the form Streamlit sends chart data in (a column that mixes text
    and numbers stays rows, for Streamlit to convert its own way)."""
    try:
        table = pa.Table.from_pylist(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return rows
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def chart_card(title: str, frame: pd.DataFrame | None, build: Callable[[pd.DataFrame], alt.TopLevelMixin], *,
               flt: DashboardFilter, what: str, key: str, link: GridLink | None = None,
               drill: Callable[[dict[str, Any]], GridLink | None] | None = None, help: str | None = None) -> None:
    """A titled chart of `frame`, or "no data for `what` in <period>" when there is nothing to draw.

    `link` opens the records behind the whole chart; `drill(values)` turns a clicked mark (its selected field
    values) into the link for that mark's records.
    """
    with st.container(border=True, key=f"card_{key}"):
        st.markdown(f"**{title}**", help=help)
        if frame is None or frame.empty:
            st.info(no_data_message(what, flt), icon=":material/bar_chart_off:")
        else:
            event = draw_chart(build(frame), description=title, key=key, on_select="rerun" if drill else "ignore",
                               selection_mode=PICK if drill else None)
            picked = (event.selection.get(PICK) if drill and event is not None else None) or []
            if picked and (target := drill(picked[0])) is not None:
                st.switch_page(target.page, query_params=dict(target.params))
        if link is not None:
            st.page_link(link.page, label=_("Open these records"), query_params=dict(link.params),
                         icon=":material/table_view:")


def figure_row(figures: list[tuple[str, str, str | None]]) -> None:
    """Headline numbers: (label, value, delta text or None), in one row. No arrow: Streamlit reads the direction
    from a leading "-", and the delta texts start with "−" (U+2212) or words ("较上一时段 …"), so it would point up."""
    for column, (label, value, delta) in zip(st.columns(len(figures)), figures, strict=True):
        column.metric(label, value, delta=delta, delta_color="off", delta_arrow="off")

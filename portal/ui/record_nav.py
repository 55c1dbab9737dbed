"""A record page opened from a grid: the way back to that grid's view, and previous / next within it.

The grid's view travels in the record's URL as `from` (the grid's own URL parameters, encoded), so a record link
reproduces where it came from, and the neighbours are asked of SQL in that view's order (portal/records/neighbours.py).
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlencode

import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser, can
from portal.i18n import _
from portal.records.fields import Field, FieldType, TableSpec, get_spec
from portal.records.neighbours import neighbours
from portal.records.view import PARAM_KEYS, ViewState

FROM = "from"
FROM_LIMIT = 4000  # characters of a `from` parameter that are read
# the record page of each table that has one (`?id=`): where a link to one of its records goes
RECORD_PAGES = {"retailers": "pages/retailer.py", "complaints": "pages/complaint.py", "incidents": "pages/incident.py",
                "training_sessions": "pages/training_session.py"}


def link_pages(fields: list[Field], user: CurrentUser) -> dict[str, str]:
    """The link fields among `fields` whose records `user` may open: field name -> the linked record page."""
    return {f.name: RECORD_PAGES[f.link_table] for f in fields
            if f.type is FieldType.LINK and f.link_table in RECORD_PAGES
            and can(user, get_spec(f.link_table).view_permission)}


def from_param(view: ViewState) -> str:
    """The `from` value of a record link opened from a grid showing `view` (never empty)."""
    params = view.to_params()
    params["page"] = str(view.page)
    return urlencode(params, doseq=True)


def opened_from(spec: TableSpec) -> tuple[ViewState, dict[str, str | list[str]]] | None:
    """The view the record page was opened from (and its URL parameters), if it was opened from a grid."""
    raw = st.query_params.get(FROM)
    if not raw:
        return None
    parsed = parse_qs(raw[:FROM_LIMIT])
    params: dict[str, str | list[str]] = {k: (v if k == "f" else v[-1]) for k, v in parsed.items() if k in PARAM_KEYS}
    view, _ignored = ViewState.from_params(spec, params)
    return view, params


def record_nav(spec: TableSpec, user: CurrentUser, record_id: int | None, *, record_page: str,
               grid_page: str | None = None, back_label: str = "") -> bool:
    """Back to the grid's view (when `grid_page` is given), previous and next, when the page was opened from a grid;
    says whether it was."""
    opened = opened_from(spec)
    if opened is None:
        return False
    view, params = opened
    with st.container(horizontal=True, vertical_alignment="center", key=f"{spec.name}.record_nav"):
        if grid_page is not None:
            st.page_link(grid_page, label=back_label, icon=":material/arrow_back:", query_params=params)
        if record_id is None:
            return True
        with unit_of_work(user.id) as s:
            around = neighbours(s, actor=user, spec=spec, view=view, record_id=record_id)
        trail = {FROM: st.query_params.get(FROM, "")}
        for label, icon, target in ((_("Previous"), ":material/chevron_left:", around.previous),
                                    (_("Next"), ":material/chevron_right:", around.next)):
            st.page_link(record_page, label=label, icon=icon, disabled=target is None,
                         query_params={"id": str(target), **trail} if target is not None else trail)
    return True

"""Sorting a grid from its columns, on the server, for the whole view (the URL, the Sort button and the export agree).

Streamlit's grid sorts only the rows in the browser when a header is clicked. What reaches the server:
- a read-only grid (`st.dataframe`) selects a column when its header is clicked (column selection): that click
  sorts the view by the column, a second click on it reverses the order (`frame_sorting`);
- an editable grid (`st.data_editor`) offers no column selection, so a header click cannot reach the server:
  its header no longer sorts the page (`EDITOR_HEADER_GUARD`, a layer over the header row), and a strip of the
  sortable columns above it sorts the view in one click, again reversing on a second (`sort_strip`).
In both, the clicked column becomes the first sort level; the other levels follow it (up to five).
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from portal.access.auth import CurrentUser
from portal.i18n import _
from portal.records.fields import TableSpec
from portal.records.view import MAX_SORT_LEVELS, ViewState
from portal.ui.part_rerun import rerun_whole_part, whole_part_key
from portal.ui.view_state import key, read_view, seed, update_view

HEADER_ROW = 36  # px: the grid's header row (Streamlit's default row height 35, and its border)
# the grid's header row under a transparent layer: clicks on it neither sort the page nor start a drag
EDITOR_HEADER_GUARD = """<style>
.st-key-{key} [data-testid="stDataFrame"] {{ position: relative; }}
.st-key-{key} [data-testid="stDataFrame"]::after {{ content: ""; position: absolute; left: 0; right: 0; top: 0;
  height: {height}px; z-index: 3; cursor: default; }}
</style>"""


def sorted_by(view: ViewState, spec: TableSpec, name: str) -> tuple[tuple[str, bool], ...]:
    """The view's sort after a click on column `name`: it comes first (ascending; reversed if it was first), the
    other levels follow."""
    current = tuple(view.sort or spec.default_sort)
    desc = not current[0][1] if current and current[0][0] == name else False
    return ((name, desc), *(level for level in current if level[0] != name))[:MAX_SORT_LEVELS]


def _sortable(spec: TableSpec, user: CurrentUser, name: Any) -> bool:
    return isinstance(name, str) and spec.has_field(name) and spec.field(name).sortable and \
        spec.field(name).may_view(user)


def _frame_key(spec: TableSpec) -> str:
    return key(spec, f"frame.{st.session_state.get(key(spec, 'frame_nonce'), 0)}")


def _header_clicked(spec: TableSpec, user: CurrentUser, widget: str, part_key: str | None) -> None:
    columns = st.session_state[widget]["selection"]["columns"]
    st.session_state[key(spec, "frame_nonce")] = st.session_state.get(key(spec, "frame_nonce"), 0) + 1  # unselect
    if columns and _sortable(spec, user, columns[0]):
        view, _ignored = read_view(spec)
        update_view(spec, sort=sorted_by(view, spec, columns[0]))
        rerun_whole_part(part_key)  # the toolbar's sort and the saved view's "modified" show it too


def frame_sorting(spec: TableSpec, user: CurrentUser) -> dict[str, Any]:
    """`st.dataframe` arguments under which a header click sorts the view on the server."""
    widget, part_key = _frame_key(spec), whole_part_key()
    return {"key": widget, "on_select": lambda: _header_clicked(spec, user, widget, part_key),
            "selection_mode": "single-column"}


def _strip_clicked(spec: TableSpec, part_key: str | None) -> None:
    view, _ignored = read_view(spec)
    current = view.sort or spec.default_sort
    chosen = st.session_state.get(key(spec, "sort_strip"))
    name = chosen or (current[0][0] if current else None)  # (a click on the chosen pill unselects it: reverse)
    if name:
        update_view(spec, sort=sorted_by(view, spec, name))
        rerun_whole_part(part_key)  # the toolbar's sort and the saved view's "modified" show it too


def sort_strip(spec: TableSpec, user: CurrentUser, view: ViewState) -> None:
    """The sortable columns shown, one click each to sort the whole view by it (again: the other way)."""
    names = [f.name for f in spec.visible_fields(view.columns) if _sortable(spec, user, f.name)]
    if not names:
        return
    current = view.sort or spec.default_sort
    first, desc = current[0] if current else (None, False)
    seed(key(spec, "sort_strip"), first if first in names else None)

    def label(name: str) -> str:
        return _(spec.field(name).label) + ((" ↓" if desc else " ↑") if name == first else "")

    st.pills(_("Sort by column"), names, key=key(spec, "sort_strip"), format_func=label, on_change=_strip_clicked,
             args=(spec, whole_part_key()),
             help=_("Sorts all matching records, not only this page; click again to reverse."))

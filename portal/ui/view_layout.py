"""How a grid draws its view — column widths, pinned columns, row height — kept in the view (URL and saved views):
the grid applies them to its columns, and the “Layout” popover changes them."""
from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from portal.i18n import NP_, _
from portal.records.fields import TableSpec
from portal.records.view import ROW_HEIGHTS, WIDTHS, ViewState
from portal.ui.columns import OPEN, SELECT
from portal.ui.view_state import key, read_view, seed, update_view

HEIGHT_LABELS = {0: NP_("row height", "Standard"), 28: NP_("row height", "Compact"), 56: NP_("row height", "Tall"),
                 84: NP_("row height", "Extra tall")}


def apply(config: dict[str, Any], view: ViewState) -> dict[str, Any]:
    """The grid's column config with the view's widths and pinned columns (pinned ones go first, after the row's
    checkbox and open button, which are pinned with them)."""
    for name, width in view.widths:
        if name in config:
            config[name] = _with(config[name], width=width)
    for name in (SELECT, OPEN, *view.pinned) if view.pinned else ():
        if name in config:
            config[name] = _with(config[name], pinned=True)
    return config


def _with(entry: Any, **changes: Any) -> Any:
    """A column's config with `changes` (a button column's config sits inside its result, with its callback)."""
    if isinstance(entry, dict):
        return {**entry, **changes}
    return dataclasses.replace(entry, config={**entry.config, **changes})


def row_height(view: ViewState) -> int | None:
    """The data editor's row height in pixels (None: its own)."""
    return view.row_height or None


def _set_width(spec: TableSpec, column: str) -> None:
    view, _ignored = read_view(spec)
    width = st.session_state.get(key(spec, f"layout.width.{column}"))
    widths = [(n, w) for n, w in view.widths if n != column] + ([(column, int(width))] if width else [])
    update_view(spec, widths=tuple(widths), page=view.page)


def _set_pinned(spec: TableSpec) -> None:
    view, _ignored = read_view(spec)
    update_view(spec, pinned=tuple(st.session_state.get(key(spec, "layout.pinned")) or ()), page=view.page)


def _set_height(spec: TableSpec) -> None:
    view, _ignored = read_view(spec)
    update_view(spec, row_height=st.session_state.get(key(spec, "layout.height")) or 0, page=view.page)


def _reset(spec: TableSpec) -> None:
    view, _ignored = read_view(spec)
    update_view(spec, widths=(), pinned=(), row_height=0, page=view.page)


def layout_popover(spec: TableSpec, view: ViewState) -> None:
    """Column widths, pinned columns and row height of the grid (part of the view: saved with it, in its link)."""
    fields = spec.visible_fields(view.columns)
    labels = {f.name: _(f.label) for f in fields}
    widths = dict(view.widths)
    seed(key(spec, "layout.height"), view.row_height if view.row_height in ROW_HEIGHTS else 0)
    seed(key(spec, "layout.pinned"), [n for n in view.pinned if n in labels])
    with st.popover(_("Column layout"), icon=":material/view_column:", key=key(spec, "layout_popover")):
        st.segmented_control(_("Row height"), list(HEIGHT_LABELS), format_func=lambda h: _(HEIGHT_LABELS[h]),
                             key=key(spec, "layout.height"), on_change=_set_height, args=(spec,))
        st.multiselect(_("Pinned columns"), list(labels), format_func=labels.get, key=key(spec, "layout.pinned"),
                       on_change=_set_pinned, args=(spec,),
                       help=_("Pinned columns stay on the left while the grid scrolls sideways."))
        column = st.selectbox(_("Column to size"), list(labels), format_func=labels.get, key=key(spec, "layout.column"))
        seed(key(spec, f"layout.width.{column}"), widths.get(column))
        st.number_input(_("Width in pixels (empty: automatic)"), min_value=WIDTHS[0], max_value=WIDTHS[1], value=None,
                        step=20, key=key(spec, f"layout.width.{column}"), on_change=_set_width, args=(spec, column))
        if view.widths or view.pinned or view.row_height:
            st.button(_("Back to the standard layout"), key=key(spec, "layout.reset"), on_click=_reset, args=(spec,))

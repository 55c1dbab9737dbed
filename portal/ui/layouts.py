"""The layout switch of a records page: the same view (filters, search, sort, the rows the user may see) as a grid,
a kanban board or a calendar, kept in the URL (`?as=`, `ViewState.layout`) and in saved views.

`SCREENS` says which tables offer which layouts besides the grid, and what draws each: a table gets a layout by
one line here. A page draws `switch` with its toolbar, then `show`; when `show` says False (the grid, or a layout
the table does not offer), the page draws its grid as before.
"""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from portal.access.auth import CurrentUser
from portal.i18n import N_, _
from portal.records.fields import TableSpec
from portal.records.validation import Lookups
from portal.records.view import GRID, LAYOUTS, ViewState
from portal.ui import calendar_view, kanban
from portal.ui.view_state import key, seed, update_view

DrawLayout = Callable[[TableSpec, CurrentUser, ViewState, Lookups, str], None]  # (spec, user, view, lookups, page)


def _calendar(spec: TableSpec, user: CurrentUser, view: ViewState, lookups: Lookups, record_page: str) -> None:
    calendar_view.show_calendar(spec, user, view, record_page)


SCREENS: dict[str, dict[str, DrawLayout]] = {  # table name -> {layout: what draws it}
    "complaints": {"kanban": kanban.show_board, "calendar": _calendar},
    "incidents": {"kanban": kanban.show_board, "calendar": _calendar},
    "training_sessions": {"kanban": kanban.show_board, "calendar": _calendar},  # (its page draws its own: the month)
}
LABELS = {GRID: N_("Grid"), "kanban": N_("Kanban"), "calendar": N_("Calendar")}
ICONS = {GRID: ":material/table_rows:", "kanban": ":material/view_kanban:", "calendar": ":material/calendar_month:"}


def offered(spec: TableSpec) -> tuple[str, ...]:
    """The layouts `spec`'s page offers, grid first."""
    screens = SCREENS.get(spec.name, {})
    return tuple(name for name in LAYOUTS if name == GRID or name in screens)


def shown_layout(spec: TableSpec, view: ViewState) -> str:
    """The layout drawn for `view`: its own when the table offers it, else the grid."""
    return view.layout if view.layout in offered(spec) else GRID


def _switched(spec: TableSpec) -> None:
    chosen = st.session_state.get(key(spec, "layout"))
    if chosen:
        update_view(spec, layout=chosen)


def switch(spec: TableSpec, view: ViewState) -> None:
    """Grid / Kanban / Calendar, for a table with more than one layout (writes the URL's `as=`)."""
    names = offered(spec)
    if len(names) < 2:
        return
    seed(key(spec, "layout"), shown_layout(spec, view))
    st.segmented_control(_("Layout"), names, key=key(spec, "layout"), on_change=_switched, args=(spec,),
                         format_func=lambda n: f"{ICONS[n]} {_(LABELS[n])}", label_visibility="collapsed",
                         required=True)


def show(spec: TableSpec, user: CurrentUser, view: ViewState, lookups: Lookups, record_page: str) -> bool:
    """Draw `view` in its layout unless that is the grid; says whether it drew (False: the page draws its grid)."""
    layout = shown_layout(spec, view)
    if layout == GRID:
        if view.layout != GRID:
            st.info(_("This list has no {layout} view; it is shown as a grid.").format(
                layout=_(LABELS.get(view.layout, view.layout))))
        return False
    SCREENS[spec.name][layout](spec, user, view, lookups, record_page)
    return True

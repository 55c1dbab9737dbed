"""All incidents (open and closed): search, filter, sort and export through the records layer.

Everything below the title is one part of the page (portal/ui/page_part.py): a search, filter or sort reruns that part
only; the grid's rows and pager are a smaller part in it: paging reruns those alone."""
import streamlit as st

import portal.incidents.kanban  # noqa: F401  (the kanban board's moves)
from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.i18n import _, fmt_list
from portal.incidents.records import INCIDENTS
from portal.records.validation import Lookups
from portal.ui import filter_bar, grid, grouped_grid, layouts, saved_views, transfer
from portal.ui.page_part import page_part
from portal.ui.session import page_user
from portal.ui.text import plain
from portal.ui.view_state import current_view, read_view

RECORD_PAGE = "pages/incident.py"
PERMISSION = "incidents.view"

page_user(PERMISSION)


@page_part(PERMISSION)
def incidents(user: CurrentUser) -> None:
    view, ignored = current_view(INCIDENTS, user)
    with unit_of_work(user.id) as s:
        lookups = Lookups(s)
    head, actions = st.columns([2, 3], vertical_alignment="bottom")
    head.title(_("All incidents"))
    bar = st.container()  # (drawn after the rows: page_part.py, "rows first")
    if not (layouts.show(INCIDENTS, user, view, lookups, RECORD_PAGE) or
            grouped_grid.show_groups(INCIDENTS, user, view, lookups, RECORD_PAGE)):
        rows(lookups)
    with actions, st.container(horizontal=True, horizontal_alignment="right"):
        saved_views.views_popover(INCIDENTS, user)
        grouped_grid.controls(INCIDENTS, user, view)
        transfer.export_buttons(INCIDENTS, user, view)
    with bar:
        if ignored:
            st.warning(plain(_("Parts of this link were ignored: {parts}.").format(parts=fmt_list(ignored))))
        filter_bar.toolbar(INCIDENTS, user, view, lookups)
        layouts.switch(INCIDENTS, view)


@page_part(PERMISSION, within=incidents)
def rows(user: CurrentUser, lookups: Lookups) -> None:
    view, _ignored = read_view(INCIDENTS)  # (the URL's, now: this part reruns alone after a page button)
    page, _selected = grid.show_grid(INCIDENTS, user, view, lookups, RECORD_PAGE)
    grid.pager(INCIDENTS, view, page)
    grouped_grid.totals_row(INCIDENTS, user, view)


incidents()

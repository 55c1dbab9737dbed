"""Retailer directory (零售客户): search, filter, sort and edit in place; bulk changes, import and export.

Everything below the title is one part of the page (portal/ui/page_part.py): a search, filter or sort reruns that
part only; the grid's rows, bulk bar and pager are a smaller part in it: paging, ticking rows and an edit rerun
those alone."""
import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.i18n import _, fmt_list
from portal.records.editing import may_write
from portal.records.validation import Lookups
from portal.retailers.table import RETAILERS
from portal.ui import bulk_bar, filter_bar, grid, grouped_grid, saved_views, transfer
from portal.ui.page_part import page_part
from portal.ui.session import page_user
from portal.ui.text import plain
from portal.ui.undo_panel import undo_panel
from portal.ui.view_state import current_view, read_view

RECORD_PAGE = "pages/retailer.py"
PERMISSION = "retailers.view"

page_user(PERMISSION)


@page_part(PERMISSION)
def directory(user: CurrentUser) -> None:
    view, ignored = current_view(RETAILERS, user)
    with unit_of_work(user.id) as s:
        lookups = Lookups(s)  # staff names for the manager column, filters and bulk changes
    head, actions = st.columns([2, 3], vertical_alignment="bottom")
    head.title(_("Retailers"))
    bar = st.container()  # (drawn after the rows: page_part.py, "rows first")
    if grouped_grid.show_groups(RETAILERS, user, view, lookups, RECORD_PAGE):
        grid.show_flash()  # (an undo's result)
        undo_panel(RETAILERS, user)  # the last bulk change or import is undone from a grouped view too
    else:
        rows(lookups)
    with actions, st.container(horizontal=True, horizontal_alignment="right"):
        saved_views.views_popover(RETAILERS, user)
        grouped_grid.controls(RETAILERS, user, view)
        transfer.export_buttons(RETAILERS, user, view)
        if may_write(user, RETAILERS.create_permission):
            st.page_link(RECORD_PAGE, label=_("New retailer"), icon=":material/add:", query_params={"id": "new"})
    with bar:
        if ignored:
            st.warning(plain(_("Parts of this link were ignored: {parts}.").format(parts=fmt_list(ignored))))
        filter_bar.toolbar(RETAILERS, user, view, lookups)
    transfer.import_section(RETAILERS, user, lookups)


@page_part(PERMISSION, within=directory)
def rows(user: CurrentUser, lookups: Lookups) -> None:
    view, _ignored = read_view(RETAILERS)  # (the URL's, now: this part reruns alone after a page button)
    page, selected = grid.show_grid(RETAILERS, user, view, lookups, RECORD_PAGE)
    bulk_bar.bulk_bar(RETAILERS, user, page, selected, lookups)
    grid.pager(RETAILERS, view, page)
    grouped_grid.totals_row(RETAILERS, user, view)


directory()

"""All complaints (supervisor grid): every field filterable and sortable, SLA quick filters, saved views such as
"overdue by department", export, and bulk assign / bulk close of invalid ones. Others see the rows they may.

Everything below the title is one part of the page (portal/ui/page_part.py): a quick filter, search or sort reruns
that part only; the grid's rows, bulk panel and pager are a smaller part in it: paging and ticking rows rerun those
alone."""
import streamlit as st

import portal.complaints.kanban  # noqa: F401  (the kanban board's moves)
from db.engine import unit_of_work
from portal.access.auth import CurrentUser, can
from portal.complaints.queries import StaffMember, complaint_staff
from portal.complaints.table import COMPLAINTS, DEPARTMENTS, ensure_shared_views
from portal.complaints.ui.bulk import bulk_panel, quick_filters, waiting_exits
from portal.i18n import _, fmt_list
from portal.records.validation import Lookups
from portal.ui import filter_bar, grid, grouped_grid, layouts, saved_views, transfer
from portal.ui.page_part import page_part
from portal.ui.session import page_user
from portal.ui.text import plain
from portal.ui.view_state import current_view, read_view

RECORD_PAGE = "pages/complaint.py"
PERMISSION = "complaints.view"

user = page_user(PERMISSION)
if not st.session_state.get("complaints.views_checked"):
    with unit_of_work() as s:  # the installation's shared views, made once (by the system, not this user)
        ensure_shared_views(s, actor=user)
    st.session_state["complaints.views_checked"] = True


@page_part(PERMISSION)
def complaints(user: CurrentUser) -> None:
    supervisor = can(user, "complaints.supervise")
    with unit_of_work(user.id) as s:
        lookups = Lookups(s, COMPLAINTS)  # staff names, departments and categories for filters and bulk actions
        staff = complaint_staff(s) if supervisor else []
    view, ignored = current_view(COMPLAINTS, user)
    head, actions = st.columns([2, 3], vertical_alignment="bottom")
    head.title(_("Complaints"))
    bar = st.container()  # (drawn after the rows: page_part.py, "rows first")
    if not (layouts.show(COMPLAINTS, user, view, lookups, RECORD_PAGE) or
            grouped_grid.show_groups(COMPLAINTS, user, view, lookups, RECORD_PAGE)):
        rows(lookups, staff)
    with actions, st.container(horizontal=True, horizontal_alignment="right"):
        saved_views.views_popover(COMPLAINTS, user)
        grouped_grid.controls(COMPLAINTS, user, view)
        transfer.export_buttons(COMPLAINTS, user, view)
        if can(user, "complaints.register"):
            st.page_link("pages/complaint_new.py", label=_("Register a complaint"), icon=":material/add:")
    with bar:
        if ignored:
            st.warning(plain(_("Parts of this link were ignored: {parts}.").format(parts=fmt_list(ignored))))
        waiting_exits(user, view)
        quick_filters(view)
        filter_bar.toolbar(COMPLAINTS, user, view, lookups)
        layouts.switch(COMPLAINTS, view)


@page_part(PERMISSION, within=complaints)
def rows(user: CurrentUser, lookups: Lookups, staff: list[StaffMember]) -> None:
    supervisor = can(user, "complaints.supervise")
    view, _ignored = read_view(COMPLAINTS)  # (the URL's, now: this part reruns alone after a page button)
    page, selected = grid.show_grid(COMPLAINTS, user, view, lookups, RECORD_PAGE, selectable=supervisor)
    bulk_panel(user, page, selected, lookups.link_titles.get(DEPARTMENTS.name, {}), staff)
    grid.pager(COMPLAINTS, view, page)
    grouped_grid.totals_row(COMPLAINTS, user, view)


complaints()

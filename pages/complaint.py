"""One complaint: header (state, first-contact owner, SLA clocks, major flag), the timeline, the actions this user
may take now, and what is linked (retailer, original or duplicates, follow-ups, attachments, incident)."""
import streamlit as st
from sqlalchemy import select

from db.complaint_models import Complaint
from db.engine import unit_of_work
from db.models import ComplaintCategory, Department, Retailer
from portal import complaints as cx
from portal.access.auth import PermissionDenied, can
from portal.center.reference import localized_name
from portal.complaints.queries import complaint_staff, incident_of
from portal.complaints.rules import utcnow, work_calendar
from portal.complaints.table import COMPLAINTS
from portal.complaints.ui import view
from portal.complaints.ui.actions import action_panel, attachment_box, note_box, seen_version
from portal.i18n import _, current_language
from portal.inputs import int_param
from portal.records.validation import Lookups
from portal.ui.forms import show_flash
from portal.ui.record_nav import record_nav
from portal.ui.session import page_user
from portal.ui.text import plain

user = page_user("complaints.view")
wanted = st.query_params.get("id", "")
wanted_id = int_param(st.query_params, "id")
from_grid = record_nav(COMPLAINTS, user, wanted_id, record_page="pages/complaint.py", grid_page="pages/complaints.py",
                       back_label=_("All complaints"))  # opened from the grid: back to its view, previous / next
if not from_grid and can(user, "complaints.work"):
    st.page_link("pages/my_complaints.py", label=_("My work"), icon=":material/arrow_back:")
elif not from_grid:
    st.page_link("pages/complaints.py", label=_("All complaints"), icon=":material/arrow_back:")
now = utcnow()
try:
    with unit_of_work(user.id) as s:
        c = cx.get_complaint(s, actor=user, complaint_id=wanted_id) if wanted_id else None
        if c is not None:
            entries = cx.timeline(s, actor=user, complaint_id=c.id)
            follow_ups = cx.follow_ups(s, actor=user, complaint_id=c.id)
            duplicates = cx.duplicates_of(s, actor=user, complaint_id=c.id)
            attachments = cx.list_attachments(s, actor=user, complaint_id=c.id)
            calendar = work_calendar(s)
            lookups = Lookups(s)
            departments = {d.id: localized_name(d, current_language()) for d in s.scalars(select(Department))
                           if d.active or d.id in (c.department_id, c.owner_department_id)}
            category = s.get(ComplaintCategory, c.category_id)
            retailer = s.get(Retailer, c.retailer_id) if c.retailer_id else None
            original = s.get(Complaint, c.duplicate_of_id) if c.duplicate_of_id else None
            incident = incident_of(s, c.id) if c.is_major else None
            moves = cx.allowed_moves(user, c)
            staff = complaint_staff(s) if {"assign", "transfer_ownership"} & set(moves) else []
            all_categories = list(s.scalars(select(ComplaintCategory).order_by(ComplaintCategory.id)))
except (cx.ComplaintInputError, PermissionDenied):
    c = None
if c is None:
    st.error(_("There is no complaint {id} that you may see. Open one from your list.").format(id=plain(wanted)))
    st.stop()

users = {i: lookups.user_label(i) for i in lookups.users}
category_names = {k.id: localized_name(k, current_language()) for k in all_categories}
categories = {k.id: category_names[k.id] for k in all_categories if k.active or k.id == c.category_id}
if seen_version(c) != c.version:
    st.warning(_("This complaint changed since you opened it; an action now will be refused until you reload."),
               icon=":material/sync_problem:")
view.header(c, now=now, calendar=calendar, owner=users.get(c.first_contact_owner_id, ""),
            handler=users.get(c.handler_id, "") if c.handler_id else "", department=departments.get(
                c.department_id, "") if c.department_id else "", incident=incident, user=user)
show_flash()

main, side = st.columns([3, 2], gap="large")
with main:
    with st.container(border=True):
        view.details(c, user=user, category=localized_name(category, current_language()))
    st.subheader(_("Timeline"))
    view.timeline(entries, users=users, departments=departments, categories=category_names)
with side:
    if moves:
        st.subheader(_("Actions"))
        action_panel(user, c, moves, departments=departments, staff=staff,
                     default_department=category.default_department_id, categories=categories)
        if "add_internal_note" in moves:
            note_box(user, c)
        if "add_attachment" in moves:
            attachment_box(user, c)
    st.subheader(_("Linked"))
    view.linked(c, retailer=f"{retailer.shop_name} ({retailer.license_no})" if retailer else None,
                original=original.reference if original else None, duplicates=duplicates, follow_ups=follow_ups,
                attachments=attachments, user=user)
    if not moves:
        st.caption(_("You may read this complaint; no action of yours is possible on it now."))

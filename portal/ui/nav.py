"""The page registry: every screen, its section and the permission that lists it in the navigation."""
from __future__ import annotations

from dataclasses import dataclass

from portal.access.auth import CurrentUser, can
from portal.i18n import N_


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str  # English source; translated when the navigation is built
    section: str
    permission: str | None  # None: every signed-in user
    icon: str
    url_path: str
    hidden: bool = False  # reachable by link (e.g. a record page), not listed in the navigation


PAGES: list[PageSpec] = [
    PageSpec("pages/home.py", N_("Home"), N_("Overview"), None, ":material/home:", "home"),
    PageSpec("pages/account.py", N_("My account"), N_("Overview"), None, ":material/person:", "account"),
    PageSpec("pages/notifications.py", N_("Notifications"), N_("Overview"), None, ":material/notifications:",
             "notifications"),
    PageSpec("pages/automations.py", N_("Automations"), N_("Overview"), "automations.manage", ":material/bolt:",
             "automations"),
    PageSpec("pages/my_complaints.py", N_("My work"), N_("Complaints"), "complaints.work", ":material/assignment_ind:",
             "my_work"),
    PageSpec("pages/complaint_new.py", N_("Register a complaint"), N_("Complaints"), "complaints.register",
             ":material/add_comment:", "complaint_new"),
    PageSpec("pages/complaints.py", N_("All complaints"), N_("Complaints"), "complaints.view", ":material/list_alt:",
             "complaints"),
    PageSpec("pages/complaint.py", N_("Complaint"), N_("Complaints"), "complaints.view", ":material/feedback:",
             "complaint", hidden=True),
    PageSpec("pages/incident_board.py", N_("Incident board"), N_("Incidents"), "incidents.view",
             ":material/emergency:", "incident_board"),
    PageSpec("pages/incident_new.py", N_("Open an incident"), N_("Incidents"), "incidents.run",
             ":material/add_alert:", "incident_new"),
    PageSpec("pages/incident_events.py", N_("Significant events"), N_("Incidents"), "incidents.view",
             ":material/star:", "incident_events"),
    PageSpec("pages/incidents.py", N_("All incidents"), N_("Incidents"), "incidents.view", ":material/list_alt:",
             "incidents"),
    PageSpec("pages/incident.py", N_("Incident"), N_("Incidents"), "incidents.view", ":material/report:", "incident",
             hidden=True),
    PageSpec("pages/supply_requests.py", N_("Emergency supply requests"), N_("Incidents"), "incidents.view",
             ":material/local_shipping:", "supply_requests"),
    PageSpec("pages/retailers.py", N_("Retailers"), N_("Reference data"), "retailers.view", ":material/storefront:",
             "retailers"),
    PageSpec("pages/retailer.py", N_("Retailer"), N_("Reference data"), "retailers.view", ":material/store:",
             "retailer", hidden=True),
    PageSpec("pages/training_plan.py", N_("Monthly plan"), N_("Training"), "training.view", ":material/event_note:",
             "training_plan"),
    PageSpec("pages/training_session.py", N_("Training session"), N_("Training"), "training.view",
             ":material/groups:", "training_session", hidden=True),
    PageSpec("pages/training_check_in.py", N_("Check-in"), N_("Training"), "training.manage", ":material/how_to_reg:",
             "training_check_in"),
    PageSpec("pages/training_my_retailers.py", N_("My retailers"), N_("Training"), "training.own_retailers",
             ":material/contact_phone:", "training_my_retailers"),
    PageSpec("pages/training_evaluation.py", N_("Evaluations"), N_("Training"), "training.manage",
             ":material/reviews:", "training_evaluation"),
    PageSpec("pages/training_coverage.py", N_("Coverage"), N_("Training"), "training.view", ":material/donut_large:",
             "training_coverage"),
    PageSpec("pages/training_catalog.py", N_("Course catalog"), N_("Training"), "training.view",
             ":material/menu_book:", "training_catalog"),
    PageSpec("pages/training_needs.py", N_("Training needs"), N_("Training"), "training.view",
             ":material/playlist_add:", "training_needs"),
    PageSpec("pages/dashboard_complaints.py", N_("Complaints dashboard"), N_("Dashboards"), "complaints.view",
             ":material/insights:", "dashboard_complaints"),
    PageSpec("pages/dashboard_training.py", N_("Training dashboard"), N_("Dashboards"), "training.view",
             ":material/school:", "dashboard_training"),
    PageSpec("pages/dashboard_incidents.py", N_("Incident dashboard"), N_("Dashboards"), "incidents.view",
             ":material/monitoring:", "dashboard_incidents"),
    PageSpec("pages/reports.py", N_("Monthly reports"), N_("Dashboards"), "dashboards.view",
             ":material/summarize:", "reports"),
    PageSpec("pages/admin_users.py", N_("Users"), N_("Admin"), "admin.manage", ":material/group:", "admin_users"),
    PageSpec("pages/admin_departments.py", N_("Departments"), N_("Admin"), "admin.manage",
             ":material/apartment:", "admin_departments"),
    PageSpec("pages/admin_categories.py", N_("Complaint categories"), N_("Admin"), "admin.manage",
             ":material/category:", "admin_categories"),
    PageSpec("pages/admin_sla.py", N_("Time limits (SLA)"), N_("Admin"), "admin.manage", ":material/timer:",
             "admin_sla"),
    PageSpec("pages/admin_calendar.py", N_("Working-day calendar"), N_("Admin"), "admin.manage",
             ":material/calendar_month:", "admin_calendar"),
    PageSpec("pages/admin_supply.py", N_("Supply approvers, order days and brands"), N_("Admin"), "admin.manage",
             ":material/inventory_2:", "admin_supply"),
    PageSpec("pages/admin_rules.py", N_("Notification rules"), N_("Admin"), "admin.manage", ":material/rule:",
             "admin_rules"),
    PageSpec("pages/admin_security.py", N_("Security events"), N_("Admin"), "admin.manage", ":material/shield:",
             "admin_security"),
    PageSpec("pages/admin_deliveries.py", N_("Delivery log"), N_("Admin"), "admin.manage", ":material/outgoing_mail:",
             "admin_deliveries"),
]
HOME = next(p for p in PAGES if p.url_path == "home")  # the default page, served at the root and at /home


def pages_for(user: CurrentUser) -> list[PageSpec]:
    """The pages `user` may open, in registry order."""
    return [p for p in PAGES if p.permission is None or can(user, p.permission)]


def may_open(user: CurrentUser, path: str) -> bool:
    """Whether `user` may open the page at `path` ("pages/x.py"): a link to any other page makes Streamlit raise
    StreamlitPageNotFoundError, since the navigation only registers the pages the user may open."""
    spec = next((p for p in PAGES if p.path == path), None)
    return spec is not None and (spec.permission is None or can(user, spec.permission))


def page_link(user: CurrentUser, path: str, **kwargs) -> bool:
    """`st.page_link` to `path` when `user` may open that page (else nothing); returns whether it was shown."""
    import streamlit as st

    if not may_open(user, path):
        return False
    st.page_link(path, **kwargs)
    return True

"""The page registry: every screen, its section and the permission that lists it in the navigation."""
from __future__ import annotations

from dataclasses import dataclass

from portal.auth import CurrentUser, can
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
    PageSpec("pages/retailers.py", N_("Retailers"), N_("Reference data"), "retailers.view", ":material/storefront:",
             "retailers"),
    PageSpec("pages/retailer.py", N_("Retailer"), N_("Reference data"), "retailers.view", ":material/store:",
             "retailer", hidden=True),
    PageSpec("pages/admin_users.py", N_("Users"), N_("Admin"), "admin.manage", ":material/group:", "admin_users"),
    PageSpec("pages/admin_departments.py", N_("Departments"), N_("Admin"), "admin.manage",
             ":material/apartment:", "admin_departments"),
    PageSpec("pages/admin_categories.py", N_("Complaint categories"), N_("Admin"), "admin.manage",
             ":material/category:", "admin_categories"),
    PageSpec("pages/admin_sla.py", N_("Time limits (SLA)"), N_("Admin"), "admin.manage", ":material/timer:",
             "admin_sla"),
    PageSpec("pages/admin_calendar.py", N_("Working-day calendar"), N_("Admin"), "admin.manage",
             ":material/calendar_month:", "admin_calendar"),
]


def pages_for(user: CurrentUser) -> list[PageSpec]:
    """The pages `user` may open, in registry order."""
    return [p for p in PAGES if p.permission is None or can(user, p.permission)]

"""The bell: the notifications page's entry in the sidebar's navigation (near its top, in "Overview") carries the
unread count and a ringing bell while something is unread (one count over a small partial index per script run)."""
from __future__ import annotations

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.i18n import _, fmt_number
from portal.notifications.inbox import unread_count

NOTIFICATIONS_PAGE = "pages/notifications.py"


def bell(user: CurrentUser) -> tuple[str, str]:
    """(title, icon) of the notifications page in `user`'s navigation: "Notifications: 3 unread" when some are."""
    with unit_of_work(user.id) as s:
        unread = unread_count(s, actor=user)
    if not unread:
        return _("Notifications"), ":material/notifications:"
    return _("Notifications: {n} unread").format(n=fmt_number(unread)), ":material/notifications_active:"

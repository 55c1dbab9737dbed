"""Notifications: what the portal told me (assignments, for a start), unread first, each with a link to its record;
mark one read, or all."""
import streamlit as st

from db.engine import unit_of_work
from portal.i18n import _, fmt_datetime, fmt_number
from portal.inputs import MAX_PAGE, int_param
from portal.notifications.inbox import (
    count_notifications,
    link_target,
    list_notifications,
    mark_all_read,
    mark_read,
    message,
    unread_count,
)
from portal.ui.forms import guarded_callback
from portal.ui.nav import may_open
from portal.ui.session import page_user
from portal.ui.text import plain

PAGE_SIZE = 20

user = page_user()
page = max(int_param(st.query_params, "page", high=MAX_PAGE) or 1, 1)


@guarded_callback
def _read(notification_id: int) -> None:
    with unit_of_work(user.id) as s:
        mark_read(s, actor=user, notification_id=notification_id)


@guarded_callback
def _read_all() -> None:
    with unit_of_work(user.id) as s:
        mark_all_read(s, actor=user)


with unit_of_work(user.id) as s:
    total, unread = count_notifications(s, actor=user), unread_count(s, actor=user)
    notes = list_notifications(s, actor=user, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)

head, action = st.columns([3, 1], vertical_alignment="bottom")
head.title(_("Notifications"))
if not total:
    st.info(_("No notifications yet. When something needs you, such as a complaint assigned to you, it appears here "
              "and in the bell in the sidebar."))
    st.stop()
if unread:
    action.button(_("Mark all read"), key="notifications.read_all", icon=":material/done_all:", on_click=_read_all)
st.caption(_("{unread} unread of {total}, unread first.").format(unread=fmt_number(unread), total=fmt_number(total)))

for note in notes:
    with st.container(border=True, key=f"notification_{note.id}"):
        text, when, act = st.columns([6, 2, 2], vertical_alignment="center")
        shown = message(note, escape=plain)
        text.markdown(f"**{shown}**" if note.read_at is None else shown)
        when.caption(fmt_datetime(note.created_at))
        target = link_target(note)
        if target and may_open(user, target[0]):
            text.page_link(target[0], label=_("Open"), icon=":material/open_in_new:", query_params=target[1])
        if note.read_at is None:
            act.button(_("Mark read"), key=f"notifications.read.{note.id}", icon=":material/done:",
                       on_click=_read, args=(note.id,))

pages = max(1, -(-total // PAGE_SIZE))
if pages > 1:
    st.pagination(pages, default=min(page, pages), key=f"notifications.page.{page}",
                  on_change=lambda: st.query_params.update(page=str(st.session_state[f"notifications.page.{page}"])))

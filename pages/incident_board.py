"""Incident board: every open incident, most severe first, refreshing itself every 30 seconds; a quick log
form beside it keeps what the coordinator types while the board refreshes."""
import streamlit as st

from db.engine import unit_of_work
from portal import incidents as ix
from portal.access.auth import can
from portal.center.sla import local
from portal.i18n import _
from portal.incidents.labels import TYPE_LABELS
from portal.incidents.rules import utcnow
from portal.incidents.ui.command import group_line, group_warning
from portal.incidents.ui.log import elapsed, entry_form, refresh_every, severity_badge, status_badge
from portal.ui.forms import live_part
from portal.ui.session import page_user
from portal.ui.text import plain

INCIDENT_PAGE = "pages/incident.py"
user = page_user("incidents.view")

head, links = st.columns([3, 2], vertical_alignment="bottom")
head.title(_("Incident board"))
with links, st.container(horizontal=True, horizontal_alignment="right"):
    st.page_link("pages/incident_events.py", label=_("Significant events"), icon=":material/star:")
    if can(user, "incidents.run"):
        st.page_link("pages/incident_new.py", label=_("Open an incident"), icon=":material/add_alert:")


@st.fragment(run_every=refresh_every())
@live_part
def live_board() -> None:
    """Only this part reruns every 30 s: widgets elsewhere on the page keep what is typed in them."""
    with unit_of_work(user.id) as s:
        rows = ix.board(s, actor=user)
        groups = ix.command_groups(s, actor=user, incident_ids=[r.id for r in rows])
    # to the second: the coordinator sees that the board is live
    st.caption(_("{n} open incidents · updated {time}").format(n=len(rows), time=local(utcnow()).strftime("%H:%M:%S")))
    if not rows:
        st.success(_("No open incidents."), icon=":material/check_circle:")
    for row in rows:
        with st.container(border=True, key=f"board_{row.id}"):
            title, since = st.columns([3, 2])
            title.markdown(f"{severity_badge(row.severity)} {status_badge(row.status)} **{row.reference}** · "
                           f"{_(TYPE_LABELS[row.type])}")
            title.page_link(INCIDENT_PAGE, label=plain(row.title), query_params={"id": str(row.id)},
                            icon=":material/open_in_new:")
            since.markdown(_("Running for **{start}** · last update **{update}** ago").format(
                start=elapsed(row.since_start), update=elapsed(row.since_update)))
            since.caption(" · ".join(filter(None, [
                _("Commander: {name}").format(name=plain(row.commander)) if row.commander else _("No commander"),
                _("{n} significant").format(n=row.significant_count) if row.significant_count else ""])))
            if group := group_line([m for m in groups[row.id] if m.position != "commander"]):
                title.caption(_("Command group: {group}").format(group=group))
            if warning := group_warning(row, groups[row.id]):
                title.markdown(f":red-badge[:material/groups: {warning}]")


board_side, log_side = st.columns([3, 2], gap="large") if can(user, "incidents.run") else (st.container(), None)
with board_side:
    live_board()
if log_side is not None:
    with log_side:
        st.subheader(_("Quick log entry"))
        with unit_of_work(user.id) as s:
            open_now = {r.id: f"{r.reference} · {r.title}" for r in ix.board(s, actor=user)}
        picked = st.selectbox(_("Incident"), list(open_now), format_func=open_now.get, key="board_log_incident",
                              placeholder=_("No open incident"))
        if picked is not None:
            entry_form(user, picked, prefix=f"board_entry_{picked}_")

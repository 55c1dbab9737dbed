"""Significant events: the entries flagged significant across all open incidents, newest first."""
import streamlit as st

from db.engine import unit_of_work
from portal import incidents as ix
from portal.i18n import _
from portal.incidents.ui.log import refresh_every, severity_badge, show_timeline
from portal.ui.forms import live_part
from portal.ui.session import page_user
from portal.ui.text import plain

user = page_user("incidents.view")
st.page_link("pages/incident_board.py", label=_("Incident board"), icon=":material/arrow_back:")
st.title(_("Significant events"))


@st.fragment(run_every=refresh_every())
@live_part
def events() -> None:
    with unit_of_work(user.id) as s:
        found = ix.significant_events(s, actor=user)
    if not found:
        st.info(_("No significant events in open incidents."))
    for event in found:
        with st.container(border=True):
            st.markdown(f"{severity_badge(event.severity)} **{event.reference}**")
            st.page_link("pages/incident.py", label=plain(event.incident_title),
                         query_params={"id": str(event.incident_id)})
            show_timeline([event.entry])
            if event.corrections:
                st.warning(_("Corrected later — read the correction:"), icon=":material/edit_note:")
                show_timeline(list(event.corrections), newest_first=False)


events()

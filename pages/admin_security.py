"""Admin · Security events: sign-ins, failures, locks, sign-outs, refusals, role and password changes."""
import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from db.models import SECURITY_EVENT_KINDS
from portal.access.security_log import KIND_LABELS, describe, list_events
from portal.center.sla import local
from portal.i18n import _
from portal.ui.session import page_user
from portal.ui.tables import data_table

user = page_user("admin.manage")
st.title(_("Security events"))
st.caption(_("The newest 500 events; they cannot be changed or deleted."))
left, right = st.columns(2)
kind = left.selectbox(_("Kind"), SECURITY_EVENT_KINDS, index=None, placeholder=_("All kinds"),
                      format_func=lambda k: _(KIND_LABELS[k]), key="security_kind")
login = right.text_input(_("Login"), key="security_login", max_chars=60)
with unit_of_work(user.id) as s:
    events = list_events(s, actor=user, kind=kind, login=login.strip() or None)
if not events:
    st.info(_("No events."))
else:
    data_table(
        pd.DataFrame([{"at": local(e.at).replace(tzinfo=None), "kind": _(KIND_LABELS[e.kind]),
                       "login": e.login or "", "user": e.user_name or "", "by": e.actor_name or "",
                       "detail": describe(e.detail)} for e in events]),
        hide_index=True, key="security_table",
        column_config={
            "at": st.column_config.DatetimeColumn(_("Time"), format="YYYY-MM-DD HH:mm:ss"),
            "kind": st.column_config.TextColumn(_("Event")),
            "login": st.column_config.TextColumn(_("Login")),
            "user": st.column_config.TextColumn(_("User")),
            "by": st.column_config.TextColumn(_("By")),
            "detail": st.column_config.TextColumn(_("Detail")),
        })

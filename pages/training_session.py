"""Training · One session: its roster and waiting list, sign-ups, notification list, sign-in sheet, absentees."""
from dataclasses import replace

import streamlit as st

from db.engine import unit_of_work
from portal import training as tr
from portal.access.auth import can
from portal.center_time import utcnow
from portal.i18n import _, fmt_datetime
from portal.inputs import int_param
from portal.records.filters import IS, Filter
from portal.records.view import ViewState
from portal.training.check_in_codes import check_in_base
from portal.training.labels import FORMAT_LABELS, SESSION_STATE_LABELS
from portal.training.ui.plan import session_moves
from portal.training.ui.roster import absentee_panel, notification_panel, roster_panel, sign_up_panel
from portal.ui import nav, transfer
from portal.ui.forms import show_flash
from portal.ui.record_nav import record_nav
from portal.ui.record_view import history_table
from portal.ui.session import page_user
from portal.ui.text import plain

user = page_user("training.view")
st.page_link("pages/training_plan.py", label=_("Monthly plan"), icon=":material/arrow_back:")
wanted = st.query_params.get("id", "")
wanted_id = int_param(st.query_params, "id")
record_nav(tr.SESSIONS, user, wanted_id, record_page="pages/training_session.py")  # within the plan's view
with unit_of_work(user.id) as s:
    ts = tr.get_session(s, actor=user, session_id=wanted_id) if wanted_id else None
    if ts is not None:
        rows = tr.roster(s, actor=user, session_id=ts.id)
        to_notify = len(tr.notification_list(s, actor=user, session_id=ts.id))
        messages = tr.session_messages(s, actor=user, session_id=ts.id)
        evaluations = tr.evaluation_summary(s, actor=user, session_id=ts.id)
        trainer = tr.trainer_choices(s, actor=user).get(ts.trainer_id, "")
if ts is None:
    st.error(_("There is no training session {id}. Open one from the monthly plan.").format(id=plain(wanted)))
    st.stop()

st.title(plain(ts.title))
st.caption(plain(" · ".join((fmt_datetime(ts.starts_at), ts.place, _(FORMAT_LABELS[ts.format]),
                             _("Trainer: {name}").format(name=trainer), _(SESSION_STATE_LABELS[ts.state])))))
if ts.audience:
    st.caption(plain(_("Audience: {who}").format(who=ts.audience)))
show_flash()
seated = sum(r["state"] == "signed_up" for r in rows)
waiting = len(rows) - seated
cols = st.columns(4)
cols[0].metric(_("Seats taken"), f"{seated} / {ts.capacity}")
cols[1].metric(_("Waiting list"), waiting)
cols[2].metric(_("To notify"), to_notify)
cols[3].metric(_("Evaluations"), f"{evaluations.evaluated} / {evaluations.attendees}",
               help=_("At least 10% of attendees evaluate the session."))
if evaluations.attendees:
    if evaluations.meets_sample:
        st.badge(_("Evaluation sample reached (at least 10% of attendees)"), icon=":material/check:", color="green")
    else:
        st.badge(_("{n} more evaluations needed for the 10% sample").format(
            n=evaluations.required - evaluations.evaluated), icon=":material/warning:", color="orange")
if ts.state == "cancelled":
    st.warning(_("Cancelled: {reason}").format(reason=plain(ts.cancel_reason or "")))
session_moves(user, ts)

tabs = st.tabs([_("Roster"), _("Sign up retailers"), _("Notification list"), _("Sign-in sheet"), _("Absentees"),
                _("History")])
with tabs[0]:
    roster_panel(user, ts, rows, messages)
    base = ViewState(filters=(Filter("session_id", IS, str(ts.id)),))
    with st.container(horizontal=True):
        transfer.export_buttons(tr.SIGN_UPS, user, replace(base, sort=(("signed_up_at", False),)))
with tabs[1]:
    if ts.state != "approved" or ts.starts_at <= utcnow():
        st.info(_("Only approved sessions that have not started take sign-ups."))
    elif can(user, "training.manage"):
        sign_up_panel(user, ts)
with tabs[2]:
    notification_panel(user, ts, messages)
with tabs[3]:
    st.caption(_("Print it and lay it out at the door: one line per retailer with a seat, to sign on arrival."))
    portal_url = check_in_base()

    def sheet() -> bytes:  # made on the click only: a QR code per seated retailer takes a moment
        with unit_of_work(user.id) as s:
            return tr.sign_in_sheet_html(s, actor=user, session_id=ts.id, check_in_base=portal_url).encode("utf-8")

    st.caption(_("Each line carries a QR code that opens that retailer's check-in: scan it at the door."))
    st.download_button(_("Download the sign-in sheet (print-ready)"), data=sheet,
                       file_name=f"sign-in-sheet-{ts.id}.html", mime="text/html", key="sheet_download",
                       icon=":material/print:", on_click="ignore")
    nav.page_link(user, "pages/training_check_in.py", label=_("Check retailers in"), icon=":material/how_to_reg:",
                  query_params={"session": str(ts.id)})
with tabs[4]:
    absentee_panel(user, ts, messages)
with tabs[5]:
    history_table(tr.SESSIONS, user, ts.id)

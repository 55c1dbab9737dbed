"""Training · My retailers (客户经理): a customer manager checks in the retailers they look after and calls those who
did not come, recording the reason they give — for their own retailers only (the rules check it: require_in_care)."""
from datetime import timedelta

import streamlit as st

from db.engine import unit_of_work
from portal import training as tr
from portal.access.auth import CurrentUser
from portal.center_time import local
from portal.center_time import now as center_now
from portal.errors import InputError
from portal.i18n import _, fmt_datetime
from portal.inputs import int_param
from portal.training.labels import SESSION_STATE_LABELS
from portal.training.managers import managed_sessions, managed_sign_ups
from portal.training.ui.common import attempt, session_changed
from portal.ui.forms import guarded_callback, keep_values, show_flash, submit_button
from portal.ui.session import page_user
from portal.ui.text import plain

DAYS_BACK, DAYS_AHEAD = 30, 14  # absentees are called in the days after a session; check-in is on its day


@guarded_callback
def mark(user: CurrentUser, sign_up_id: int, attended: bool, shop: str) -> None:
    """A tap: check in (or undo) in its own unit of work; the result shows at the top of the next run."""
    try:
        with unit_of_work(user.id) as s:
            tr.mark_attendance(s, actor=user, sign_up_id=sign_up_id, attended=attended)
    except InputError as exc:
        st.session_state["mine_problem"] = str(exc)
        return
    st.session_state["_flash"] = (_("{shop} checked in.") if attended else _("{shop}: check-in undone.")).format(
        shop=shop)


def _label(row: dict) -> str:
    state = SESSION_STATE_LABELS[row["state"]]
    return _("{start} · {title} · {state} · my retailers: {n}").format(
        start=fmt_datetime(row["starts_at"]), title=row["title"], state=_(state), n=row["seated"])


def _who(row: dict) -> str:
    return f"**{plain(row['shop_name'])}** · {plain(row['owner_name'])}  \n{plain(row['license_no'])}"


user = page_user("training.own_retailers")
st.title(_("My retailers' training"))
st.caption(_("Sign-in on the day and the calls to those who did not come, for the retailers you look after as "
             "their customer manager."))
show_flash()
if problem := st.session_state.pop("mine_problem", None):
    st.error(plain(problem), icon=":material/error:")
now = center_now()
with unit_of_work(user.id) as s:
    sessions = {r["id"]: r for r in managed_sessions(s, actor=user, start=now - timedelta(days=DAYS_BACK),
                                                     end=now + timedelta(days=DAYS_AHEAD))}
if not sessions:
    st.info(_("None of your retailers has a seat at an approved session from {back} days ago to {ahead} days ahead.")
            .format(back=DAYS_BACK, ahead=DAYS_AHEAD))
    st.stop()
wanted = int_param(st.query_params, "session")
if wanted in sessions:
    st.session_state["mine_session"] = wanted
elif st.session_state.get("mine_session") not in sessions:
    st.session_state["mine_session"] = min(sessions, key=lambda i: abs(sessions[i]["starts_at"] - now))
picked = st.selectbox(_("Session"), list(sessions), format_func=lambda i: _label(sessions[i]),
                      key="mine_session", on_change=session_changed, args=("mine_session",))
chosen = sessions[picked]
st.caption(plain(chosen["place"]))
with unit_of_work(user.id) as s:
    rows = managed_sign_ups(s, actor=user, session_id=picked)
absent = [r for r in rows if r["attended"] is False]
cols = st.columns(4)
cols[0].metric(_("My retailers with a seat"), len(rows))
cols[1].metric(_("Checked in"), sum(r["attended"] is True for r in rows))
cols[2].metric(_("Absent"), len(absent))
cols[3].metric(_("Called back"), sum(r["follow_up_at"] is not None for r in absent))

sign_in, calls = st.tabs([_("Sign-in"), _("Absentees to call")])
with sign_in:
    if local(chosen["starts_at"]).date() > now.date():
        st.info(_("Check-in opens on the day of the session."), icon=":material/schedule:")
    else:
        for row in rows:
            with st.container(border=True, horizontal=True, vertical_alignment="center", key=f"mine_row_{row['id']}"):
                st.markdown(_who(row), width="stretch")
                if row["attended"]:
                    st.button(_("Checked in · undo"), key=f"mine_undo_{row['id']}", icon=":material/check_circle:",
                              on_click=mark, args=(user, row["id"], False, row["shop_name"]), width=240)
                else:
                    st.button(_("Check in"), key=f"mine_in_{row['id']}", type="primary", icon=":material/how_to_reg:",
                              on_click=mark, args=(user, row["id"], True, row["shop_name"]), width=240)
with calls:
    if not absent:
        st.caption(_("None of your retailers is recorded absent (absences are recorded when the session is marked "
                     "as held)."))
    for row in absent:
        with st.container(border=True, key=f"mine_absent_{row['id']}"):
            st.markdown(_who(row) + "  \n" + plain(_("Phone: {phone}").format(phone=row["phone"] or "—")))
            if row["follow_up_at"] is not None:
                st.caption(plain(_("Called {time}: {reason}").format(time=fmt_datetime(row["follow_up_at"]),
                                                                     reason=row["absence_reason"] or "")))
                continue
            prefix = f"mine_call_{row['id']}_"
            keep_values(prefix, ("reason",))
            with st.form(prefix + "form", border=False):
                reason = st.text_input(_("Reason given on the call"), key=prefix + "reason")
                submitted = submit_button(_("Save the follow-up call"), key=prefix + "save")
            if submitted:
                attempt(user, tr.record_absence_follow_up, sign_up_id=row["id"], version=row["version"],
                        reason=reason, prefix=prefix, done=_("Follow-up call recorded."))

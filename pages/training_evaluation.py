"""Training · Evaluations (培训效果评价表): enter attendees' forms; the session needs at least 10% of attendees."""
import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from portal import training as tr
from portal.errors import InputError
from portal.i18n import _, fmt_percent
from portal.training.attendance import SCORES
from portal.training.evaluations import evaluation_form_html, set_evaluation_anonymous
from portal.training.labels import SCORE_LABELS
from portal.training.ui.common import attempt, pick_session
from portal.ui.forms import form_defaults, guarded_callback, show_flash, submit_button
from portal.ui.session import page_user
from portal.ui.tables import data_table
from portal.ui.text import plain

user = page_user("training.manage")
st.title(_("Evaluations"))
ts = pick_session(user, key="evaluation_session", states=("approved", "held"))
if ts is None:
    st.stop()
show_flash()


def anonymity_changed(session_id: int, version: int) -> None:
    try:
        with unit_of_work(user.id) as s:
            set_evaluation_anonymous(s, actor=user, session_id=session_id, version=version,
                                     anonymous=st.session_state[f"evaluation_anonymous.{session_id}"])
    except InputError as exc:  # (an unreachable database: guarded_callback says so, with Retry)
        st.session_state.pop(f"evaluation_anonymous.{session_id}", None)
        st.session_state["evaluation_anonymous_refused"] = str(exc)


with unit_of_work(user.id) as s:
    summary = tr.evaluation_summary(s, actor=user, session_id=ts.id)
    candidates = {r["id"]: r for r in tr.evaluation_candidates(s, actor=user, session_id=ts.id)}

cols = st.columns(3)
cols[0].metric(_("Attendees"), summary.attendees)
cols[1].metric(_("Evaluations"), summary.evaluated, help=_("At least {n} needed (10% of attendees).")
               .format(n=summary.required))
cols[2].metric(_("Share evaluated"), fmt_percent(summary.share) if summary.share is not None else "—")
if not summary.attendees:
    st.info(_("Nobody has been checked in to this session yet."))
elif summary.meets_sample:
    st.badge(_("Evaluation sample reached (at least 10% of attendees)"), icon=":material/check:", color="green")
else:
    st.badge(_("{n} more evaluations needed for the 10% sample").format(n=summary.required - summary.evaluated),
             icon=":material/warning:", color="orange")

with st.container(horizontal=True, vertical_alignment="center"):
    st.toggle(_("Anonymous forms"), value=ts.anonymous_evaluation, key=f"evaluation_anonymous.{ts.id}",
              disabled=summary.evaluated > 0, on_change=guarded_callback(anonymity_changed), args=(ts.id, ts.version),
              help=_("Anonymous forms ask for no name, and the portal stores no link from them to a retailer. "
                     "Choose before the first form is entered."))
    if refused := st.session_state.pop("evaluation_anonymous_refused", None):
        st.error(plain(refused), icon=":material/error:")

    def form() -> bytes:  # made on the click
        with unit_of_work(user.id) as s:
            return evaluation_form_html(s, actor=user, session_id=ts.id).encode("utf-8")

    st.download_button(_("Download the evaluation form (print-ready)"), data=form,
                       file_name=f"evaluation-form-{ts.id}.html", mime="text/html", key="evaluation_form_download",
                       icon=":material/print:", on_click="ignore")

anonymous_left = ts.anonymous_evaluation and summary.evaluated < summary.attendees
if candidates or anonymous_left:
    st.subheader(_("Enter an evaluation form"))
    form_defaults("evaluation_", {"comments": ""})
    with st.form("evaluation_form"):
        if anonymous_left:
            st.caption(_("Anonymous form: no attendee is named."))
            attendee = None
        else:
            attendee = st.selectbox(_("Attendee"), list(candidates), key="evaluation_attendee", format_func=lambda i:
                                    f"{candidates[i]['shop_name']} · {candidates[i]['owner_name']}")
        scores = {name: st.radio(_(SCORE_LABELS[name]) + " (1–5)", [1, 2, 3, 4, 5], index=None, horizontal=True,
                                 key=f"evaluation_{name}") for name in SCORES}
        comments = st.text_area(_("Comments"), key="evaluation_comments", height=80)
        submitted = submit_button(_("Save evaluation"), type="primary", key="evaluation_save")
    if submitted:
        attempt(user, tr.record_evaluation, sign_up_id=attendee, session_id=ts.id, scores=scores, comments=comments,
                prefix="evaluation_", done=_("Evaluation saved."))
elif summary.attendees:
    st.caption(_("Every attendee has evaluated the session."))

if summary.evaluated:
    st.subheader(_("Results"))
    data_table(pd.DataFrame([{_("Question"): _(SCORE_LABELS[n]), _("Average (1–5)"): summary.averages[n]}
                            for n in SCORES]), hide_index=True, key="evaluation_averages",
              column_config={_("Average (1–5)"): st.column_config.NumberColumn(format="%.2f")})
    for comment in summary.comments:
        st.markdown(f"> {plain(comment)}")

"""Training · Evaluations (培训效果评价表): enter attendees' forms; the session needs at least 10% of attendees."""
import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from portal import training as tr
from portal.i18n import _, fmt_percent
from portal.training.attendance import SCORES
from portal.training.labels import SCORE_LABELS
from portal.training.ui.common import attempt, pick_session
from portal.ui.forms import form_defaults, show_flash, submit_button
from portal.ui.session import page_user
from portal.ui.text import plain

user = page_user("training.manage")
st.title(_("Evaluations"))
ts = pick_session(user, key="evaluation_session", states=("approved", "held"))
if ts is None:
    st.stop()
show_flash()
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

if candidates:
    st.subheader(_("Enter an evaluation form"))
    form_defaults("evaluation_", {"comments": ""})
    with st.form("evaluation_form"):
        attendee = st.selectbox(_("Attendee"), list(candidates), key="evaluation_attendee",
                                format_func=lambda i: f"{candidates[i]['shop_name']} · {candidates[i]['owner_name']}")
        scores = {name: st.radio(_(SCORE_LABELS[name]) + " (1–5)", [1, 2, 3, 4, 5], index=None, horizontal=True,
                                 key=f"evaluation_{name}") for name in SCORES}
        comments = st.text_area(_("Comments"), key="evaluation_comments", height=80)
        submitted = submit_button(_("Save evaluation"), type="primary", key="evaluation_save")
    if submitted:
        attempt(user, tr.record_evaluation, sign_up_id=attendee, scores=scores, comments=comments,
                prefix="evaluation_", done=_("Evaluation saved."))
elif summary.attendees:
    st.caption(_("Every attendee has evaluated the session."))

if summary.evaluated:
    st.subheader(_("Results"))
    st.dataframe(pd.DataFrame([{_("Question"): _(SCORE_LABELS[n]), _("Average (1–5)"): summary.averages[n]}
                               for n in SCORES]), hide_index=True, key="evaluation_averages",
                 column_config={_("Average (1–5)"): st.column_config.NumberColumn(format="%.2f")})
    for comment in summary.comments:
        st.markdown(f"> {plain(comment)}")

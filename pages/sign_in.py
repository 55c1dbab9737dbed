"""Sign-in screen (the only page before signing in)."""
import streamlit as st

from portal.i18n import LANGUAGES, _, current_language
from portal.ui import session

session.use_language(None)  # this script may also run without the entry point (first request for a page URL)
st.title(_("Service Center Portal"))
st.caption(_("Complaints · Retailer training · Emergency incidents"))

notice = st.session_state.pop("sign_in_notice", None)
if notice:
    st.info(notice)

left, _right = st.columns([2, 3])
with left:
    with st.form("sign_in"):
        login = st.text_input(_("Login"), key="sign_in_login", max_chars=60)
        password = st.text_input(_("Password"), type="password", key="sign_in_password")
        submitted = st.form_submit_button(_("Sign in"), type="primary", key="sign_in_submit")
    if submitted:
        problem = session.attempt_sign_in(login, password)
        if problem:
            st.error(problem)
        else:
            st.rerun()
    if session.sso_configured():
        if getattr(st.user, "is_logged_in", False):
            problem = session.attempt_sso_sign_in()
            if problem:
                st.error(problem)
            else:
                st.rerun()
        st.button(_("Sign in with single sign-on"), icon=":material/key:", on_click=st.login, key="sso")
    choice = st.radio(_("Language"), list(LANGUAGES), format_func=LANGUAGES.get, horizontal=True,
                      index=list(LANGUAGES).index(current_language()))
    if choice != current_language():
        st.session_state["language"] = choice
        st.rerun()

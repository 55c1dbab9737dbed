"""My account: language and password."""
import streamlit as st

from db.engine import unit_of_work
from portal.i18n import LANGUAGES, _
from portal.ui.session import page_user
from portal.ui.text import plain
from portal.users import UserInputError, change_own_password, set_own_language

user = page_user()
st.title(_("My account"))
st.markdown(f"**{plain(user.name)}** · {plain(user.login)} · {plain(user.staff_id)}")

with st.form("language"):
    lang = st.radio(_("Language"), list(LANGUAGES), format_func=LANGUAGES.get,
                    index=list(LANGUAGES).index(user.language), horizontal=True)
    if st.form_submit_button(_("Save language")):
        with unit_of_work(user.id) as s:
            set_own_language(s, actor=user, language=lang)
        st.session_state["user"] = user.__class__(**{**user.__dict__, "language": lang})
        st.rerun()

with st.form("password"):
    st.markdown(f"**{_('Change password')}**")
    new = st.text_input(_("New password"), type="password")
    again = st.text_input(_("New password again"), type="password")
    if st.form_submit_button(_("Change password")):
        try:
            with unit_of_work(user.id) as s:
                change_own_password(s, actor=user, new_password=new, repeated=again)
            st.success(_("Password changed."))
        except UserInputError as exc:
            st.error(str(exc))

"""My account: language, password, and how notifications reach me besides the portal."""
import streamlit as st

from db.engine import unit_of_work
from portal.access.passwords import MIN_LENGTH
from portal.access.users import UserInputError, change_own_password, set_own_language
from portal.i18n import LANGUAGES, _
from portal.ui.notification_settings import notification_settings as notify_prefs_ui
from portal.ui.session import page_user
from portal.ui.text import plain

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

with st.form("password", clear_on_submit=True):
    st.markdown(f"**{_('Change password')}**")
    current = st.text_input(_("Current password"), type="password", key="password_current")
    new = st.text_input(_("New password"), type="password", key="password_new",
                        help=_("At least {min} characters; not your login name and not a common password.")
                        .format(min=MIN_LENGTH))
    again = st.text_input(_("New password again"), type="password", key="password_again")
    if st.form_submit_button(_("Change password"), key="password_save"):
        try:
            with unit_of_work(user.id) as s:
                closed = change_own_password(s, actor=user, current_password=current, new_password=new,
                                             repeated=again, keep_token=st.session_state.get("token"))
        except UserInputError as exc:
            st.error(str(exc))
        else:
            st.success(_("Password changed. Other browsers signed in as you were signed out ({count}).")
                       .format(count=closed))

notify_prefs_ui(user)

"""Entry point: page config, start-up, sign-in gate, language, and navigation over allowed pages."""
import streamlit as st
from sqlalchemy.exc import OperationalError

from portal.auth import ROLE_LABELS, PermissionDenied
from portal.i18n import _
from portal.ui import session
from portal.ui.builtin_text import translate_builtin_texts
from portal.ui.nav import pages_for
from portal.ui.startup import ready_engine

st.set_page_config(page_title="Service Center Portal", page_icon=":material/support_agent:", layout="wide")
ready_engine()
user = session.current_user()
session.use_language(user)
translate_builtin_texts()  # Streamlit's own texts (placeholders, hints, dialogs) in the user's language
session.apply_cookie()

if user is None:
    st.navigation([st.Page("pages/sign_in.py", title=_("Sign in"), icon=":material/login:")],
                  position="hidden").run()
    st.stop()

sections: dict[str, list[st.Page]] = {}
for spec in pages_for(user):
    sections.setdefault(_(spec.section), []).append(
        st.Page(spec.path, title=_(spec.title), icon=spec.icon, url_path=spec.url_path,
                default=spec.url_path == "home", visibility="hidden" if spec.hidden else "visible"))

with st.sidebar:
    st.markdown(f"**{user.name}** · {user.staff_id}")
    st.caption(" · ".join(_(ROLE_LABELS[role]) for role in sorted(user.roles)))
    if st.button(_("Sign out"), icon=":material/logout:", key="sign_out"):
        session.sign_out()
        st.rerun()

try:
    st.navigation(sections, expanded=True).run()  # every allowed page visible, none behind "View more"
except PermissionDenied:  # domain functions refuse what a role may not do, whatever the page shows
    st.error(_("You do not have permission to do that."))
except OperationalError:
    st.error(_("The database did not answer. Nothing was lost: what you typed is still here; try again shortly."))

"""Entry point: page config, start-up, sign-in gate, language, and navigation over allowed pages."""
import streamlit as st

from portal.access.auth import ROLE_LABELS, PermissionDenied
from portal.i18n import _
from portal.ui import forms, session
from portal.ui.bell import NOTIFICATIONS_PAGE, bell
from portal.ui.builtin_text import translate_builtin_texts
from portal.ui.nav import HOME, PAGES, pages_for
from portal.ui.startup import ready_engine
from portal.ui.text import plain


def portal() -> None:
    """Sign-in gate, then the pages this user may open."""
    user = session.current_user()
    session.use_language(user)
    translate_builtin_texts()  # Streamlit's own texts (placeholders, hints, dialogs) in the user's language
    session.apply_cookie()
    forms.show_failed_callback()  # a button's action that ran before this page and did not reach the database

    if user is None:  # the sign-in form answers every page's address, so a shared link (path and query) survives it
        st.navigation([st.Page("pages/sign_in.py", title=_("Sign in"), icon=":material/login:", default=True)]
                      + [st.Page("pages/sign_in.py", title=_("Sign in"), url_path=path, visibility="hidden")
                         for path in sorted({spec.url_path for spec in PAGES})],
                      position="hidden").run()
        return

    sections: dict[str, list[st.Page]] = {}
    for spec in pages_for(user):
        title, icon = bell(user) if spec.path == NOTIFICATIONS_PAGE else (_(spec.title), spec.icon)
        sections.setdefault(_(spec.section), []).append(
            st.Page(spec.path, title=title, icon=icon,
                    url_path=spec.url_path if spec is not HOME else "",
                    default=spec is HOME, visibility="hidden" if spec.hidden else "visible"))
    # the home page is served at the root; /home (typed, or a link made before sign-in) opens it too
    sections[_(HOME.section)].append(st.Page(HOME.path, title=_(HOME.title), icon=HOME.icon,
                                             url_path=HOME.url_path, visibility="hidden"))

    with st.sidebar:
        st.markdown(f"**{plain(user.name)}** · {plain(user.staff_id)}")
        st.caption(" · ".join(_(ROLE_LABELS[role]) for role in sorted(user.roles)))
        if st.button(_("Sign out"), icon=":material/logout:", key="sign_out"):
            session.sign_out()
            st.rerun()

    try:
        st.navigation(sections, expanded=True).run()  # every allowed page visible, none behind "View more"
    except PermissionDenied as refused:  # domain functions refuse what a role may not do, whatever the page shows
        session.refuse(user, f"action:{refused.args[0] if refused.args else '?'}",
                       _("You do not have permission to do that."))


st.set_page_config(page_title="Service Center Portal", page_icon=":material/support_agent:", layout="wide")
ready_engine()
try:
    portal()
except forms.UNREACHABLE:  # the page (or the sign-in check) could not read or write: say so, keep what was typed
    session.use_language(st.session_state.get("user"))
    forms.database_did_not_answer(retry_key="_forms.retry_page", page_failed=True)
finally:
    forms.end_of_run()

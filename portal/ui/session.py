"""Who is signed in to this browser tab: sign-in, the session cookie, idle timeout, page guards."""
from __future__ import annotations

import json
import time
import weakref

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from db.engine import unit_of_work
from portal.access.auth import CurrentUser, SignInError, can, close_session, session_user, sign_in, sign_in_verified
from portal.access.security_events import record_now
from portal.config import get_settings
from portal.i18n import N_, _, set_language
from portal.ui.downloads import forget_downloads, note_signed_in

COOKIE = "portal_session"
COOKIE_MAX_AGE = 12 * 3600  # the idle timeout, enforced on the server, ends sessions much sooner
TOUCH_EVERY = 60  # seconds between updates of the session's last-seen time in the database

SIGN_IN_MESSAGES = {
    "wrong": N_("Wrong login or password."),
    "locked": N_("Too many failed attempts: sign-in for this login is paused for 15 minutes."),
    "inactive": N_("This account is deactivated. Ask an administrator to reactivate it."),
    "unknown": N_("Single sign-on worked, but no portal account matches your e-mail address. Ask an administrator."),
    "unverified": N_("Your single sign-on provider has not verified your e-mail address: sign-in refused."),
    "domain": N_("Single sign-on is not allowed for your e-mail address's domain. Ask an administrator."),
}
# the script runs whose user was already read from the database (the entry point and the page guard both ask)
_CHECKED_RUNS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _set_cookie(token: str | None) -> None:
    """Queue the cookie change; `apply_cookie` writes it in the browser during this or the next run."""
    st.session_state["_cookie"] = token or ""


def apply_cookie() -> None:
    """Write a queued cookie change with a tiny script (Streamlit has no Set-Cookie for scripts)."""
    if "_cookie" not in st.session_state:
        return
    token = st.session_state.pop("_cookie")
    age = COOKIE_MAX_AGE if token else 0
    value = json.dumps(f"{COOKIE}={token}; path=/; max-age={age}; samesite=strict")
    st.html(f"<script>document.cookie = {value};</script>", unsafe_allow_javascript=True)


def _remember(user: CurrentUser, token: str) -> None:
    note_signed_in(token)
    st.session_state.update(user=user, token=token, last_seen=time.monotonic(), last_touch=time.monotonic())


def _run_marker() -> object | None:
    """An object that lives exactly as long as this script run (None outside a Streamlit run)."""
    return getattr(get_script_run_ctx(), "parallel_coordinator", None)


def current_user() -> CurrentUser | None:
    """The signed-in user, restored from the session cookie after a reload; None after idle timeout.

    Roles, the active flag and the session's validity are read from the database once per script run (one
    query by primary keys), so a demoted, deactivated or signed-out user's next action already runs with what
    the database says, in every open tab."""
    state = st.session_state
    idle = get_settings().session_timeout_minutes
    user: CurrentUser | None = state.get("user")
    now = time.monotonic()
    if user is not None and now - state.get("last_seen", now) > idle * 60:
        sign_out(message=_("Your session ended after {minutes} minutes without activity. Please sign in again.")
                 .format(minutes=idle))
        return None
    marker = _run_marker()
    if user is None:
        token = None if state.get("signed_out") else st.context.cookies.get(COOKIE)
        if not isinstance(token, str) or not token:  # (AppTest has no real cookies)
            return None
        with unit_of_work() as s:
            user = session_user(s, token, idle)
        if user is None:
            state["sign_in_notice"] = _("Your session has expired. Please sign in again.")
            _set_cookie(None)
            return None
        _remember(user, token)
    elif marker is None or marker not in _CHECKED_RUNS:
        token = state.get("token")
        touch = bool(token) and now - state.get("last_touch", 0) > TOUCH_EVERY
        with unit_of_work() as s:  # roles and active flag as they are now; notices revocation elsewhere
            fresh = session_user(s, token, idle, user_id=user.id, touch=touch)
        if fresh is None:
            sign_out(message=_("Your session has ended. Please sign in again."))
            return None
        if touch:
            state["last_touch"] = now
        state["user"] = user = fresh
    if marker is not None:
        _CHECKED_RUNS[marker] = True
    state["last_seen"] = now
    return user


def attempt_sign_in(login: str, password: str) -> str | None:
    """Sign in with the form's values; returns an error message to show, or None on success."""
    try:
        user, token = sign_in(login, password)
    except SignInError as exc:
        return _(SIGN_IN_MESSAGES[exc.args[0]])
    st.session_state.pop("signed_out", None)
    _remember(user, token)
    _set_cookie(token)
    return None


def sso_configured() -> bool:
    """Whether an [auth] section for st.login is configured in .streamlit/secrets.toml."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def attempt_sso_sign_in() -> str | None:
    """After st.login: sign the verified identity in to the portal; returns an error message or None."""
    email = getattr(st.user, "email", None)
    if not email:
        return _("The single sign-on provider did not give an e-mail address.")
    try:
        user, token = sign_in_verified(email, email_verified=getattr(st.user, "email_verified", None) is True)
    except SignInError as exc:
        st.logout()
        return _(SIGN_IN_MESSAGES[exc.args[0]])
    st.session_state.pop("signed_out", None)
    _remember(user, token)
    _set_cookie(token)
    return None


def sign_out(message: str | None = None) -> None:
    """End this browser's session (server side and cookie)."""
    token = st.session_state.get("token")
    if token:
        with unit_of_work() as s:
            close_session(s, token)
    for key in ("user", "token", "last_seen", "last_touch"):
        st.session_state.pop(key, None)
    forget_downloads(token)  # the /media links of this sign-in's downloads (in every tab) stop working
    st.session_state["signed_out"] = True
    if message:
        st.session_state["sign_in_notice"] = message
    _set_cookie(None)
    if sso_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()  # also end the provider's identity cookie, or the sign-in page would sign straight back in


def use_language(user: CurrentUser | None) -> None:
    """Texts in the user's language; before sign-in, the visitor's choice or the configured default."""
    set_language(user.language if user else st.session_state.get("language", get_settings().default_language))


def refuse(user: CurrentUser, what: str, message: str) -> None:
    """Show a refusal and record it as a security event (page not allowed, action not permitted)."""
    record_now("permission_denied", login=user.login, user_id=user.id, detail=what[:200])
    st.error(message)


def page_user(permission: str | None = None) -> CurrentUser:
    """Page guard: the signed-in user, or stop the page with a message if they may not see it."""
    user = current_user()  # idle timeout and cookie too, also when a page script runs without the entry point
    use_language(user)  # (see tests/support/app.py)
    if user is None:
        st.warning(_("Please sign in."))
        st.stop()
    if permission and not can(user, permission):
        refuse(user, f"page:{permission}", _("You do not have access to this page."))
        st.stop()
    return user

"""Who is signed in to this browser tab: sign-in, the session cookie, idle timeout, page guards."""
from __future__ import annotations

import json
import time

import streamlit as st

from db.engine import unit_of_work
from portal.auth import CurrentUser, SignInError, can, close_session, resume_session, sign_in, sign_in_verified
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
}


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


def current_user() -> CurrentUser | None:
    """The signed-in user, restored from the session cookie after a reload; None after idle timeout."""
    state = st.session_state
    idle = get_settings().session_timeout_minutes
    user: CurrentUser | None = state.get("user")
    now = time.monotonic()
    if user is not None and now - state.get("last_seen", now) > idle * 60:
        sign_out(message=_("Your session ended after {minutes} minutes without activity. Please sign in again.")
                 .format(minutes=idle))
        return None
    if user is None and not state.get("signed_out"):
        token = st.context.cookies.get(COOKIE)
        if isinstance(token, str) and token:  # (AppTest has no real cookies)
            with unit_of_work() as s:
                user = resume_session(s, token, idle)
            if user is None:
                state["sign_in_notice"] = _("Your session has expired. Please sign in again.")
                _set_cookie(None)
                return None
            _remember(user, token)
            return user
    if user is not None:
        if state.get("token") and now - state.get("last_touch", 0) > TOUCH_EVERY:
            with unit_of_work() as s:  # keeps the server-side session alive; notices revocation elsewhere
                if resume_session(s, state["token"], idle) is None:
                    sign_out(message=_("Your session has expired. Please sign in again."))
                    return None
            state["last_touch"] = now
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
        user, token = sign_in_verified(email)
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


def page_user(permission: str | None = None) -> CurrentUser:
    """Page guard: the signed-in user, or stop the page with a message if they may not see it."""
    user = current_user()  # idle timeout and cookie too, also when a page script runs without the entry point
    use_language(user)  # (see tests/app/conftest.py)
    if user is None:
        st.warning(_("Please sign in."))
        st.stop()
    if permission and not can(user, permission):
        st.error(_("You do not have access to this page."))
        st.stop()
    return user

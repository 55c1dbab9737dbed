"""Signing in through the form, what a wrong password or a locked login shows, and who sees which pages."""
import streamlit as st
from streamlit.testing.v1 import AppTest

from portal.access.auth import MAX_FAILURES
from portal.config import ROOT
from tests.conftest import TEST_PASSWORD
from tests.support.app import open_app, submit_sign_in

ADMIN_PAGES = {"admin_users", "admin_departments", "admin_categories", "admin_sla", "admin_calendar"}
ADMIN_TITLES = {"Users", "Departments", "Complaint categories", "Time limits (SLA)", "Working-day calendar"}


def test_admin_signs_in_and_lands_on_home(signed_in):
    at = signed_in("admin")
    assert at.title[0].value.startswith("Welcome")


def test_wrong_password_shows_the_message_and_keeps_the_sign_in_page(db):
    at = submit_sign_in(open_app(), "admin", "not-the-password")
    assert [e.value for e in at.error] == ["Wrong login or password."]
    assert at.text_input(key="sign_in_login").value == "admin"
    assert "user" not in at.session_state


def test_five_failures_lock_the_login_even_for_the_right_password(db):
    at = open_app()
    for _attempt in range(MAX_FAILURES - 1):
        submit_sign_in(at, "admin", "not-the-password")
        assert [e.value for e in at.error] == ["Wrong login or password."]
    submit_sign_in(at, "admin", "not-the-password")
    locked = "Too many failed attempts: sign-in for this login is paused for 15 minutes."
    assert [e.value for e in at.error] == [locked]
    submit_sign_in(at, "admin", TEST_PASSWORD)
    assert [e.value for e in at.error] == [locked]
    assert "user" not in at.session_state


def test_agent_navigation_lists_no_admin_pages(signed_in, make_user, monkeypatch):
    listed: list[str] = []
    real_navigation = st.navigation

    def spy(pages, **kwargs):  # the entry point runs in this process: record what it offers
        sections = pages.values() if isinstance(pages, dict) else [pages]
        listed[:] = [page.title for section in sections for page in section]
        return real_navigation(pages, **kwargs)

    monkeypatch.setattr(st, "navigation", spy)
    make_user("agent", login="agent1", language="en")
    signed_in("agent1")
    assert "Home" in listed and not ADMIN_TITLES & set(listed), listed
    signed_in("admin")
    assert ADMIN_TITLES <= set(listed)


def test_agent_opening_an_admin_page_is_stopped_by_the_page_guard(db, make_user):
    agent = make_user("agent", login="agent1")
    for page in sorted(ADMIN_PAGES):  # run each page script itself, as a hand-typed URL would reach it
        at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=30)
        at.session_state["user"] = agent
        at.run()
        assert not at.exception, at.exception
        assert [e.value for e in at.error] == ["You do not have access to this page."]
        assert not at.title and not at.dataframe and not at.text_input and not at.button, page


def test_idle_session_ends_with_a_message_and_the_sign_in_page(signed_in):
    import time

    from portal.config import get_settings

    at = signed_in("admin")
    at.session_state["last_seen"] = time.monotonic() - (get_settings().session_timeout_minutes + 1) * 60
    at.switch_page("pages/home.py").run()
    assert not at.exception, at.exception
    assert "user" not in at.session_state
    assert not at.title or not at.title[0].value.startswith("Welcome")
    at = open_app()  # what the browser shows next: the sign-in page, saying why
    assert at.text_input(key="sign_in_login") is not None

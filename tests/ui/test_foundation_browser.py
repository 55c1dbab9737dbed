"""The foundation in a real browser: sign-in, the session cookie across reloads, sign-out, and roles.

Playwright drives Debian's chromium against `python -m portal run` (see conftest.py).
"""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from db.engine import unit_of_work
from db.models import User
from portal.ui.session import COOKIE
from tests.conftest import TEST_PASSWORD
from tests.support.browser import ARTIFACTS, sign_in, wait_for_app

pytestmark = pytest.mark.e2e

ADMIN_PAGES = ("admin_users", "admin_departments", "admin_categories", "admin_sla", "admin_calendar")


def _sidebar_nav_links(page) -> list[str]:
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_be_visible()
    return [href.rstrip("/").rsplit("/", 1)[-1] for href in
            nav.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href') || '')")]


def _expect_signed_in(page, name: str) -> None:
    expect(page.get_by_role("heading", name=f"Welcome, {name}")).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out")).to_be_visible()


def _expect_sign_in_page(page) -> None:
    form = page.get_by_test_id("stForm")
    expect(form.get_by_label("Login", exact=True)).to_be_visible()
    expect(form.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)


def _sign_out(page) -> None:
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    wait_for_app(page)
    _expect_sign_in_page(page)


def test_wrong_password_is_refused_with_a_plain_message(base_url, page):
    sign_in(page, base_url, "admin", "not-the-password")
    expect(page.get_by_test_id("stAlert").filter(has_text="Wrong login or password.")).to_be_visible()
    _expect_sign_in_page(page)
    page.screenshot(path=str(ARTIFACTS / "sign_in_wrong_password.png"))


def test_reload_keeps_the_user_signed_in_until_sign_out(base_url, page):
    sign_in(page, base_url, "admin", TEST_PASSWORD)
    _expect_signed_in(page, "Administrator")
    _wait_for_cookie(page, present=True)
    page.screenshot(path=str(ARTIFACTS / "home_admin.png"))

    page.reload()  # a new Streamlit session: the user comes back through the cookie
    wait_for_app(page)
    _expect_signed_in(page, "Administrator")
    assert "admin_users" in _sidebar_nav_links(page)

    _sign_out(page)
    _wait_for_cookie(page, present=False)
    page.reload()
    wait_for_app(page)
    _expect_sign_in_page(page)


def _wait_for_cookie(page, *, present: bool, timeout_s: float = 10) -> None:
    """The session cookie is written by a script in the page: wait until it is (or is no longer) set."""
    deadline = time.monotonic() + timeout_s
    while True:
        names = {c["name"] for c in page.context.cookies() if c["value"]}
        if (COOKIE in names) == present:
            return
        assert time.monotonic() < deadline, f"cookie {COOKIE} {'not set' if present else 'still set'}: {names}"
        page.wait_for_timeout(100)


ADMIN_TITLES = ("Users", "Departments", "Complaint categories", "Time limits (SLA)", "Working-day calendar")


def _create_user_in_admin_page(page, *, login: str, name: str, staff_id: str, role: str, password: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Users").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Create user"))
    form.get_by_label("Login", exact=True).fill(login)
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Staff ID", exact=True).fill(staff_id)
    form.get_by_test_id("stMultiSelect").click()
    page.get_by_role("option", name=role, exact=True).click()
    page.keyboard.press("Escape")
    form.get_by_label("Initial password", exact=True).fill(password)
    form.get_by_role("button", name="Create user").click()
    wait_for_app(page)
    expect(page.get_by_test_id("stAlert").filter(has_text=f"User {login} created.")).to_be_visible()


def test_admin_creates_an_agent_who_cannot_reach_the_admin_pages(base_url, page):
    sign_in(page, base_url, "admin", TEST_PASSWORD)
    _expect_signed_in(page, "Administrator")
    assert set(ADMIN_PAGES) <= set(_sidebar_nav_links(page))

    _create_user_in_admin_page(page, login="agent.wu", name="Wu Fang", staff_id="KF0107", role="Agent",
                               password="agent-pass-2024")
    page.screenshot(path=str(ARTIFACTS / "admin_users_created.png"), full_page=True)
    with unit_of_work() as s:  # the same database the server uses
        created = s.scalar(select(User).where(User.login == "agent.wu"))
        assert (created.roles, created.staff_id, created.active) == (["agent"], "KF0107", True)

    _sign_out(page)
    sign_in(page, base_url, "agent.wu", "agent-pass-2024")
    _expect_signed_in(page, "Wu Fang")
    links = _sidebar_nav_links(page)
    assert links and not [link for link in links if link.startswith("admin")], links
    sidebar = page.get_by_test_id("stSidebar")
    for title in ADMIN_TITLES:
        expect(sidebar.get_by_role("link", name=title, exact=True)).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "home_agent.png"))

    for url_path in ADMIN_PAGES:  # typed into the address bar: the agent lands on Home, signed in
        page.goto(f"{base_url}/{url_path}")
        wait_for_app(page)
        _expect_signed_in(page, "Wu Fang")
        main = page.get_by_test_id("stMain")
        for title in ADMIN_TITLES:
            expect(main.get_by_role("heading", name=title, exact=True)).to_have_count(0)
        expect(main.get_by_test_id("stForm")).to_have_count(0)
        expect(main.get_by_role("button", name="Create user")).to_have_count(0)
        if url_path == "admin_users":
            page.screenshot(path=str(ARTIFACTS / "agent_opens_admin_users_by_url.png"))


def test_sign_in_page_switches_to_chinese(base_url, page):
    from portal.i18n import catalog

    zh = catalog("zh_CN")
    assert {"Sign in", "Login", "Service Center Portal"} <= zh.keys(), "no Chinese catalog (portal/locale/zh_CN)"
    page.goto(base_url)
    wait_for_app(page)
    page.get_by_test_id("stRadio").get_by_text("中文", exact=True).click()
    wait_for_app(page)
    form = page.get_by_test_id("stForm")
    expect(form.get_by_role("button", name=zh["Sign in"], exact=True)).to_be_visible()
    expect(form.get_by_label(zh["Login"], exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=zh["Service Center Portal"])).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "sign_in_zh.png"))

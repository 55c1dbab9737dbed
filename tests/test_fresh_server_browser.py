"""A portal process just started, and its first visitor comes by a page's address (a bookmark, a link, an open tab
reconnecting after a restart), not by the front page: the page is the portal's, with the portal's menu, and
Streamlit's page finds its server at once (portal/web.py KnownBackend)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.tools.soak import portal_process
from tests.conftest import TEST_PASSWORD
from tests.retailers.support import directory_fixture  # noqa: F401  (the `directory` fixture)
from tests.support.browser import ARTIFACTS, SERVER_LOG, sign_in, wait_for_app

pytestmark = pytest.mark.e2e
WAIT = 30_000


def test_the_first_visit_after_a_start_by_a_page_address_gets_the_portal(browser, base_url, database_url,
                                                                           directory):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    sign_in(page, base_url, "sup", TEST_PASSWORD)  # on the running process: the session lives in the database
    ARTIFACTS.mkdir(exist_ok=True)
    with portal_process(database_url, SERVER_LOG.with_name(SERVER_LOG.stem + "-fresh.log")) as (fresh, _proc):
        page.goto(f"{fresh}/retailers")  # (127.0.0.1's cookies are the same on every port)
        wait_for_app(page, settle_ms=500)
        try:
            expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=WAIT)
            menu = page.get_by_test_id("stSidebarNav")
            expect(menu.get_by_role("link", name="Retailers", exact=True)).to_be_visible(timeout=WAIT)
            # Streamlit's own menu of every file in pages/ (its "pages directory" mode) would list this one first
            expect(menu.get_by_role("link", name="streamlit app")).to_have_count(0)
            asked = page.evaluate("() => performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)")
            assert "/_stcore/health" in asked and not [p for p in asked if p.startswith("/retailers/")], asked
            assert page.evaluate("() => window.__streamlit.BACKEND_BASE_URL") == fresh + "/"

            context.clear_cookies()  # signed out, by a link to a record: the sign-in form, then the record
            page.goto(f"{fresh}/retailer?id={directory.ids['330102000002']}")
            wait_for_app(page, settle_ms=500)
            form = page.get_by_test_id("stForm")
            form.get_by_label("Login", exact=True).fill("sup")
            form.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
            form.get_by_role("button", name="Sign in").click()
            expect(page.get_by_label("Owner *", exact=True)).to_have_value("李芳", timeout=WAIT)
        finally:
            page.screenshot(path=str(ARTIFACTS / "fresh_server_first_visit.png"))
            context.close()

"""In a real browser: a demoted supervisor's open tab loses her pages and her save; a link shared with a colleague
who must sign in first still opens where it pointed; /home; the security headers on real responses."""
from __future__ import annotations

import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect

from db.engine import unit_of_work
from db.models import Retailer, User
from portal.access.users import update_user
from tests.conftest import TEST_PASSWORD
from tests.retailers.support import directory_fixture  # noqa: F401  (the `directory` fixture)
from tests.support.browser import sign_in, wait_for_app

pytestmark = pytest.mark.e2e
WAIT = 30_000  # ms: a record page draws its form a while after the run starts on a busy machine


def _submit_sign_in(page, login: str) -> None:
    form = page.get_by_test_id("stForm")
    form.get_by_label("Login", exact=True).fill(login)
    form.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    form.get_by_role("button", name="Sign in").click()
    wait_for_app(page, settle_ms=500)


def test_a_demoted_supervisor_keeps_neither_her_pages_nor_her_save(base_url, page, directory, admin):
    retailer_id = directory.ids["330106000003"]
    sign_in(page, base_url, "sup", TEST_PASSWORD)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("link", name="Register a complaint", exact=True)).to_have_count(1, timeout=WAIT)
    page.goto(f"{base_url}/retailer?id={retailer_id}")
    wait_for_app(page, settle_ms=500)
    owner = page.get_by_label("Owner *", exact=True)
    expect(owner).to_have_value("张敏", timeout=WAIT)

    with unit_of_work(admin.id) as s:  # meanwhile an admin makes her a viewer
        row = s.get(User, directory.supervisor.id)
        update_user(s, actor=admin, user_id=row.id, version=row.version, name=row.name, staff_id=row.staff_id,
                    roles=["viewer"], department_id=row.department_id, active=True, language=row.language)

    owner.fill("张敏敏")
    page.get_by_role("button", name="Save").click()
    wait_for_app(page, settle_ms=500)
    expect(page.get_by_text("Saved.")).to_have_count(0, timeout=WAIT)
    with unit_of_work() as s:
        assert s.get(Retailer, retailer_id).owner_name == "张敏"
    expect(sidebar.get_by_role("link", name="Register a complaint", exact=True)).to_have_count(0, timeout=WAIT)
    expect(sidebar.get_by_text("Viewer", exact=True)).to_be_visible(timeout=WAIT)


def test_a_shared_link_survives_signing_in_and_home_has_an_address(base_url, page, directory):
    query = urllib.parse.urlencode({"f": "district:is:城西区"})
    page.goto(f"{base_url}/retailers?{query}")
    wait_for_app(page, settle_ms=500)
    expect(page.get_by_text("Page not found")).to_have_count(0, timeout=WAIT)
    _submit_sign_in(page, "sup")
    assert urllib.parse.urlparse(page.url).path == "/retailers" and query in page.url, page.url
    expect(page.get_by_role("button", name="District is 城西区")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Page not found")).to_have_count(0, timeout=WAIT)

    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    wait_for_app(page, settle_ms=500)
    record = directory.ids["330102000002"]
    page.goto(f"{base_url}/retailer?id={record}")  # a record link
    wait_for_app(page, settle_ms=500)
    _submit_sign_in(page, "sup")
    assert page.url.endswith(f"/retailer?id={record}"), page.url
    expect(page.get_by_label("Owner *", exact=True)).to_have_value("李芳", timeout=WAIT)

    page.goto(f"{base_url}/home")
    wait_for_app(page, settle_ms=500)
    expect(page.get_by_text("Page not found")).to_have_count(0, timeout=WAIT)
    expect(page.get_by_role("heading", name="Welcome", exact=False)).to_be_visible(timeout=WAIT)


def test_responses_forbid_framing_by_other_sites_and_sniffing(portal_server):
    for path in ("/", "/retailers", "/_stcore/health"):
        with urllib.request.urlopen(portal_server + path, timeout=10) as response:
            headers = response.headers
        assert headers["X-Frame-Options"] == "SAMEORIGIN", path
        assert headers["Content-Security-Policy"] == "frame-ancestors 'self'", path
        assert headers["X-Content-Type-Options"] == "nosniff", path

"""A column header in a real browser: a read-only grid's header click sorts the whole view on the server (URL, Sort
button), a second click reverses it; an editable grid's header no longer sorts the page, its column strip does (the
Sort button too)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from db.engine import get_engine, unit_of_work
from portal.records.query import fetch_page
from portal.records.view import ViewState
from portal.retailers.scale import seed_retailers
from portal.retailers.table import RETAILERS
from tests.conftest import TEST_PASSWORD
from tests.retailers.support import directory_fixture  # noqa: F401  (the `directory` fixture)
from tests.support.browser import box_of, sign_in, wait_for_app

pytestmark = pytest.mark.e2e

URL = "/retailers?cols=star_rating,shop_name&sort=license_no"


def _first_shop(actor, sort) -> str:
    with unit_of_work() as s:
        return fetch_page(s, actor=actor, spec=RETAILERS, view=ViewState(sort=sort)).rows[0]["shop_name"]


def _click_shop_name_header(page) -> None:
    box = box_of(page.locator(".st-key-retailers-grid [data-testid=stDataFrame]"))
    page.mouse.click(box["x"] + box["width"] * 0.85, box["y"] + 18)  # the last column: the shop name
    wait_for_app(page, 300)


def _first_row(page) -> str:
    return page.locator(".st-key-retailers-grid [data-testid=stDataFrame] tbody tr").first.inner_text()


def test_a_header_click_sorts_the_whole_view_on_the_server_or_not_at_all(base_url, page, directory):
    seed_retailers(get_engine(), 60)  # two pages: the first row of the whole view is not on the page shown
    by_licence = _first_shop(directory.viewer, (("license_no", False),))
    sign_in(page, base_url, "viewer1", TEST_PASSWORD)
    page.goto(base_url + URL)
    wait_for_app(page)
    _click_shop_name_header(page)
    expect(page).to_have_url(re.compile(r"sort=shop_name%2Clicense_no"))
    expect(page.get_by_role("button", name="Sort: Shop name")).to_be_visible()
    first = _first_shop(directory.viewer, (("shop_name", False), ("license_no", False)))
    assert first != by_licence and first in _first_row(page)
    _click_shop_name_header(page)  # again: the other way
    expect(page).to_have_url(re.compile(r"sort=-shop_name%2Clicense_no"))

    page.context.clear_cookies()
    sign_in(page, base_url, "sup", TEST_PASSWORD)
    page.goto(base_url + URL)
    wait_for_app(page)
    before = _first_row(page)
    _click_shop_name_header(page)  # an editable grid: the header sorts nothing, not even the page
    assert _first_row(page) == before and page.url.endswith(URL)
    page.get_by_test_id("stButtonGroup").get_by_role("radio", name="Shop name").click()  # the column strip
    wait_for_app(page, 300)
    expect(page).to_have_url(re.compile(r"sort=shop_name%2Clicense_no"))
    assert _first_shop(directory.supervisor, (("shop_name", False), ("license_no", False))) in _first_row(page)
    # the strip is in the grid's own part (rows, bulk bar, pager), which reruns alone for a page or an edit; a sort
    # reruns the whole part, so the toolbar above says it too
    expect(page.get_by_role("button", name="Sort: Shop name")).to_be_visible()

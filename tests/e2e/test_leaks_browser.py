"""In a real browser: a records grid offers none of Streamlit's own grid tools (CSV download, search, column
menu), and a downloaded file's /media link stops working once the user signs out (issue 13 §7)."""
from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.db.retailer_support import directory_fixture  # noqa: F401  (the `directory` fixture)
from tests.e2e.conftest import sign_in, wait_for_app

pytestmark = pytest.mark.e2e


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _retailers(page, base_url):
    sign_in(page, base_url, "sup", TEST_PASSWORD)
    page.get_by_role("link", name="Retailers").click()
    wait_for_app(page)
    grid = page.get_by_test_id("stDataFrame").first
    page.locator("td[data-testid^=glide-cell]", has_text="好又多便利店").first.wait_for(state="attached")
    return grid


def test_the_records_grid_has_no_streamlit_csv_search_or_column_menu(base_url, page, directory):
    grid = _retailers(page, base_url)
    grid.hover()
    page.wait_for_timeout(300)
    expect(page.get_by_role("button", name="Download as CSV")).to_have_count(0)  # off in the config
    for tool in ("Search", "Show/hide columns"):
        expect(page.get_by_role("button", name=tool)).not_to_be_visible()
    box = grid.locator("canvas").first.bounding_box()
    page.mouse.click(box["x"] + 200, box["y"] + 17)  # the header of the first field column
    page.wait_for_timeout(300)
    expect(page.get_by_text("Sort ascending")).not_to_be_visible()
    expect(page.get_by_test_id("stDataFrameColumnMenu")).not_to_be_visible()


def test_a_downloaded_file_is_gone_after_sign_out(base_url, page, directory):
    _retailers(page, base_url)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    url = download.value.url
    assert "/media/" in url and _status(url) == 200
    page.get_by_role("button", name="Sign out").click()
    wait_for_app(page)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert _status(url) == 404

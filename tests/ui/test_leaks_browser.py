"""In a real browser: a records grid offers none of Streamlit's own grid tools (CSV download, search, column
menu), and a downloaded file's /media link stops working once the user signs out (issue 13 §7)."""
from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.retailers.support import directory_fixture  # noqa: F401  (the `directory` fixture)
from tests.support.browser import box_of, sign_in, wait_for_app

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
    box = box_of(grid.locator("canvas").first)
    page.mouse.click(box["x"] + 200, box["y"] + 17)  # the header of the first field column
    page.wait_for_timeout(300)
    expect(page.get_by_text("Sort ascending")).not_to_be_visible()
    expect(page.get_by_test_id("stDataFrameColumnMenu")).not_to_be_visible()


def test_a_downloaded_file_is_gone_after_sign_out_in_any_tab(base_url, page, directory, make_user):
    """The handover brief is a file the incident page holds while it is shown; signing out in another tab of
    the same browser must end its /media link too (before, it answered until that tab ran again)."""
    from db.engine import unit_of_work
    from portal import incidents as ix

    coordinator = make_user("emergency_coordinator", login="coord", department="security", name="黄伟")
    with unit_of_work(coordinator.id) as s:
        incident = ix.open_incident(s, actor=coordinator, type="severe_weather", severity=3, title="城东区暴雨",
                                    situation="城东区 8 点起暴雨。", affected_steps=["delivery"])
        incident_id = incident.id
    sign_in(page, base_url, "coord", TEST_PASSWORD)
    page.goto(f"{base_url}/incident?id={incident_id}")
    wait_for_app(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Handover brief").click()
    url = download.value.url
    assert "/media/" in url and _status(url) == 200
    other_tab = page.context.new_page()
    other_tab.goto(base_url)
    wait_for_app(other_tab)
    other_tab.get_by_role("button", name="Sign out").click()
    wait_for_app(other_tab)
    expect(other_tab.get_by_role("button", name="Sign in")).to_be_visible()
    assert _status(url) == 404

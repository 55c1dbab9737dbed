"""In a real browser: a supervisor opens each dashboard, changes the period, follows a chart through to the grid of
the complaints behind it, and downloads a monthly report."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.complaints.test_dashboard_page import center  # noqa: F401  (staff and five complaints of the last days)
from tests.conftest import TEST_PASSWORD
from tests.support.browser import sign_in, wait_for_app

pytestmark = pytest.mark.e2e


def _open(page, base_url: str, path: str) -> None:
    page.goto(f"{base_url}/{path}")
    wait_for_app(page, settle_ms=500)


def test_dashboards_period_click_through_and_monthly_report(base_url, page, center):  # noqa: F811
    sign_in(page, base_url, "zhanghua", TEST_PASSWORD)
    page.get_by_role("link", name="Complaints dashboard").click()
    wait_for_app(page, settle_ms=500)
    expect(page.get_by_role("heading", name="Complaints dashboard")).to_be_visible()
    card = page.locator(".st-key-card_volume")
    expect(card.get_by_text("Complaints by category")).to_be_visible()
    expect(card.locator("[data-testid=stVegaLiteChart]")).to_be_visible()

    # the other sections are tabs, computed when opened; the open one goes into the URL (a link reopens it)
    page.get_by_role("tab", name="Service levels").click()
    expect(page.locator(".st-key-card_reply_rate [data-testid=stVegaLiteChart]")).to_be_visible()
    page.wait_for_url("**section=service*")
    _open(page, base_url, "dashboard_complaints?section=backlog")
    expect(page.get_by_role("tab", name="Backlog and causes", selected=True)).to_be_visible()
    expect(page.locator(".st-key-card_repeaters").get_by_text("Repeat complainants")).to_be_visible()

    # another period (it lives in the URL): a month long ago has nothing to draw, and says so
    _open(page, base_url, "dashboard_complaints?period=2020-01-01&period=2020-01-31")
    expect(page.get_by_text("No data for complaints in").first).to_be_visible()
    expect(page.locator(".st-key-card_volume [data-testid=stVegaLiteChart]")).to_have_count(0)

    # back to the default year; from the chart to the complaints behind it
    _open(page, base_url, "dashboard_complaints")
    page.locator(".st-key-card_volume").get_by_role("link", name="Open these records").click()
    page.wait_for_url("**/complaints?*")
    wait_for_app(page, settle_ms=500)
    assert "received_at" in page.url  # the period became the grid's filter
    page.wait_for_selector("td[data-testid^=glide-cell]", state="attached")
    cells = page.locator("td[data-testid^=glide-cell]").all_text_contents()
    assert sum(text.startswith("TS-") for text in cells) == 5

    for path, title in (("dashboard_training", "Training dashboard"), ("dashboard_incidents", "Incident dashboard")):
        _open(page, base_url, path)
        expect(page.get_by_role("heading", name=title)).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)

    _open(page, base_url, "reports")
    expect(page.get_by_role("heading", name="Monthly reports")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download XLSX").click()
    book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    assert book.sheetnames[0] == "Summary"
    assert book["Summary"]["A1"].value == "Complaint analysis"

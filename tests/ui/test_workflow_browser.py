"""In a real browser (issue 13 §8): the sign-in sheet as Chromium prints it, each 22 mm QR code photographed and
decoded with zxing-cpp, opens that retailer's check-in on the running portal (PORTAL_BASE_URL) where one tap checks
them in; and a 20,000-character paste into an incident entry reaches the rule, which refuses it naming the field."""
from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from db.engine import unit_of_work
from db.incident_models import IncidentTimelineEntry
from db.models import Retailer
from db.training_models import SignUp
from portal import incidents as ix
from portal import training as tr
from portal.config import get_settings
from portal.incidents.rules import utcnow
from portal.training.check_in_codes import check_in_base
from tests.conftest import TEST_PASSWORD
from tests.support.browser import sign_in, wait_for_app
from tests.training.test_check_in_codes import session_today  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e


def _decode(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


def test_each_printed_code_scans_to_its_check_in_on_the_running_portal(base_url, browser, page, session_today,  # noqa: F811
                                                                       monkeypatch):
    coordinator, session_id = session_today
    monkeypatch.setenv("PORTAL_BASE_URL", base_url)
    get_settings.cache_clear()
    try:
        with unit_of_work(coordinator.id) as s:
            sheet = tr.sign_in_sheet_html(s, actor=coordinator, session_id=session_id, check_in_base=check_in_base())
    finally:
        get_settings.cache_clear()
    paper = browser.new_context(viewport={"width": 794, "height": 1123}, device_scale_factor=3)  # A4 at 96 dpi
    try:
        printed = paper.new_page()
        printed.emulate_media(media="print")
        printed.set_content(sheet)
        codes = printed.locator("td.qr svg")
        expect(codes).to_have_count(3)
        links = []
        for i in range(3):
            box = codes.nth(i).bounding_box()
            assert 80 <= box["width"] <= 86  # 22 mm
            found = _decode(codes.nth(i).screenshot())
            assert len(found) == 1, found
            links.append(found[0])
    finally:
        paper.close()
    assert all(urlsplit(link).path == "/training_check_in" and link.startswith(base_url) for link in links), links

    page.set_default_timeout(30_000)  # two cores shared with the whole suite: let a slow redraw finish
    sign_in(page, base_url, "coord", TEST_PASSWORD)
    page.goto(links[0])
    wait_for_app(page, settle_ms=400)
    signup = int(dict(p.split("=") for p in urlsplit(links[0]).query.split("&"))["signup"])
    with unit_of_work() as s:
        shop = s.get(Retailer, s.get(SignUp, signup).retailer_id).shop_name
    scanned = page.locator(".st-key-checkin_scanned")
    expect(scanned).to_be_visible()
    expect(scanned).to_contain_text(shop)
    scanned.get_by_role("button", name="Check in").click()
    wait_for_app(page, settle_ms=400)
    with unit_of_work() as s:
        assert s.get(SignUp, signup).attended is True


def test_a_20000_character_paste_reaches_the_rule_which_names_the_field(base_url, page, make_user):
    coordinator = make_user("emergency_coordinator", login="huangwei", name="黄伟", language="en")
    with unit_of_work(coordinator.id) as s:
        incident_id = ix.open_incident(s, actor=coordinator, type="severe_weather", severity=3, title="城东区暴雨",
                                       started_at=utcnow() - timedelta(hours=2)).id
    page.set_default_timeout(30_000)  # a 20,000-character value makes the redraw slow on a busy machine
    sign_in(page, base_url, "huangwei", TEST_PASSWORD)
    page.goto(f"{base_url}/incident?id={incident_id}")
    wait_for_app(page)
    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Add entry", exact=True))
    area = form.get_by_label("What happened, was decided or was done", exact=True)
    area.fill("断" * 20_000)
    form.get_by_role("button", name="Add entry", exact=True).click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("Entry: at most 5,000 characters, please; this text has 20,000.")).to_be_visible()
    area = form.get_by_label("What happened, was decided or was done", exact=True)  # (drawn anew, forms.refill)
    assert len(area.input_value()) == 20_000  # the browser emptied the box at the click; the refused text is back
    area.fill("断" * 4_000)  # shortened: saved, and the box is empty for the next entry
    form.get_by_role("button", name="Add entry", exact=True).click()
    wait_for_app(page, settle_ms=400)
    expect(area).to_have_value("")
    with unit_of_work() as s:
        assert [len(t) for t in s.scalars(select(IncidentTimelineEntry.text).where(
            IncidentTimelineEntry.incident_id == incident_id, IncidentTimelineEntry.kind == "update"))] == [4_000]

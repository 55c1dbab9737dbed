"""In a real browser, the incident log as ICS-214: a coordinator searches the log, stars an entry with its ★ toggle,
attaches a photo to it (the file shows under the entry), and takes the log's print view, which carries the star,
the file and each author's position."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from db.engine import unit_of_work
from db.incident_models import IncidentEntryFile, IncidentTimelineEntry
from portal import incidents as ix
from portal.incidents.rules import utcnow
from tests.conftest import TEST_PASSWORD
from tests.support.browser import sign_in, wait_for_app

pytestmark = pytest.mark.e2e
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_coordinator_searches_stars_attaches_and_prints_the_log(base_url, page, make_user, tmp_path):
    boss = make_user("emergency_coordinator", login="huangwei", name="黄伟", language="en")
    start = utcnow() - timedelta(hours=2)
    with unit_of_work(boss.id) as s:
        incident = ix.open_incident(s, actor=boss, type="severe_weather", severity=2, commander_id=boss.id,
                                    title="城东区暴雨", started_at=start)
        water = ix.add_entry(s, actor=boss, incident_id=incident.id, text="人民路积水 30 厘米", now=start)
        ix.add_entry(s, actor=boss, incident_id=incident.id, text="备用车辆已出发", kind="resource", now=start)
        incident_id, water_id = incident.id, water.id

    sign_in(page, base_url, "huangwei", TEST_PASSWORD)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(f"{base_url}/incident?id={incident_id}")
    wait_for_app(page)
    log = page.get_by_role("tabpanel", name="Timeline")
    expect(log.get_by_text("3 of 3 entries")).to_be_visible()
    search = log.get_by_label("Search the log", exact=True)
    search.fill("积水")
    search.press("Enter")
    wait_for_app(page)
    expect(log.get_by_text("1 of 3 entries")).to_be_visible()
    expect(log.get_by_text("备用车辆已出发")).to_have_count(0)

    # the ★ toggle beside the entry, then a photo on it
    log.get_by_role("button", name="☆", exact=True).click()
    wait_for_app(page, settle_ms=300)
    expect(log.get_by_role("button", name="★", exact=True)).to_be_visible()
    page.get_by_role("button", name="Attach photos or files").click()
    photo = tmp_path / "积水.png"
    photo.write_bytes(PNG)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(photo))
    page.get_by_role("button", name="Attach 1 files").click()
    wait_for_app(page, settle_ms=300)
    expect(page.get_by_text(f"Files attached to entry #{water_id}.")).to_be_visible()
    expect(log.get_by_role("button", name=re.compile(r"积水\.png \(1 KB\)"))).to_be_visible()
    with unit_of_work() as s:
        assert s.get(IncidentTimelineEntry, water_id).significant
        assert s.query(IncidentEntryFile).filter_by(entry_id=water_id).count() == 1

    # the print view holds what the filter shows: the starred entry, its file, who wrote it in what position
    with page.expect_download() as download:
        log.get_by_role("button", name="Log print view").click()
    printed = Path(download.value.path()).read_text(encoding="utf-8")
    for part in ("Activity log (ICS-214)", "containing “积水”", "人民路积水 30 厘米", "★", "积水.png",
                 "黄伟 (Commander)"):
        assert part in printed, part
    assert "备用车辆已出发" not in printed

"""Training records: the printable record card of a retailer (sessions, dates, attendance, evaluation), and the
untrained list marked with the upcoming session each retailer already has a place at, on screen and in its XLSX."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from db.engine import unit_of_work
from db.models import Retailer
from portal import training as tr
from portal.i18n import fmt_datetime, set_language
from portal.training.records import record_card_html, untrained_export, upcoming_places
from tests.training.support import NOW, academy_fixture, english_fixture  # noqa: F401

SCORES = {"score_content": 5, "score_trainer": 4, "score_usefulness": 3}


def test_the_record_card_prints_every_session_with_its_date_attendance_and_evaluation(academy):
    held = academy.approved(title="陈列<技巧>")
    came = academy.sign_up(held, academy.retailers[0])
    day = academy.session(held).starts_at + timedelta(minutes=5)
    academy.run(academy.coordinator, tr.mark_attendance, sign_up_id=came.id, now=day)
    academy.run(academy.coordinator, tr.record_evaluation, sign_up_id=came.id, scores=SCORES)
    later = academy.approved(starts_at=NOW + timedelta(days=20))
    academy.sign_up(later, academy.retailers[0])
    with unit_of_work() as s:
        page = record_card_html(s, actor=academy.viewer, retailer_id=academy.retailers[0])
    assert "Training record card" in page and "330102000000" in page and "测试便利店0" in page
    assert "陈列&lt;技巧&gt;" in page and "陈列<技巧>" not in page  # typed text is escaped
    assert "Attended" in page and "4.0 / 5" in page and "Sessions attended: 1" in page
    assert page.count("<tr><td>") == 2  # both sessions, the one to come too
    set_language("zh_CN")
    with unit_of_work() as s:
        chinese = record_card_html(s, actor=academy.viewer, retailer_id=academy.retailers[1])
    assert "培训记录卡" in chinese and "暂无培训报名记录" in chinese and "已参加培训：0 场" in chinese


def test_untrained_retailers_are_marked_with_the_upcoming_place_they_have(academy):
    soon = academy.approved(capacity=1, title="网上订货")
    academy.sign_up(soon, academy.retailers[0])
    academy.sign_up(soon, academy.retailers[1])  # full: the waiting list
    cancelled = academy.approved(starts_at=NOW + timedelta(days=9), title="取消的课")
    academy.sign_up(cancelled, academy.retailers[2])
    academy.run(academy.coordinator, tr.cancel_session, session_id=cancelled, version=None, reason="讲师出差")
    with unit_of_work() as s:
        places = upcoming_places(s, actor=academy.viewer, retailer_ids=academy.retailers[:4])
    assert set(places) == {academy.retailers[0], academy.retailers[1]}  # a cancelled session is no place
    assert (places[academy.retailers[0]].waitlisted, places[academy.retailers[1]].waitlisted) == (False, True)
    assert places[academy.retailers[1]].label().endswith("网上订货 (Waiting list)")
    with unit_of_work() as s:  # once the session has started, it is no longer to come
        assert upcoming_places(s, actor=academy.viewer, retailer_ids=academy.retailers[:2],
                               now=academy.session(soon).starts_at + timedelta(minutes=1)) == {}


def test_the_untrained_list_exports_as_xlsx_text_cells_with_the_mark(academy):
    soon = academy.approved()
    academy.sign_up(soon, academy.retailers[3])
    with unit_of_work(engine=academy.engine) as s:
        s.get(Retailer, academy.retailers[5]).shop_name = "=HYPERLINK(\"http://x\")"
    with unit_of_work() as s:
        rows = untrained_export(s, actor=academy.viewer, year=NOW.year, flt=tr.RetailerFilter(district="城西区"))
        data = tr.summary_file(rows, "xlsx", "Untrained")
    sheet = load_workbook(io.BytesIO(data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Licence number" and values[0][-1] == "Upcoming session"
    assert [v[0] for v in values[1:]] == ["330102000001", "330102000003", "330102000005", "330102000007"]
    marked = {v[0]: v[-1] for v in values[1:]}
    ts = academy.session(soon)
    assert marked["330102000003"] == f"{fmt_datetime(ts.starts_at)} · {ts.title}"
    assert marked["330102000001"] in (None, "")
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == "=HYPERLINK(\"http://x\")")
    assert cell.data_type == "s"  # text, never a formula

"""The printed monthly training summary (issue 13 §8) shows counts as counts ("7", not "7.0"), shares as
percentages ("25.0%", not "0.25") and fills its 90% column with Yes or No; the workbook keeps numbers, with a
percentage format."""
from __future__ import annotations

import io
import re
from datetime import date
from html import unescape

from db.engine import unit_of_work
from portal.center.workdays import ensure_calendar
from portal.dashboards import report as rpt
from portal.training import monthly
from tests.training.support import academy_fixture, english_fixture  # noqa: F401
from tests.training.test_dashboard import YEAR, programme  # noqa: F401 (fixture)


def _tables(page: str) -> dict[str, list[list[str]]]:
    """Each <section>'s title → its table rows as cell texts (header row first)."""
    found = {}
    for title, body in re.findall(r"<section><h2>(.*?)</h2>(.*?)</section>", page, flags=re.S):
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
        found[unescape(title)] = [[unescape(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
                                  for r in rows]
    return found


def test_the_printed_summary_shows_counts_percentages_and_a_filled_90_percent_column(programme):  # noqa: F811
    with unit_of_work(engine=programme.engine) as s:
        ensure_calendar(s, years=[YEAR])
        report = monthly.monthly_report(s, actor=programme.viewer, month=date(YEAR, 3, 1))
    tables = _tables(rpt.to_html(report))
    head, *rows = tables["Coverage by district"]
    assert head == ["District", "Active retailers", "Trained", "Coverage", "90% reached"]
    assert [row[1:] for row in rows] == [["4", "1", "25.0%", "No"], ["4", "3", "75.0%", "No"]]
    head, *rows = tables["Sessions"]
    total = rows[-1]
    assert total[0] == "Total (held sessions)"
    assert total[7:11] == ["7", "5", "2", "2"]
    assert rows[0][head.index("Average content score")] == "4.0"
    for row in rows:
        for cell in row[7:11]:  # the counts
            assert re.fullmatch(r"\d+|", cell), (cell, row)

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(rpt.to_xlsx(report)))
    sheet = book["Coverage by district"]
    assert (sheet["D2"].value, sheet["D2"].number_format) == (0.25, "0.0%")
    assert sheet["E2"].value == "No"


def test_a_cell_reads_as_a_reader_expects():
    assert [rpt.cell_text(v) for v in (40.0, 7, 2.5, None, float("nan"), True, "x")] == [
        "40", "7", "2.50", "", "", "Yes", "x"]
    assert rpt.cell_text(0.1667, rpt.PERCENT) == "16.7%"

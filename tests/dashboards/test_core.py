"""The dashboard core: periods and their buckets, the generic chart builders, a monthly report's two spellings."""
import io
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from portal.dashboards import charts
from portal.dashboards.period import (
    DAY,
    MONTH,
    WEEK,
    DashboardFilter,
    buckets,
    default_filter,
    month_filter,
    previous_month,
)
from portal.dashboards.report import PERCENT, Figure, MonthlyReport, format_change, to_html, to_xlsx


def test_chart_data_goes_into_the_spec_as_plain_json_values():
    frame = pd.DataFrame({"bucket": pd.to_datetime(["2026-10-01"]), "rate": [float("nan")], "n": [np.int64(3)],
                          "share": [Decimal("1.5")], "day": [date(2026, 10, 2)], "label": [None]})
    assert charts.inline_values(frame) == {"values": [
        {"bucket": "2026-10-01T00:00:00", "rate": None, "n": 3, "share": 1.5, "day": "2026-10-02", "label": None}]}
    assert type(charts.inline_values(frame)["values"][0]["n"]) is int
    with pytest.raises(ValueError, match="aggregate in SQL first"):
        charts.inline_values(pd.DataFrame({"x": range(charts.MAX_POINTS + 1)}))


def test_a_layered_chart_selects_on_its_first_layer_only():
    frame = pd.DataFrame({"bucket": pd.to_datetime(["2026-09-01", "2026-10-01"]), "rate": [0.9, 0.97]})
    spec = charts.trend(frame, x="bucket", y="rate", grain=MONTH, x_title="Received", y_title="Rate", mark="line",
                        y_format=".0%", target=0.98, target_title="Target 98%").to_dict()  # validated
    assert spec["params"] == [{"name": "pick", "select": {"type": "point", "fields": ["bucket"], "on": "click",
                                                          "clear": "dblclick"}, "views": ["marks"]}]
    assert spec["layer"][0]["name"] == "marks" and not any("params" in layer for layer in spec["layer"])
    assert [v["rate"] for v in next(iter(spec["datasets"].values()))] == [0.9, 0.97]


def test_the_grain_follows_the_length_of_the_period():
    assert DashboardFilter(date(2026, 11, 23), date(2026, 11, 23)).grain == DAY
    assert DashboardFilter(date(2026, 11, 1), date(2026, 12, 1)).grain == DAY  # 31 days
    assert DashboardFilter(date(2026, 11, 1), date(2026, 12, 2)).grain == WEEK
    assert DashboardFilter(date(2026, 1, 1), date(2026, 12, 31)).grain == MONTH


def test_buckets_cover_the_period_from_the_bucket_the_start_falls_in():
    assert buckets(DashboardFilter(date(2026, 11, 23), date(2026, 11, 23))) == [date(2026, 11, 23)]
    weekly = buckets(DashboardFilter(date(2026, 9, 3), date(2026, 11, 30)))  # the 3rd is a Thursday
    assert weekly[0] == date(2026, 8, 31) and weekly[-1] == date(2026, 11, 30) and len(weekly) == 14
    assert buckets(default_filter(date(2026, 11, 23))) == [date(2025, 12, 1)] + [date(2026, m, 1) for m in range(1, 12)]


def test_months_and_the_period_before():
    assert month_filter(date(2028, 2, 14)) == DashboardFilter(date(2028, 2, 1), date(2028, 2, 29))
    assert previous_month(date(2026, 1, 20)) == date(2025, 12, 1)
    flt = DashboardFilter(date(2026, 11, 1), date(2026, 11, 30), department_id=3)
    assert flt.previous() == DashboardFilter(date(2026, 10, 2), date(2026, 10, 31), department_id=3)


def test_day_bounds_are_center_midnights():
    lo, hi = DashboardFilter(date(2026, 11, 1), date(2026, 11, 30)).bounds()
    assert (lo.isoformat(), hi.isoformat()) == ("2026-11-01T00:00:00+08:00", "2026-12-01T00:00:00+08:00")


def _frame():
    return pd.DataFrame({"bucket": pd.to_datetime(["2026-10-01", "2026-10-01", "2026-11-01"]),
                         "category": ["送货", "服务", "送货"], "n": [5, 2, 7]})


def test_chart_builders_make_valid_specs_with_tooltips_and_a_click_selection():
    made = [charts.trend(_frame(), x="bucket", y="n", grain=MONTH, x_title="Month", y_title="Complaints",
                         color="category", color_title="Category"),
            charts.trend(_frame().assign(rate=[0.5, 0.9, 1.0]), x="bucket", y="rate", grain=MONTH, x_title="Month",
                         y_title="Rate", mark="line", y_format=".0%", target=0.98, target_title="Target 98%"),
            charts.ranked_bars(_frame(), category="category", value="n", category_title="Category",
                               value_title="Complaints", limit=1),
            charts.pareto(_frame(), category="category", value="n", category_title="Root cause",
                          value_title="Complaints", share_title="Cumulative share")]
    for chart in made:
        spec = chart.to_dict()
        text = str(spec)
        assert "tooltip" in text and charts.PICK in text
    ranked = made[2].to_dict()
    assert set(pd.DataFrame(next(iter(ranked["datasets"].values())))["category"]) == {"送货"}  # the top 1 only


def _report():
    return MonthlyReport(
        title="Complaint analysis", month=date(2026, 11, 1),
        figures=[Figure("Complaints", 120, 100), Figure("Satisfaction rate", 0.97, 0.99, kind=PERCENT, target=0.98),
                 Figure("Reopen rate", None, 0.1, kind=PERCENT)],
        charts=[("By category", charts.ranked_bars(_frame(), category="category", value="n",
                                                   category_title="Category", value_title="Complaints"))],
        tables=[("Categories", pd.DataFrame({"Category": ["送货", "=cmd"], "Complaints": [12, 3]})),
                ("Empty", pd.DataFrame({"A": []}))],
        notes=["Due 2026-12-01."])


def test_month_over_month_change_is_in_points_for_rates():
    figures = _report().figures
    assert format_change(figures[0]) == "+20"
    assert format_change(figures[1]) == "−2.0 pts"
    assert format_change(figures[2]) == "—"


def test_the_xlsx_has_a_summary_and_a_sheet_per_table_and_never_a_formula():
    book = load_workbook(io.BytesIO(to_xlsx(_report())))
    assert book.sheetnames[0] == "Summary" and "Categories" in book.sheetnames and "Empty" in book.sheetnames
    summary = [row for row in book["Summary"].iter_rows(values_only=True)]
    assert ("Complaints", 120, 100, "+20", None) in summary
    assert ("Satisfaction rate", 0.97, 0.99, "−2.0 pts", "98.0%") in summary
    assert book["Categories"]["A3"].value == "=cmd" and book["Categories"]["A3"].data_type == "s"  # no apostrophe


def test_the_html_is_self_contained_with_the_charts_as_svg():
    page = to_html(_report())
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "送货" in page
    assert "<script" not in page and "−2.0 pts" in page and "No rows." in page


def test_chart_rows_go_to_streamlit_as_arrow_unless_a_column_mixes_text_and_numbers():
    import pyarrow as pa

    from portal.ui.dashboard import _arrow

    table = pa.ipc.open_stream(_arrow([{"n": 1, "rate": None}, {"n": 2, "rate": 0.5}])).read_all()
    assert table.to_pylist() == [{"n": 1, "rate": None}, {"n": 2, "rate": 0.5}]
    mixed = [{"key": "城东区"}, {"key": 3}]
    assert _arrow(mixed) is mixed

"""A monthly report (投诉分析, 培训记录汇总表, incident summary): its figures with month-over-month change, its charts
and its tables — and the two spellings handed in: an XLSX workbook and a print-ready HTML page.

Each area builds a `MonthlyReport` from its metrics (`portal.dashboards.<area>.monthly_report`); this module only
lays it out, so the three reports look alike and are exported the same way.
"""
from __future__ import annotations

import html
import io
import numbers
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from portal.center_time import wall_clock
from portal.dashboards.charts import localized
from portal.i18n import _, fmt_number, fmt_percent

COUNT, PERCENT, DAYS, SCORE = "count", "percent", "days", "score"
NUMBER = "number"  # a plain number with one decimal (e.g. complaints per 10,000 retailers)


@dataclass(frozen=True)
class Figure:
    """One headline number of the month beside the month before (None: not defined, e.g. nothing to divide by)."""

    label: str  # already translated
    value: float | int | None
    previous: float | int | None = None
    kind: str = COUNT  # COUNT, PERCENT (a share 0–1), DAYS (working days), SCORE (1–5), NUMBER
    target: float | None = None  # e.g. 0.98; shown beside the value
    higher_is_better: bool = True

    def change(self) -> float | None:
        """Value minus previous (in points for shares); None when either is missing."""
        if self.value is None or self.previous is None:
            return None
        return float(self.value) - float(self.previous)


@dataclass
class MonthlyReport:
    title: str  # translated, e.g. "Complaint analysis"
    month: date  # the first day of the month reported
    figures: list[Figure] = field(default_factory=list)
    charts: list[tuple[str, alt.TopLevelMixin]] = field(default_factory=list)  # (title, chart)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)  # (title, table with translated headers)
    notes: list[str] = field(default_factory=list)  # e.g. "Due the first working day of next month."

    @property
    def file_stem(self) -> str:
        return f"{self.title}-{self.month:%Y-%m}".replace(" ", "-")


def format_value(kind: str, value: float | int | None) -> str:
    if value is None:
        return "—"
    if kind == PERCENT:
        return fmt_percent(value)
    if kind in (DAYS, SCORE, NUMBER):
        return fmt_number(value, 1)
    return fmt_number(value)


def format_change(figure: Figure) -> str:
    """"+12", "−3.5 pts", or "—"."""
    change = figure.change()
    if change is None:
        return "—"
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    if figure.kind == PERCENT:
        return _("{sign}{n} pts").format(sign=sign, n=fmt_number(abs(change) * 100, 1))
    return sign + format_value(figure.kind, abs(change))


def with_kinds(table: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """`table` with the kind of some columns (e.g. {"Coverage": PERCENT}): how `shown`, the printed page and the
    workbook write them. Other numbers are counts, or shown with two decimals."""
    table.attrs["kinds"] = dict(kinds)
    return table


def cell_text(value: Any, kind: str | None = None) -> str:
    """One table cell as a reader sees it: "40" not "40.0", "16.7%" not "0.1667", "Yes"/"No", "" for nothing."""
    if value is None or isinstance(value, str):
        return value or ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        return str(value)
    if isinstance(value, bool | np.bool_):
        return _("Yes") if value else _("No")
    if kind is not None:
        return format_value(kind, value)
    if isinstance(value, numbers.Integral) or (isinstance(value, numbers.Real) and float(value).is_integer()):
        return fmt_number(int(value))
    if isinstance(value, numbers.Real):
        return fmt_number(float(value), 2)
    return str(value)


def shown(table: pd.DataFrame) -> pd.DataFrame:
    """The table as text in the reader's format (the page's table and the printed one)."""
    kinds = table.attrs.get("kinds", {})
    return pd.DataFrame({column: [cell_text(v, kinds.get(column)) for v in table[column]] for column in table.columns},
                        columns=list(table.columns))


def to_xlsx(report: MonthlyReport) -> bytes:
    """A workbook: a summary sheet (figures, previous month, change, target), then one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from portal.records.exporting import xlsx_row

    book = Workbook()
    sheet = book.active
    sheet.title = _("Summary")[:31]
    sheet.append([report.title, f"{report.month:%Y-%m}"])
    sheet["A1"].font = Font(bold=True, size=14)
    for note in report.notes:
        sheet.append([note])
    sheet.append([])
    header = [_("Figure"), _("This month"), _("Previous month"), _("Change"), _("Target")]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for f in report.figures:
        sheet.append([f.label, _cell(f.kind, f.value), _cell(f.kind, f.previous), format_change(f),
                      format_value(f.kind, f.target) if f.target is not None else ""])
        if f.kind == PERCENT:
            for col in (2, 3):
                sheet.cell(row=sheet.max_row, column=col).number_format = "0.0%"
    _fit(sheet, get_column_letter)
    used: set[str] = {sheet.title}
    for title, table in report.tables:
        name = _sheet_name(title, used)
        ws = book.create_sheet(name)
        ws.append([str(c) for c in table.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in table.itertuples(index=False):
            ws.append(xlsx_row(ws, [_plain(v) for v in row]))  # text as string cells: never a formula
        kinds = table.attrs.get("kinds", {})
        for i, column in enumerate(table.columns, start=1):
            if kinds.get(column) == PERCENT:
                for cell in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell[0].number_format = "0.0%"
        _fit(ws, get_column_letter)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(kind: str, value: Any) -> Any:
    if value is None:
        return None
    return round(float(value), 4) if kind in (PERCENT, DAYS, SCORE, NUMBER) else value


def _plain(value: Any) -> Any:
    """A cell value openpyxl accepts (pandas NA/NaT become empty; timestamps as the center's clock shows them)."""
    if value is None or (not isinstance(value, str | bytes) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return wall_clock(value.to_pydatetime())  # the center's clock (naive: already center time)
    if hasattr(value, "item"):
        return value.item()
    return value


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join(ch for ch in title if ch not in '[]:*?/\\')[:28] or "Sheet"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]} {n}", n + 1
    used.add(name)
    return name


def _fit(sheet, letter) -> None:
    for i, column in enumerate(sheet.iter_cols(values_only=True), start=1):
        width = max((len(str(v)) * (2 if any(ord(ch) > 0x2E80 for ch in str(v)) else 1) for v in column
                     if v is not None), default=8)
        sheet.column_dimensions[letter(i)].width = min(max(width + 2, 8), 60)


def chart_svg(chart: alt.TopLevelMixin, title: str | None = None) -> str:
    """The chart drawn as inline SVG (no JavaScript, no network: prints the same everywhere), in the reader's
    language (charts.localized)."""
    import vl_convert as vlc

    vega = vlc.vegalite_to_vega(localized(chart.to_dict(), title))
    _describe_guides(vega)
    svg = vlc.vega_to_svg(vega)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(vega.get("description", ""))}" ', 1)


def _describe_guides(vega: dict) -> None:
    """vl-convert's Vega does not read an axis's or legend's `description` (the browser's does) and would say
    "X-axis titled …" in English: give each guide its description through its encoding as well."""
    for kind, part in (("axes", "axis"), ("legends", "legend")):
        for guide in vega.get(kind, ()):
            if "description" in guide:
                encode = guide.setdefault("encode", {}).setdefault(part, {})
                encode.setdefault("update", {})["description"] = {"value": guide["description"]}
    for mark in vega.get("marks", ()):
        if mark.get("type") == "group":
            _describe_guides(mark)


def to_html(report: MonthlyReport) -> str:
    """A self-contained page to print or save as PDF: figures with change, the charts as SVG, the tables."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(f.label)}</td><td class=n>{e(format_value(f.kind, f.value))}</td>"
        f"<td class=n>{e(format_value(f.kind, f.previous))}</td><td class=n>{e(format_change(f))}</td>"
        f"<td class=n>{e(format_value(f.kind, f.target)) if f.target is not None else ''}</td></tr>"
        for f in report.figures)
    parts = [f"<h1>{e(report.title)} · {report.month:%Y-%m}</h1>"]
    parts += [f"<p class=note>{e(n)}</p>" for n in report.notes]
    if report.figures:
        parts.append(f"<table><thead><tr><th>{e(_('Figure'))}</th><th>{e(_('This month'))}</th>"
                     f"<th>{e(_('Previous month'))}</th><th>{e(_('Change'))}</th><th>{e(_('Target'))}</th></tr>"
                     f"</thead><tbody>{rows}</tbody></table>")
    for title, chart in report.charts:
        parts.append(f"<section class=chart><h2>{e(title)}</h2>{chart_svg(chart, title)}</section>")
    for title, table in report.tables:
        parts.append(f"<section><h2>{e(title)}</h2>")
        parts.append(shown(table).to_html(index=False, na_rep="", border=0, escape=True) if not table.empty
                     else f"<p>{e(_('No rows.'))}</p>")
        parts.append("</section>")
    return (f"<!DOCTYPE html><html lang=zh><head><meta charset=utf-8><title>{e(report.title)} "
            f"{report.month:%Y-%m}</title><style>{_CSS}</style></head><body>{''.join(parts)}</body></html>")


_CSS = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
table { border-collapse: collapse; margin: .5em 0; font-size: .9em; }
th, td { border: 1px solid #bbb; padding: .25em .6em; text-align: left; }
td.n, td:has(> .n) { text-align: right; } th { background: #f0f0f0; }
.note { color: #555; } section.chart svg { max-width: 100%; height: auto; }
@media print { body { margin: 0; } section { break-inside: avoid; } }
"""

"""Exporting a view (its filters, sort and visible columns) to CSV or XLSX, read page by page.

Values are written as people read them (choice labels, staff names, Yes/No, local times) in the user's
language; our import reads them back. In CSV, text cells that a spreadsheet would run as a formula are
prefixed with an apostrophe; in XLSX every text is written as a string cell, which Excel never runs, so no
apostrophe shows. CSV is UTF-8 with a BOM so Excel shows Chinese correctly. A table imported by its key gets
a last column with each record's version, so an import of the file can tell rows changed since.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from portal.access.auth import CurrentUser
from portal.center_time import wall_clock
from portal.i18n import N_, _
from portal.records.fields import Field, FieldType, TableSpec
from portal.records.query import iter_view
from portal.records.tabular import FORMULA_STARTS
from portal.records.view import ViewState

DANGEROUS_STARTS = (*FORMULA_STARTS, "\t", "\r")
VERSION_HEADER = N_("Record version")  # the export's last column; the import checks it (importing.version_column)


def neutralise(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula: '=… stays text."""
    return "'" + value if value.startswith(DANGEROUS_STARTS) else value


def cell_value(field: Field, row: dict[str, Any]) -> Any:
    """A row's value of `field` as written to a file (numbers stay numbers; text as it reads, unguarded)."""
    value = row.get(field.name)
    if value is None:
        return None
    if field.type in (FieldType.USER, FieldType.LINK):
        value = row.get(f"{field.name}__label") or value
    elif field.type is FieldType.CHECKBOX:
        value = _("Yes") if value else _("No")
    elif field.type is FieldType.SINGLE_SELECT:
        value = _(c.label) if (c := field.choice(value)) else value
    elif field.type is FieldType.MULTI_SELECT:
        value = ", ".join(_(c.label) if (c := field.choice(v)) else v for v in value)
    elif field.type is FieldType.DATETIME:
        value = wall_clock(value) if isinstance(value, datetime) else value  # the center's clock
    return value


def carries_version(spec: TableSpec) -> bool:
    """Whether exports of `spec` end with the record version column (tables an import matches by key)."""
    return spec.key_field is not None and "version" in spec.model.__table__.c


def export_rows(session: Session, *, actor: CurrentUser, spec: TableSpec,
                view: ViewState) -> tuple[list[str], Iterator[list[Any]]]:
    """The header (translated labels) and the rows of a view, as they go into a file (text unguarded)."""
    fields = [f for f in spec.visible_fields(view.columns)]
    versioned = carries_version(spec)
    rows = ([*(cell_value(f, row) for f in fields), *([row["version"]] if versioned else [])]
            for row in iter_view(session, actor=actor, spec=spec, view=view))
    return [_(f.label) for f in fields] + ([_(VERSION_HEADER)] if versioned else []), rows


def xlsx_row(sheet: Any, values: list[Any]) -> list[Any]:
    """A row for a write-only openpyxl sheet: text as string cells (never formulas, and no apostrophe shows); control
    characters a workbook cannot hold (typed or pasted into a record, e.g. a backspace) are left out."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cells = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
            cell.data_type = "s"  # openpyxl would make "=…" a formula
            value = cell
        cells.append(value)
    return cells


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def export_csv(session: Session, *, actor: CurrentUser, spec: TableSpec, view: ViewState) -> bytes:
    """The view as CSV (UTF-8 with BOM)."""
    headers, rows = export_rows(session, actor=actor, spec=spec, view=view)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([neutralise(v) if isinstance(v, str) else _csv_text(v) for v in row])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def export_xlsx(session: Session, *, actor: CurrentUser, spec: TableSpec, view: ViewState) -> bytes:
    """The view as an Excel workbook (one sheet, written row by row)."""
    from openpyxl import Workbook

    headers, rows = export_rows(session, actor=actor, spec=spec, view=view)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_(spec.label)[:31])
    try:
        sheet.append(xlsx_row(sheet, headers))
        for row in rows:
            sheet.append(xlsx_row(sheet, row))
    except BaseException:
        # finish the sheet's writer now: left to the garbage collector, it writes to its closed file and fails there,
        # inside whatever code the collector interrupts
        sheet.close()
        raise
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


EXPORTERS = {"csv": export_csv, "xlsx": export_xlsx}
MIME_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

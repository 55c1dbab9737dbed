"""Reading an uploaded CSV or XLSX file into header + rows, refusing what is not one (with a clear message).

CSV may be UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or GBK/GB18030 (Excel on Chinese
Windows); the delimiter is sniffed. Cells our exports protected against formula injection ('=…) come back
as typed.
"""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from portal.i18n import _

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
FORMULA_STARTS = ("=", "+", "-", "@")


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message says why and what to do."""


@dataclass
class Sheet:
    """A file's header and data rows; `rows` holds (spreadsheet row number, cells)."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    encoding: str | None = None


def unprotect(value: Any) -> Any:
    """Undo formula-injection protection: '=SUM(…) → =SUM(…) (as text, never evaluated)."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The file's text encoding is not UTF-8 or GBK. Save it as “CSV UTF-8” and try again."))


def _rows(records: Iterator[list[Any]]) -> Sheet:
    """Header = the first non-empty row; later rows keep their spreadsheet numbers; empty rows are skipped."""
    sheet: Sheet | None = None
    for number, cells in enumerate(records, start=1):
        cells = [unprotect(c.strip() if isinstance(c, str) else c) for c in cells]
        while cells and cells[-1] in (None, ""):
            cells.pop()
        if not cells:
            continue
        if sheet is None:
            sheet = Sheet(headers=[str(c or "").strip() for c in cells])
            continue
        if len(sheet.rows) >= MAX_ROWS:
            raise ImportFileError(_("The file has more than {limit} rows. Split it into smaller files.")
                                  .format(limit=f"{MAX_ROWS:,}"))
        sheet.rows.append((number, cells))
    if sheet is None:
        raise ImportFileError(_("The file is empty."))
    return sheet


def read_csv(data: bytes) -> Sheet:
    """A CSV file's rows, whatever its encoding and delimiter."""
    text, encoding = _decode(data)
    if "\x00" in text:
        raise ImportFileError(_("This is not a text (CSV) file."))
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        sheet = _rows(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed ({problem}).").format(problem=exc)) from None
    sheet.encoding = encoding
    return sheet


def read_xlsx(data: bytes) -> Sheet:
    """The first worksheet of an Excel workbook (values, not formulas)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportFileError(_("This file cannot be read as an Excel workbook (.xlsx).")) from None
    try:
        return _rows(list(r) for r in book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def read_table_file(filename: str, data: bytes) -> Sheet:
    """Read an uploaded file, refusing other types and files over the size limit."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is {size:.1f} MB; the limit is {limit} MB. Split it into smaller files.")
                              .format(size=len(data) / 1024 / 1024, limit=MAX_BYTES // 1024 // 1024))
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        return read_csv(data)
    if suffix == ".xlsx":
        if not data.startswith(b"PK\x03\x04"):
            raise ImportFileError(_("This file cannot be read as an Excel workbook (.xlsx)."))
        return read_xlsx(data)
    if suffix == ".xls":
        raise ImportFileError(_("Old Excel files (.xls) cannot be read. Save it as .xlsx or CSV and try again."))
    raise ImportFileError(_("Only CSV (.csv) and Excel (.xlsx) files can be imported; “{name}” is neither.")
                          .format(name=filename))

"""Reading an uploaded CSV or XLSX file into header + rows, refusing what is not one (with a clear message).

CSV may be UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or GBK/GB18030 (Excel on Chinese
Windows, sometimes behind a UTF-8 BOM); the delimiter is sniffed. A binary file named .csv is refused as not a
CSV file. Cells our exports protected against formula injection ('=…) come back as typed.

An XLSX file is a zip archive: its central directory is checked (entries, unpacked size, packing ratio)
before anything is unpacked, so a small "zip bomb" is refused without taking memory; workbook XML is parsed
by openpyxl with defusedxml (installed, see requirements.txt), which refuses entity expansion.
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
MAX_UNPACKED = 256 * 1024 * 1024  # all parts of a workbook together, unpacked
MAX_RATIO = 100  # unpacked / packed size of one part: spreadsheet XML packs 5–30 times, a bomb thousands
MAX_ENTRIES = 2_000
BINARY_STARTS = (b"MZ", b"\x7fELF", b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff",
                 b"GIF8", b"Rar!", b"7z\xbc\xaf")
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


def _is_binary(data: bytes) -> bool:
    """A program, archive, PDF or image renamed .csv: a known signature, or NUL bytes in unmarked text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text has NUL bytes of its own
        return False
    return data.startswith(BINARY_STARTS) or b"\x00" in data[:65536]


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    elif data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a BOM says UTF-8, but some tools put one before GBK text: the text decides
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


def _not_csv(name: str) -> ImportFileError:
    return ImportFileError(_("“{name}” is not a CSV file: it is not text. Choose a CSV or Excel (.xlsx) file.")
                           .format(name=name))


def read_csv(data: bytes, name: str = "") -> Sheet:
    """A CSV file's rows, whatever its encoding and delimiter."""
    if _is_binary(data):
        raise _not_csv(name)
    text, encoding = _decode(data)
    if "\x00" in text:
        raise _not_csv(name)
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


def check_zip_sizes(data: bytes, name: str = "") -> None:
    """Refuse an archive whose parts would unpack to too much (from the central directory, unpacking nothing;
    zipfile stops each part at the size its directory entry states)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(_("This file cannot be read as an Excel workbook (.xlsx).")) from None
    unpacked = sum(e.file_size for e in entries)
    packed_too_tight = any(e.file_size > 1024 * 1024 and e.file_size > MAX_RATIO * max(e.compress_size, 1)
                           for e in entries)
    if len(entries) > MAX_ENTRIES or unpacked > MAX_UNPACKED or packed_too_tight:
        raise ImportFileError(_("“{name}” would unpack to {size} MB, far more than a workbook of its size holds; it "
                                "was not read. Save the sheet again from Excel, or as CSV, and try again.")
                              .format(name=name, size=f"{unpacked / 2**20:,.0f}"))


def read_xlsx(data: bytes, name: str = "") -> Sheet:
    """The first worksheet of an Excel workbook (values, not formulas), once its sizes are checked."""
    from defusedxml import DefusedXmlException
    from openpyxl import load_workbook

    check_zip_sizes(data, name)
    unreadable = ImportFileError(_("This file cannot be read as an Excel workbook (.xlsx)."))
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, DefusedXmlException, SyntaxError):
        raise unreadable from None  # (an XML parse error is a SyntaxError)
    try:
        return _rows(list(r) for r in book.worksheets[0].iter_rows(values_only=True))
    except (zipfile.BadZipFile, DefusedXmlException, SyntaxError):
        raise unreadable from None
    finally:
        book.close()


def read_table_file(filename: str, data: bytes) -> Sheet:
    """Read an uploaded file, refusing other types and files over the size limit."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is {size:.1f} MB; the limit is {limit} MB. Split it into smaller files.")
                              .format(size=len(data) / 1024 / 1024, limit=MAX_BYTES // 1024 // 1024))
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        return read_csv(data, filename)
    if suffix == ".xlsx":
        if not data.startswith(b"PK\x03\x04"):
            raise ImportFileError(_("This file cannot be read as an Excel workbook (.xlsx)."))
        return read_xlsx(data, filename)
    if suffix == ".xls":
        raise ImportFileError(_("Old Excel files (.xls) cannot be read. Save it as .xlsx or CSV and try again."))
    raise ImportFileError(_("Only CSV (.csv) and Excel (.xlsx) files can be imported; “{name}” is neither.")
                          .format(name=filename))

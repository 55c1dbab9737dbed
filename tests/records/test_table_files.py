"""Reading uploaded tables safely: odd encodings, binaries named .csv, zip bombs and XML entities in .xlsx."""
from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from portal.records.tabular import ImportFileError, read_table_file


def _workbook(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _replace_part(xlsx: bytes, part: str, write) -> bytes:
    """The workbook with one part rewritten by `write(stream, old content)` (streamed: a huge part costs no
    memory)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == part:
                new = zipfile.ZipInfo(part)
                new.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(new, "w", force_zip64=True) as stream:
                    write(stream, src.read(part))
            else:
                dst.writestr(info, src.read(info.filename))
    return out.getvalue()


def test_a_gbk_csv_behind_a_utf8_bom_is_read_as_gbk():
    data = b"\xef\xbb\xbf" + "许可证号,店名\n330102000001,好又多便利店\n".encode("gbk")
    sheet = read_table_file("客户.csv", data)
    assert sheet.headers == ["许可证号", "店名"] and sheet.rows[0][1] == ["330102000001", "好又多便利店"]


@pytest.mark.parametrize("data", [
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(range(256)) * 40,  # a Windows program
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
    bytes(range(256)) * 4,
])
def test_a_binary_file_named_csv_is_not_a_csv_file(data):
    with pytest.raises(ImportFileError) as refused:
        read_table_file("setup.csv", data)
    assert "“setup.csv” is not a CSV file" in str(refused.value) and "encoding" not in str(refused.value)


def test_utf16_text_is_still_text():
    sheet = read_table_file("unicode.csv", "\ufeffa\tb\n1\t2\n".encode("utf-16-le"))
    assert sheet.headers == ["a", "b"]


def test_a_zip_bomb_workbook_is_refused_before_it_is_unpacked():
    chunk = b"<c><v>00</v></c>" * 65536  # ~1 MiB of repetitive XML per write

    def bomb(stream, _old):
        stream.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                     b'<row r="1">')
        for _ in range(300):
            stream.write(chunk)
        stream.write(b"</row></sheetData></worksheet>")

    data = _replace_part(_workbook([["a"]]), "xl/worksheets/sheet1.xml", bomb)
    assert len(data) < 2 * 2**20  # a small file…
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError) as refused:
            read_table_file("bomb.xlsx", data)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "“bomb.xlsx” would unpack to 300 MB" in str(refused.value)
    assert peak < 8 * 2**20  # …refused without unpacking it (the file itself is held by the caller)


def test_xml_entities_in_a_workbook_are_refused():
    def laughs(stream, old):  # a "billion laughs" declaration, kept tiny: defusedxml refuses any entity
        stream.write(b'<!DOCTYPE workbook [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;">]>' + old)

    data = _replace_part(_workbook([["a"]]), "xl/workbook.xml", laughs)
    with pytest.raises(ImportFileError, match="cannot be read as an Excel workbook"):
        read_table_file("laughs.xlsx", data)


def test_an_ordinary_workbook_reads():
    sheet = read_table_file("ok.xlsx", _workbook([["license_no", "shop_name"], ["330102000001", "店"]]))
    assert sheet.headers == ["license_no", "shop_name"] and sheet.rows == [(2, ["330102000001", "店"])]


def test_spreadsheet_files_guard_formulas_with_an_apostrophe_in_csv_and_a_string_cell_in_xlsx():
    """Issue 13 §8: Excel shows the CSV guard's apostrophe when it is written into an XLSX cell."""
    from openpyxl import load_workbook

    from portal.training.reports import summary_file

    rows = [{"Department": "=HYPERLINK(\"x\")", "Phone": "+86 138", "Sessions": 3}]
    book = load_workbook(io.BytesIO(summary_file(rows, "xlsx", "Summary")))
    cells = list(book.active.iter_rows(min_row=2))[0]
    assert [(c.value, c.data_type) for c in cells] == [("=HYPERLINK(\"x\")", "s"), ("+86 138", "s"), (3, "n")]
    text = summary_file(rows, "csv", "Summary").decode("utf-8-sig")
    assert text.splitlines()[1] == '"\'=HYPERLINK(""x"")",\'+86 138,3'

"""Import and export of the retailer directory: round trips, encodings, formula injection, bad rows."""
import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from db.engine import unit_of_work
from db.models import AuditLog, Retailer
from portal.access.auth import PermissionDenied
from portal.records.exporting import export_csv, export_xlsx
from portal.records.filters import Filter
from portal.records.history import record_history
from portal.records.import_write import ImportRefused, apply_import
from portal.records.importing import auto_mapping, check_import
from portal.records.tabular import ImportFileError, read_table_file
from portal.records.view import ViewState
from portal.retailers.table import RETAILERS, manager_history
from tests.retailers.support import directory_fixture, english_fixture  # noqa: F401  (fixtures)

HEADER_ZH = "专卖许可证号,店铺名称,负责人,联系电话,区域,业态,星级,状态,客户经理,重点客户\n"


def _plan(actor, name, data):
    sheet = read_table_file(name, data)
    with unit_of_work(actor.id) as s:
        return check_import(s, actor=actor, spec=RETAILERS, sheet=sheet,
                            mapping=auto_mapping(RETAILERS, sheet.headers, actor))


def _apply(actor, plan, valid_only=False):
    with unit_of_work(actor.id) as s:
        return apply_import(s, actor=actor, spec=RETAILERS, plan=plan, valid_only=valid_only)


def _count():
    with unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(Retailer))


def _export(actor, fmt, view=None):
    with unit_of_work(actor.id) as s:
        return (export_csv if fmt == "csv" else export_xlsx)(s, actor=actor, spec=RETAILERS, view=view or ViewState())


def test_csv_export_is_excel_friendly_and_neutralises_formulas(directory):
    data = _export(directory.supervisor, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Licence number", "Shop name", "Owner", "Phone"]
    assert rows[4][1] == "'=HYPERLINK(\"x\")杂货铺" and rows[3][1] == "<b>惠民</b>超市 **特价**"
    assert rows[1][6] == "刘洋 (KF2001)" and rows[1][7] == "Convenience store" and rows[1][8] == "Yes"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_file_imports_back_unchanged(directory, fmt):
    data = _export(directory.supervisor, fmt)
    plan = _plan(directory.supervisor, f"retailers.{fmt}", data)
    assert plan.errors == [] and plan.total_rows == 5
    result = _apply(directory.supervisor, plan)
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 5)


def test_xlsx_export_keeps_numbers_and_writes_text_as_text_without_an_apostrophe(directory):
    book = load_workbook(io.BytesIO(_export(directory.supervisor, "xlsx")))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][9] == 5 and rows[4][1] == '=HYPERLINK("x")杂货铺'  # shown as typed, never run:
    assert book.active.cell(row=5, column=2).data_type == "s"  # a string cell, not a formula


def test_xlsx_export_of_text_with_control_characters_leaves_them_out(directory):
    """A backspace pasted into a shop name is a character a workbook cannot hold: the export still works."""
    with unit_of_work() as s:
        s.get(Retailer, next(iter(directory.ids.values()))).shop_name = "惠民\x08便利店\x1f"
    rows = list(load_workbook(io.BytesIO(_export(directory.supervisor, "xlsx"))).active.iter_rows(values_only=True))
    assert "惠民便利店" in [row[1] for row in rows]


def test_export_follows_the_view_and_masks_phones_for_viewers(directory):
    view = ViewState(filters=(Filter("district", "is", "城西区"),), sort=(("star_rating", False),),
                     columns=("license_no", "phone"))
    rows = list(csv.reader(io.StringIO(_export(directory.viewer, "csv", view).decode("utf-8-sig"))))
    assert rows == [["Licence number", "Phone", "Record version"], ["330106000004", "057****6666", "1"],
                    ["330106000003", "", "1"]]


def test_gbk_file_with_chinese_headers_adds_and_updates_with_history(directory):
    text = HEADER_ZH + ("330110000006,南山便民店,赵敏,13611112222,南山区,便利店,4,正常,KF2003,是\n"
                        "330102000001,好又多便利店,王伟,13812345678,城东区,便利店,3,正常,刘洋,是\n")
    plan = _plan(directory.supervisor, "客户.csv", text.encode("gbk"))
    assert plan.errors == [] and plan.to_insert == 1
    result = _apply(directory.supervisor, plan)
    assert (result.inserted, result.updated) == (1, 1)
    with unit_of_work() as s:
        new = s.scalar(select(Retailer).where(Retailer.license_no == "330110000006"))
        old = s.scalar(select(Retailer).where(Retailer.license_no == "330102000001"))
        audit = s.scalars(select(AuditLog).where(AuditLog.record_id == str(old.id), AuditLog.action == "import"))
        changed = {(a.field, a.old_value, a.new_value) for a in audit}
    assert (new.business_type, new.manager_id, new.is_key_customer, new.status) == (
        "convenience", directory.manager_b.id, True, "active")
    assert (old.star_rating, old.version) == (3, 2) and changed == {("star_rating", "5", "3")}
    with unit_of_work() as s:
        history = record_history(s, actor=directory.supervisor, spec=RETAILERS, record_id=new.id)
        managers = manager_history(s, directory.supervisor, new.id)
    assert {(c.label, c.new) for c in history} >= {("Shop name", "南山便民店"), ("Business type", "Convenience store")}
    assert managers[0]["To"] == "周杰 (KF2003)"


def test_utf8_bom_and_semicolons_are_understood(directory):
    text = "\ufefflicense_no;shop_name;owner_name;district;business_type\n330110000007;店;人;南山区;other\n"
    plan = _plan(directory.supervisor, "x.csv", text.encode("utf-8"))
    assert plan.errors == [] and plan.fields[0] == "license_no"


def test_bad_rows_are_reported_by_row_and_field_and_nothing_is_half_imported(directory):
    text = HEADER_ZH + ("330110000008,好店,甲,,南山区,便利店,4,正常,,否\n"
                        "330110000009,坏店,乙,,南山区,网吧,五,正常,,否\n"
                        "330110000008,重复,丙,,南山区,超市,3,正常,,否\n"
                        f"330110000010,{'长' * 101},丁,,南山区,超市,3,正常,,否\n"
                        "330110000011,,戊,,南山区,超市,3,正常,nobody,否\n")
    before = _count()
    plan = _plan(directory.supervisor, "bad.csv", text.encode("utf-8"))
    problems = {(e.row, e.field) for e in plan.errors}
    assert problems == {(3, "Business type"), (3, "Star rating"), (4, "Licence number"), (5, "Shop name"),
                        (6, "Shop name"), (6, "Customer manager")}
    assert "also in row 2" in next(e.message for e in plan.errors if e.row == 4)
    with pytest.raises(ImportRefused):
        _apply(directory.supervisor, plan)
    assert _count() == before
    result = _apply(directory.supervisor, plan, valid_only=True)
    assert (result.inserted, result.skipped, _count()) == (1, 4, before + 1)


def test_new_records_need_every_required_column(directory):
    plan = _plan(directory.supervisor, "x.csv", "许可证号,店名\n330110000012,新店\n330102000002,金叶烟酒行二店\n"
                 .encode())
    assert [e.row for e in plan.errors] == [2] and [n for n, _v in plan.rows] == [3]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("retailers.txt", b"a,b\n1,2\n", "Only CSV"),
    ("old.xls", b"\xd0\xcf\x11\xe0", "Old Excel"),
    ("fake.xlsx", b"just text", "Excel workbook"),
    ("big.csv", b"x" * (50 * 1024 * 1024), "50.0 MB; the limit is 20 MB"),
    ("binary.csv", b"\x00\x01\x02" * 10, "is not a CSV file"),
    ("empty.csv", b"\n\n", "empty"),
])
def test_files_that_are_not_tables_are_refused_with_a_clear_message(name, data, message):
    with pytest.raises(ImportFileError, match=message):
        read_table_file(name, data)


def test_viewers_cannot_import(directory):
    with pytest.raises(PermissionDenied):
        _plan(directory.viewer, "x.csv", b"license_no\n330102000001\n")

"""An import shows what it will change, refuses rows changed since the file was exported (or since the check),
and its changes read as an import in history (issue 13 §8)."""
import csv
import io

import pytest
from sqlalchemy import select

from db.engine import unit_of_work
from db.models import AuditLog
from portal.records.editing import update_record
from portal.records.exporting import export_csv
from portal.records.history import record_history
from portal.records.import_write import ImportRefused, apply_import
from portal.records.importing import auto_mapping, check_import
from portal.records.tabular import read_table_file
from portal.records.view import ViewState
from portal.retailers.table import RETAILERS
from tests.retailers.support import directory_fixture, english_fixture  # noqa: F401  (fixtures)

LIC = "330102000001"


def _exported(actor) -> list[list[str]]:
    with unit_of_work(actor.id) as s:
        data = export_csv(s, actor=actor, spec=RETAILERS, view=ViewState(columns=("license_no", "shop_name",
                                                                                  "star_rating")))
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _file(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def _check(actor, rows):
    sheet = read_table_file("retailers.csv", _file(rows))
    with unit_of_work(actor.id) as s:
        return check_import(s, actor=actor, spec=RETAILERS, sheet=sheet,
                            mapping=auto_mapping(RETAILERS, sheet.headers, actor))


def _edit(directory, **values):
    record = directory.get(LIC)
    with unit_of_work(directory.supervisor.id) as s:
        update_record(s, actor=directory.supervisor, spec=RETAILERS, record_id=record.id, version=record.version,
                      values=values)


def _set(rows, license_no, column, value):
    for row in rows:
        if row[0] == license_no:
            row[rows[0].index(column)] = value


def test_the_check_lists_each_field_the_import_would_change(directory):
    rows = _exported(directory.supervisor)
    assert rows[0] == ["Licence number", "Shop name", "Star rating", "Record version"]
    _set(rows, LIC, "Shop name", "好又多超市")
    _set(rows, LIC, "Star rating", "2")
    plan = _check(directory.supervisor, rows)
    assert plan.errors == []
    assert [(c.key, c.field, c.old, c.new) for c in plan.changes] == [
        (LIC, "shop_name", "好又多便利店", "好又多超市"), (LIC, "star_rating", 5, 2)]


def test_a_row_changed_in_the_portal_after_the_export_is_refused_not_overwritten(directory):
    rows = _exported(directory.supervisor)
    _edit(directory, star_rating=4)  # a colleague's newer edit
    _set(rows, LIC, "Shop name", "好又多超市")  # the file still says star rating 5
    plan = _check(directory.supervisor, rows)
    assert [(e.row, e.field) for e in plan.errors] == [(2, "Record version")]
    assert "changed in the portal after this file was exported (version 1, now 2)" in plan.errors[0].message
    assert plan.changes == [] and LIC not in {v["license_no"] for _n, v in plan.rows}
    with pytest.raises(ImportRefused):
        _apply(directory, plan)
    _apply(directory, plan, valid_only=True)
    assert directory.get(LIC).star_rating == 4  # the newer edit stands


def test_unchanged_rows_of_an_old_export_are_no_problem(directory):
    rows = _exported(directory.supervisor)
    _edit(directory, star_rating=4)
    _set(rows, LIC, "Star rating", "4")  # the file agrees with the record now
    assert _check(directory.supervisor, rows).errors == []


def _apply(directory, plan, valid_only=False):
    with unit_of_work(directory.supervisor.id) as s:
        return apply_import(s, actor=directory.supervisor, spec=RETAILERS, plan=plan, valid_only=valid_only)


def test_a_record_changed_after_the_check_stops_the_import(directory):
    rows = _exported(directory.supervisor)
    _set(rows, LIC, "Shop name", "好又多超市")
    plan = _check(directory.supervisor, rows)
    _edit(directory, star_rating=4)
    with pytest.raises(ImportRefused, match="1 records were changed in the portal after you checked"):
        _apply(directory, plan)
    assert directory.get(LIC).shop_name == "好又多便利店"


def test_import_changes_read_as_an_import_in_history(directory):
    rows = [["Licence number", "Shop name", "Owner", "District", "Business type"],
            [LIC, "好又多超市", "王伟", "城东区", "便利店"], ["330110000020", "新店", "新人", "南山区", "便利店"]]
    plan = _check(directory.supervisor, rows)
    assert plan.errors == []
    _apply(directory, plan)
    with unit_of_work() as s:
        actions = set(s.scalars(select(AuditLog.action).where(AuditLog.table_name == "retailers",
                                                              AuditLog.at >= s.scalar(select(AuditLog.at)
                                                                                       .order_by(AuditLog.id.desc())
                                                                                       .limit(1)))))
        changed = record_history(s, actor=directory.supervisor, spec=RETAILERS, record_id=directory.ids[LIC])
    assert actions == {"import"}
    assert (changed[0].action, changed[0].label, changed[0].old, changed[0].new) == (
        "imported", "Shop name", "好又多便利店", "好又多超市")

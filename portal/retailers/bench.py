"""`python -m portal bench`, retailers part: the retailers grid (default view, quick search, filter, sort, a deep
page), each one script run of the real app through AppTest beside the empty-page floor (see portal/tools/bench.py),
and the import of a generated file of new retailers, rolled back afterwards."""
from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from db.engine import get_engine, get_owner_engine, unit_of_work
from db.models import Retailer, User
from portal.access.auth import SYSTEM
from portal.records.exporting import cell_value
from portal.records.import_write import apply_import
from portal.records.importing import auto_mapping, check_import
from portal.records.tabular import read_table_file
from portal.retailers.scale import RetailerFactory
from portal.retailers.table import RETAILERS

SEARCHES = ("王伟", "便利", "人民路", "好又多", "金叶", "张敏", "烟酒", "330105")
DISTRICTS = ("城东区", "城西区", "高新区", "北湖区")


def retailer_interactions(at, runs: int, time_runs: Callable[[int, Callable[[int], object]], list[float]]
                          ) -> dict[str, list[float]]:
    """The five interactions the grid must answer quickly, each on the real page."""
    def checked(result):
        if result.exception:
            raise SystemExit(f"The grid page failed: {result.exception[0].value}")
        return result

    results = {"default view": time_runs(runs, lambda i: checked(at.run()))}
    results["quick search"] = time_runs(runs, lambda i: checked(
        at.text_input(key="retailers.q").set_value(SEARCHES[i % len(SEARCHES)]).run()))
    checked(at.text_input(key="retailers.q").set_value("").run())

    def filtered(i: int):
        at.query_params["f"] = [f"district:is:{DISTRICTS[i % len(DISTRICTS)]}", "is_key_customer:is:true"]
        return checked(at.run())

    results["filter district + tier"] = time_runs(runs, filtered)
    at.query_params.pop("f", None)
    checked(at.run())
    checked(at.selectbox(key="retailers.sort0").set_value("shop_name").run())
    results["sort by shop name"] = time_runs(runs, lambda i: checked(
        at.segmented_control(key="retailers.dir0").set_value("desc" if i % 2 == 0 else "asc").run()))
    deep = max(1, min(400, at.pagination[0].num_pages - 1))  # page 400, or as deep as a small table goes
    results[f"page {deep}"] = time_runs(runs, lambda i: checked(at.pagination[0].set_value(deep + i % 2).run()))
    return results


def import_file(rows: int, managers: list[str]) -> bytes:
    """A CSV of `rows` new retailers as an export writes them (English labels, UTF-8 with BOM)."""
    with unit_of_work() as s:
        taken = set(s.scalars(select(Retailer.license_no)))
    factory = RetailerFactory(9, taken, list(range(len(managers))) or [None])
    fields = [f for f in RETAILERS.fields if f.edit_permission]
    names = ["license_no", "shop_name", "owner_name", "phone", "address", "district", "route", "manager_id",
             "business_type", "is_key_customer", "star_rating", "integrity_flag", "status"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f.label for f in fields])
    for _n in range(rows):
        values = dict(zip(names, factory.row(), strict=True))
        values["manager_id__label"] = managers[values["manager_id"]] if managers else None
        writer.writerow(["" if (v := cell_value(f, values)) is None else v for f in fields])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def bench_import(rows: int) -> None:
    """Check and write a generated file of new retailers in a transaction that is then rolled back."""
    with unit_of_work() as s:
        managers = [f"{u.name} ({u.staff_id})" for u in s.scalars(select(User).where(User.active).limit(5))]
    data = import_file(rows, managers)
    started = time.perf_counter()
    sheet = read_table_file("bench.csv", data)
    with Session(get_engine()) as session:
        session.info["actor_id"] = None
        mapping = auto_mapping(RETAILERS, sheet.headers, SYSTEM)
        plan = check_import(session, actor=SYSTEM, spec=RETAILERS, sheet=sheet, mapping=mapping)
        checked = time.perf_counter()
        result = apply_import(session, actor=SYSTEM, spec=RETAILERS, plan=plan)
        written = time.perf_counter()
        session.rollback()
    with get_owner_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM retailers"))  # the rolled-back rows would slow the next grid bench
    total = written - started
    print(f"\nImport of a generated {len(data) / 2**20:.1f} MB CSV, {rows:,} new retailers (rolled back afterwards):")
    print(f"  read + validate {checked - started:.2f} s, write (COPY + audit) {written - checked:.2f} s, "
          f"{result.inserted:,} inserted, {len(plan.errors)} errors")
    print(f"  {rows / total:,.0f} rows/s including validation ({total:.2f} s)")

"""`python -m portal bench`: time the real retailers grid and complaint pages through AppTest, and an import.

On the current database (seed it first: `python -m portal seed --demo --retailers 200000`). The grid is
signed in as a supervisor through the sign-in form; every interaction is one script run of the whole app
(entry point + page), repeated, and compared with a floor: a page that only signs in and draws a title.
The import runs inside a transaction that is rolled back, so the bench leaves the database as it was.
With complaints in the database (`seed --complaints N`), the complaint pages are timed too
(portal/bench_complaints.py).
"""
from __future__ import annotations

import csv
import io
import logging
import statistics
import time
from collections.abc import Callable

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from db.engine import get_engine, unit_of_work
from db.models import Retailer, User
from portal.auth import SYSTEM, sign_in
from portal.bench_complaints import complaint_count, complaint_interactions, prepare_bench_user
from portal.config import ROOT
from portal.i18n import set_language
from portal.records.exporting import cell_value
from portal.records.import_write import apply_import
from portal.records.importing import auto_mapping, check_import
from portal.records.tabular import read_table_file
from portal.retailers import RETAILERS
from portal.scale import RetailerFactory
from portal.users import create_user, generate_password, reset_password

BENCH_LOGIN = "bench"
SEARCHES = ("王伟", "便利", "人民路", "好又多", "金叶", "张敏", "烟酒", "330105")
DISTRICTS = ("城东区", "城西区", "高新区", "北湖区")


def _bench_user() -> tuple[str, str]:
    """A supervisor to sign in as (created on the first run), with a fresh password."""
    password = generate_password()
    with unit_of_work() as s:
        user = s.scalar(select(User).where(User.login == BENCH_LOGIN))
        if user is None:
            create_user(s, actor=SYSTEM, login=BENCH_LOGIN, name="Bench", staff_id="BENCH", password=password,
                        roles=["supervisor"], language="en")
        else:
            reset_password(s, actor=SYSTEM, user_id=user.id, password=password)
            user.active, user.roles, user.language = True, ["supervisor"], "en"
    return BENCH_LOGIN, password


def _grid(login: str, password: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120).run()
    at.text_input(key="sign_in_login").input(login)
    at.text_input(key="sign_in_password").input(password)
    at.button(key="sign_in_submit").click().run()
    at.switch_page("pages/retailers.py").run()
    if at.exception:
        raise SystemExit(f"The grid page failed: {at.exception[0].value}")
    return at


def _floor_script() -> None:
    import streamlit as st

    from portal.ui import session
    from portal.ui.startup import ready_engine

    ready_engine()
    session.current_user()
    st.title("Floor")


def _floor(login: str, password: str):
    from streamlit.testing.v1 import AppTest

    user, token = sign_in(login, password)
    at = AppTest.from_function(_floor_script, default_timeout=60)
    now = time.monotonic()
    for name, value in dict(user=user, token=token, last_seen=now, last_touch=now).items():
        at.session_state[name] = value
    return at.run()


def _time(runs: int, step: Callable[[int], object]) -> list[float]:
    """Milliseconds of `runs` calls of step(i) (after one warm-up call)."""
    step(-1)
    times = []
    for i in range(runs):
        started = time.perf_counter()
        step(i)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _interactions(at, runs: int) -> dict[str, list[float]]:
    """The five interactions the grid must answer quickly, each on the real page."""
    def checked(result):
        if result.exception:
            raise SystemExit(f"The grid page failed: {result.exception[0].value}")
        return result

    results = {"default view": _time(runs, lambda i: checked(at.run()))}
    results["quick search"] = _time(runs, lambda i: checked(
        at.text_input(key="retailers.q").set_value(SEARCHES[i % len(SEARCHES)]).run()))
    checked(at.text_input(key="retailers.q").set_value("").run())

    def filtered(i: int):
        at.query_params["f"] = [f"district:is:{DISTRICTS[i % len(DISTRICTS)]}", "is_key_customer:is:true"]
        return checked(at.run())

    results["filter district + tier"] = _time(runs, filtered)
    at.query_params.pop("f", None)
    checked(at.run())
    checked(at.selectbox(key="retailers.sort0").set_value("shop_name").run())
    results["sort by shop name"] = _time(runs, lambda i: checked(
        at.segmented_control(key="retailers.dir0").set_value("desc" if i % 2 == 0 else "asc").run()))
    deep = max(1, min(400, at.pagination[0].num_pages - 1))  # page 400, or as deep as a small table goes
    results[f"page {deep}"] = _time(runs, lambda i: checked(at.pagination[0].set_value(deep + i % 2).run()))
    return results


def _report(floor: list[float], results: dict[str, list[float]], retailers: int, runs: int,
            title: str | None = None) -> None:
    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]

    base = statistics.median(floor)
    print(title or f"\nRetailers grid through AppTest: {retailers:,} retailers, {runs} runs per interaction")
    print(f"  {'interaction':<26}{'median ms':>10}{'p95 ms':>9}{'× floor':>9}")
    print(f"  {'empty page (floor)':<26}{base:>10.1f}{p95(floor):>9.1f}{1:>9.1f}")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"  {name:<26}{median:>10.1f}{p95(times):>9.1f}{median / base:>9.1f}")


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
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM retailers"))  # the rolled-back rows would slow the next grid bench
    total = written - started
    print(f"\nImport of a generated {len(data) / 2**20:.1f} MB CSV, {rows:,} new retailers (rolled back afterwards):")
    print(f"  read + validate {checked - started:.2f} s, write (COPY + audit) {written - checked:.2f} s, "
          f"{result.inserted:,} inserted, {len(plan.errors)} errors")
    print(f"  {rows / total:,.0f} rows/s including validation ({total:.2f} s)")


def run_bench(repeat: int = 15, import_rows: int = 50_000) -> int:
    """Run the grid and import benches on the current database and print the figures."""
    from portal.bootstrap import prepare

    logging.getLogger("db.embedded").setLevel(logging.ERROR)
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    set_language("en")
    prepare(demo=False)
    with unit_of_work() as s:
        retailers = s.scalar(select(func.count()).select_from(Retailer)) or 0
    login, password = _bench_user()
    floor_at = _floor(login, password)
    floor = _time(repeat, lambda i: floor_at.run())
    results = _interactions(_grid(login, password), repeat)
    _report(floor, results, retailers, repeat)
    if complaints := complaint_count():  # the complaint pages, beside the same floor
        prepare_bench_user(login)
        results = complaint_interactions(_grid(login, password), repeat, _time)
        _report(floor, results, retailers, repeat, title=f"\nComplaint pages through AppTest: {complaints:,} "
                f"complaints, {repeat} runs per interaction")
    bench_import(import_rows)
    return 0


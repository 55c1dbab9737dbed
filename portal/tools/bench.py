"""`python -m portal bench`: time every page that lists, shows or charts data through AppTest, and an import.

On the current database (seed it first, e.g. `python -m portal seed --scale province`). The pages are signed
in as a supervisor through the sign-in form; every interaction is one script run of the whole app (entry point
+ page), repeated, and compared with a floor: a page that only signs in and draws a title. Each area's
interactions live beside its module (portal/complaints/bench.py, bench_training.py, bench_incidents.py,
bench_dashboards.py) and run when the database holds that area's records. Statements slower than 50 ms are
explained afterwards (portal/tools/bench_tools.py). The import runs inside a transaction that is rolled back, so the
bench leaves the database as it was; `--soak N` then drives a real server through N interactions in chromium
and reports its memory.
"""
from __future__ import annotations

import csv
import io
import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from db.engine import get_engine, get_owner_engine, unit_of_work
from db.models import Retailer, User
from portal.access.auth import SYSTEM, sign_in
from portal.access.users import create_user, generate_password, reset_password
from portal.complaints.bench import complaint_count, complaint_interactions, prepare_bench_user
from portal.config import ROOT
from portal.i18n import set_language
from portal.records.exporting import cell_value
from portal.records.import_write import apply_import
from portal.records.importing import auto_mapping, check_import
from portal.records.tabular import read_table_file
from portal.retailers.scale import RetailerFactory
from portal.retailers.table import RETAILERS

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


def _compile_scripts_once() -> None:
    """AppTest compiles the app script and the page afresh on every run (a new ScriptCache each time: tens of
    milliseconds for a long page); a server compiles each once. Share one cache, so the figures are server time."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test

    shared = ScriptCache()
    app_test.ScriptCache = lambda: shared


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


@dataclass
class BenchRow:
    """One timed interaction: the page (area), what was done, the times of its runs, the process's peak RSS after."""

    page: str
    interaction: str
    times: list[float]
    peak_rss_mb: float


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def _table(rows: list[BenchRow], title: str) -> None:
    """One table for the whole run: page, interaction, median, p95, ratio to the floor (the first row), peak RSS."""
    base = statistics.median(rows[0].times)
    print(title)
    print(f"  {'page':<12}{'interaction':<40}{'median ms':>10}{'p95 ms':>9}{'× floor':>9}{'peak RSS MB':>13}")
    for row in rows:
        median = statistics.median(row.times)
        print(f"  {row.page:<12}{row.interaction:<40}{median:>10.1f}{_p95(row.times):>9.1f}"
              f"{median / base:>9.1f}{row.peak_rss_mb:>13.0f}")


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


PARTS = ("retailers", "complaints", "training", "incidents", "dashboards")


def run_bench(repeat: int = 15, import_rows: int = 50_000, only: str | None = None, soak_interactions: int = 0) -> int:
    """Time every list, record and dashboard page on the current database through AppTest, beside the empty-page
    floor, in one run; print one table, then EXPLAIN summaries of the queries that took over 50 ms; then (unless
    `only` names one part) the import, and the server memory over `soak_interactions` interactions in a browser."""
    from portal.bootstrap import prepare
    from portal.tools.bench_tools import SlowQueries, peak_rss_mb

    logging.getLogger("db.embedded").setLevel(logging.ERROR)
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    _compile_scripts_once()
    set_language("en")
    prepare(demo=False)
    with unit_of_work() as s:
        retailers = s.scalar(select(func.count()).select_from(Retailer)) or 0
    login, password = _bench_user()
    prepare_bench_user(login)
    floor_at = _floor(login, password)
    rows = [BenchRow("—", "empty page (floor)", _time(repeat, lambda i: floor_at.run()), peak_rss_mb())]
    counts = {"retailers": retailers, "complaints": complaint_count()}
    with SlowQueries() as recorder:
        for part in PARTS:
            if only not in (None, part):
                continue
            results = _part(part, login, password, repeat, counts)
            rows += [BenchRow(part, name, times, peak_rss_mb()) for name, times in results.items()]
    sizes = ", ".join(f"{n:,} {k}" for k, n in counts.items())
    _table(rows, f"\nPages through AppTest ({sizes}), {repeat} runs per interaction, server time per script run:")
    print()
    for line in recorder.report():
        print(line)
    if only is None:
        bench_import(import_rows)
    if soak_interactions:
        from portal.tools.soak import soak

        result = soak(login, password, soak_interactions,
                      progress=lambda done, rss: print(f"  soak: {done} interactions, RSS {rss:.0f} MB", flush=True))
        print()
        for line in result.lines():
            print(line)
    return 0


def _part(part: str, login: str, password: str, repeat: int, counts: dict[str, int]) -> dict[str, list[float]]:
    """One area's interactions (an empty dict when the database holds none of its records)."""
    if part == "retailers":
        return _interactions(_grid(login, password), repeat)
    if part == "complaints":
        return complaint_interactions(_grid(login, password), repeat, _time) if counts["complaints"] else {}
    if part == "training":
        from portal.training.bench import sign_up_count, training_interactions

        counts["training sign-ups"] = sign_up_count()
        return training_interactions(_grid(login, password), repeat, _time) if counts["training sign-ups"] else {}
    if part == "incidents":
        from portal.incidents.bench import incident_count, incident_interactions, prepare_incident_bench_user

        counts["incidents"] = incident_count()
        if not counts["incidents"]:
            return {}
        user = prepare_incident_bench_user(login)  # adding an entry: the domain function, rolled back
        return incident_interactions(_grid(login, password), user, repeat, _time)
    from portal.tools.bench_dashboards import dashboard_interactions

    return dashboard_interactions(_grid(login, password), repeat, _time)

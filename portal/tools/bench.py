"""`python -m portal bench`: time every page that lists, shows or charts data through AppTest, and an import.

On the current database (seed it first, e.g. `python -m portal seed --scale province`). The pages are signed
in as a supervisor through the sign-in form; every interaction is one script run of the whole app (entry point
+ page), repeated, and compared with a floor: a page that only signs in and draws a title. Each area's
interactions live in the area (portal/<area>/bench.py: retailers, complaints, training, incidents; the dashboards'
in portal/tools/bench_dashboards.py) and run when the database holds that area's records. Statements slower than
50 ms are explained afterwards (portal/tools/bench_tools.py). The retailers' import runs inside a transaction that
is rolled back, so the bench leaves the database as it was; so do the notifications' figures (a full periodic scan,
the outbox's cost, the notifications page, the worker's memory: portal/notifications/bench.py); `--soak N` then
drives a real server through N interactions in chromium (portal/tools/soak.py) and reports its memory.
"""
from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from db.engine import unit_of_work
from db.models import Retailer, User
from portal.access.auth import SYSTEM, sign_in
from portal.access.users import create_user, generate_password, reset_password
from portal.complaints.bench import complaint_count, complaint_interactions, prepare_bench_user
from portal.config import ROOT
from portal.i18n import set_language
from portal.retailers.bench import bench_import, retailer_interactions

BENCH_LOGIN = "bench"


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


PARTS = ("retailers", "complaints", "training", "incidents", "dashboards", "records")


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
    if only in (None, "notifications"):
        _notifications(login, repeat)
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


def run_browser(repeat: int = 10, baseline=None, only: str | None = None) -> int:
    """`bench --browser`: click → on screen in chromium (portal/tools/bench_browser.py), as the bench supervisor."""
    from portal.bootstrap import prepare
    from portal.tools.bench_browser import run_browser_bench

    logging.getLogger("db.embedded").setLevel(logging.ERROR)
    prepare(demo=False)
    login, password = _bench_user()
    prepare_bench_user(login)
    run_browser_bench(login, password, repeat=repeat, baseline=baseline, only=only)
    return 0


def _notifications(login: str, repeat: int) -> None:
    """The worker's figures (portal/notifications/bench.py): a full scan, the outbox, the page, the worker's memory."""
    from portal.access.auth import CurrentUser
    from portal.notifications.bench import notification_bench

    with unit_of_work() as s:
        user = CurrentUser.of(s.scalar(select(User).where(User.login == login)))
    print()
    for line in notification_bench(user, repeat):
        print(line, flush=True)


def _part(part: str, login: str, password: str, repeat: int, counts: dict[str, int]) -> dict[str, list[float]]:
    """One area's interactions (an empty dict when the database holds none of its records)."""
    if part == "retailers":
        return retailer_interactions(_grid(login, password), repeat, _time)
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
    if part == "records":
        from portal.tools.bench_records import records_interactions

        return records_interactions(_grid(login, password), repeat, _time)
    from portal.tools.bench_dashboards import dashboard_interactions

    return dashboard_interactions(_grid(login, password), repeat, _time)

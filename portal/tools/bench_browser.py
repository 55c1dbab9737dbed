"""`python -m portal bench --browser`: what a person sees — from a click to the new content on screen, in chromium
against a real `python -m portal run` over the current database, beside the server's own time for the same click.

"On screen" is per interaction, read from the DOM the way a screen reader would (the grid draws on a canvas; its
accessible table holds the drawn rows): a grid's first row shows the record the database says comes first in the
new view (the bench reads that itself, through the records layer, as the same user); a record page's title shows
the record's reference; a saved cell shows the "saved" message. The browser polls at every animation frame. The
server time is what the script thread spent on the runs the action started (portal/tools/run_timing.py: the page
script, Streamlit's work around it and its garbage collection), read from the server after the screen was ready.

The floor is a hidden page the bench adds to its servers (run_timing.py), with one line and a button: a click there
costs what any click costs in Streamlit and in the portal's entry point (session check, language, navigation).

`--baseline DIR` runs the same interactions, in the same run and interleaved, against a second server started
from another checkout (e.g. `git worktree add /tmp/before <commit>`), for a before/after table.
"""
from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from portal.tools.run_timing import ENV as RUN_TIMES
from portal.tools.run_timing import runs_since, sitecustomize_dir
from portal.tools.soak import APP_IDLE, CHROMIUM, CHROMIUM_ARGS, portal_process

SEARCHES = ("淋湿", "断货", "不耐烦", "重复扣款", "紧俏品牌", "线路07", "防伪标识", "态度")
RETAILER_SEARCHES = ("便利", "超市", "烟酒", "人民路", "王", "张", "商行", "中山")
# the first row's cells of a grid (glide's accessible table: data-testid glide-cell-<column>-<row>)
FIRST_ROW = "[...document.querySelectorAll('td[data-testid^=\"glide-cell-\"][data-testid$=\"-0\"]')]"


@dataclass
class Sample:
    screen_ms: float
    server_ms: float
    gc_ms: float
    runs: int


@dataclass
class Timed:
    page: str
    interaction: str
    samples: dict[str, list[Sample]] = field(default_factory=dict)  # server label -> samples


def first_row_js(expected: str) -> str:
    return f"() => {FIRST_ROW}.some(td => td.textContent === {json.dumps(expected)})"


class Browser:
    """One signed-in chromium tab on one portal server, and that server's run-time file."""

    def __init__(self, page, base_url: str, times: Path):
        self.page, self.base_url, self.times = page, base_url, times

    def idle(self, settle_ms: int = 60) -> None:
        self.page.wait_for_timeout(settle_ms)
        self.page.wait_for_selector(APP_IDLE, state="attached", timeout=120_000)
        if self.page.get_by_test_id("stException").count():
            raise RuntimeError(f"The page at {self.page.url} shows an uncaught exception")

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)
        self.idle(300)

    def first_row(self) -> list[str]:
        return self.page.evaluate(f"() => {FIRST_ROW}.map(td => td.textContent)")

    def measure(self, act: Callable[[], None], ready_js: str) -> Sample:
        """Time `act` until `ready_js` holds (polled every animation frame), then the server's runs it started."""
        started_wall = time.time()
        started = time.perf_counter()
        act()
        self.page.wait_for_function(ready_js, polling="raf", timeout=120_000)
        screen = (time.perf_counter() - started) * 1000
        self.idle(30)
        runs = runs_since(self.times, started_wall - 0.005)
        return Sample(screen, sum(r.ms for r in runs), sum(r.gc_ms for r in runs), len(runs))


def _sign_in(page, base_url: str, login: str, password: str) -> None:
    page.goto(base_url)
    page.wait_for_selector("[data-testid=stForm] input[type=password]", timeout=120_000)
    form = page.get_by_test_id("stForm")
    form.locator("input[type=text]").first.fill(login)
    form.locator("input[type=password]").first.fill(password)
    form.locator("button[kind=secondaryFormSubmit], button[kind=primaryFormSubmit]").first.click()
    page.wait_for_function("document.cookie.includes('portal_session=')", timeout=120_000)
    page.locator("[data-testid=stSidebarNav]").wait_for(timeout=120_000)


def expected_first(table: str, user_login: str, params: dict, column: str) -> str:
    """What the first row of `table`'s grid shows in `column` for the view `params` describe (URL form)."""
    import portal.complaints.table  # noqa: F401 (the grids' specs register when their modules load)
    import portal.retailers.table  # noqa: F401
    from db.engine import unit_of_work
    from db.models import User
    from portal.access.auth import CurrentUser
    from portal.records.fields import get_spec
    from portal.records.query import fetch_page
    from portal.records.view import ViewState

    spec = get_spec(table)
    view, _ignored = ViewState.from_params(spec, params)
    with unit_of_work() as s:
        actor = CurrentUser.of(s.scalar(select(User).where(User.login == user_login)))
        page = fetch_page(s, actor=actor, spec=spec, view=view)
    if not page.rows:
        raise RuntimeError(f"The bench's view of {table} is empty: {params}")
    return str(page.rows[0][column])


def url_params(url: str) -> dict:
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(url).query)
    return {k: (v if k == "f" else v[0]) for k, v in query.items()}


def _print(results: list[Timed], labels: list[str], repeat: int) -> None:
    def med(samples: list[Sample], attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in samples)

    def p95(samples: list[Sample]) -> float:
        values = [s.screen_ms for s in samples]
        return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]

    print(f"\nClick → on screen in chromium ({repeat} repetitions each; medians; server = the script thread's time for "
          "the runs the click started, gc = its garbage collection):")
    head = f"  {'page':<11}{'interaction':<34}"
    for label in labels:
        head += f"{label + ' screen':>16}{'p95':>8}{'server':>8}{'gc':>6}{'runs':>5}"
    if len(labels) == 2:
        head += f"{'speed-up':>10}"
    print(head)
    for row in results:
        line = f"  {row.page:<11}{row.interaction:<34}"
        for label in labels:
            samples = row.samples.get(label, [])
            if not samples:
                line += f"{'—':>16}{'':>8}{'':>8}{'':>6}{'':>5}"
                continue
            line += (f"{med(samples, 'screen_ms'):>16.0f}{p95(samples):>8.0f}{med(samples, 'server_ms'):>8.0f}"
                     f"{med(samples, 'gc_ms'):>6.0f}{med(samples, 'runs'):>5.0f}")
        if len(labels) == 2 and all(row.samples.get(label) for label in labels):
            before, after = (med(row.samples[label], "screen_ms") for label in labels)
            line += f"{before / after:>9.1f}×"
        print(line)


def _screenshots(tabs: dict[str, Browser], work: Path) -> bool:
    """What each tab showed when the bench stopped on an error (the error goes on)."""
    import sys

    for label, tab in tabs.items():
        shot = work / f"{label}-failed.png"
        tab.page.screenshot(path=str(shot), full_page=True)
        print(f"  {label}: what the browser showed when the bench stopped: {shot} ({tab.page.url})", file=sys.stderr)
    return False


def run_browser_bench(login: str, password: str, repeat: int = 10, baseline: Path | None = None) -> None:
    """Start the server(s), sign in, time every interaction `repeat` times on each, print one table."""
    from playwright.sync_api import sync_playwright

    from db.engine import get_engine, get_owner_engine
    from portal.tools.bench_browser_steps import INTERACTIONS

    url = get_engine().url.render_as_string(hide_password=False)
    owner_url = get_owner_engine().url.render_as_string(hide_password=False)
    servers = ([("before", baseline)] if baseline else []) + [("now", None)]
    work = Path(tempfile.mkdtemp(prefix="portal-bench-browser-"))
    with sync_playwright() as pw, ExitStack() as stack:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        stack.callback(browser.close)
        tabs: dict[str, Browser] = {}
        for label, root in servers:
            times = work / f"{label}.times"
            env = {RUN_TIMES: str(times), "PYTHONPATH": str(sitecustomize_dir(work)), "PORTAL_WORKER": "false",
                   "PORTAL_DEFAULT_LANGUAGE": "en", "PORTAL_SCAN_SCHEDULE": ""}
            base_url, _proc = stack.enter_context(portal_process(url, work / f"{label}.log", extra_env=env,
                                                                 owner_url=owner_url, root=root))
            context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
            context.set_default_timeout(120_000)
            page = context.new_page()
            _sign_in(page, base_url, login, password)
            tabs[label] = Browser(page, base_url, times)
            print(f"  {label}: {base_url} ({root or 'this checkout'})", flush=True)
        results: list[Timed] = []
        stack.push(lambda failed, *_exc: failed is not None and _screenshots(tabs, work))
        for make in INTERACTIONS:
            for label, tab in tabs.items():
                interaction = make(tab, login)
                row = next((r for r in results if (r.page, r.interaction) == (interaction.page, interaction.name)),
                           None)
                if row is None:
                    row = Timed(interaction.page, interaction.name)
                    results.append(row)
                interaction.prepare()
                try:
                    row.samples[label] = [interaction.once(i) for i in range(repeat)]
                finally:
                    interaction.finish()
            print(f"  timed: {row.page} · {row.interaction}", flush=True)
    _print(results, [label for label, _root in servers], repeat)
    if os.environ.get("PORTAL_BENCH_KEEP"):
        print(f"  server logs and run times: {work}")

"""`python -m portal bench --browser`: what a person sees — from a click to the new content on screen, in chromium
against a real `python -m portal run` over the current database, beside the server's own time for the same click.

"On screen" is per interaction: a grid's first row shows the record the database says comes first in the new view
(the bench reads that itself, through the records layer, as the same user), read from the grid's accessible table
(glide keeps it beside its canvas); the time is when its canvas — what a person sees — last changed its first row
before that (the accessible table follows 200–300 ms later, on a timer: its time is printed too). A record page's
title shows the record's reference; a saved cell shows the "saved" message. The browser polls at every animation
frame. The server time is what the script thread spent on the runs the action started (portal/tools/run_timing.py:
the page script, Streamlit's work around it and its garbage collection), read from the server after the screen was
ready.

The floor is a hidden page the bench adds to its servers (run_timing.py), with one line and a button: a click there
costs what any click costs in Streamlit and in the portal's entry point (session check, language, navigation).

A click whose result is not on screen within a minute is a lost click: counted, listed under the table, and that
repetition timed again after opening the page anew (a second loss in a row stops the bench).

`--baseline DIR` runs the same interactions, in the same run and interleaved, against a second server started
from another checkout (e.g. `git worktree add /tmp/before <commit>`), for a before/after table.
"""
from __future__ import annotations

import os
import statistics
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from portal.tools.bench_browser_steps import INTERACTIONS, Steps
from portal.tools.bench_browser_tab import CANVAS_WATCH, LOST_AFTER_S, Browser, Sample
from portal.tools.run_timing import ENV as RUN_TIMES
from portal.tools.run_timing import sitecustomize_dir
from portal.tools.soak import CHROMIUM, CHROMIUM_ARGS, portal_process


@dataclass
class Timed:
    page: str
    interaction: str
    samples: dict[str, list[Sample]] = field(default_factory=dict)  # server label -> samples


def _sign_in(page, base_url: str, login: str, password: str) -> None:
    page.goto(base_url)
    page.wait_for_selector("[data-testid=stForm] input[type=password]", timeout=120_000)
    form = page.get_by_test_id("stForm")
    form.locator("input[type=text]").first.fill(login)
    form.locator("input[type=password]").first.fill(password)
    form.locator("button[kind=secondaryFormSubmit], button[kind=primaryFormSubmit]").first.click()
    page.wait_for_function("document.cookie.includes('portal_session=')", timeout=120_000)
    page.locator("[data-testid=stSidebarNav]").wait_for(timeout=120_000)


def _print(results: list[Timed], labels: list[str], repeat: int) -> None:
    def med(samples: list[Sample], attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in samples)

    def p95(samples: list[Sample]) -> float:
        values = [s.screen_ms for s in samples]
        return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]

    def tree(samples: list[Sample]) -> str:
        values = [s.tree_ms for s in samples if s.tree_ms is not None]
        return f"{statistics.median(values):.0f}" if values else ""

    print(f"\nClick → on screen in chromium ({repeat} repetitions each; medians; screen = the grid's canvas where "
          "there is a grid, else the DOM; a11y = the grid's accessible table, where the screen is its canvas; server "
          "= the script thread's time for the runs the click started, gc = its garbage collection):")
    head = f"  {'page':<11}{'interaction':<34}"
    for label in labels:
        head += f"{label + ' screen':>16}{'p95':>8}{'a11y':>6}{'server':>8}{'gc':>6}{'runs':>5}"
    if len(labels) == 2:
        head += f"{'speed-up':>10}"
    print(head)
    for row in results:
        line = f"  {row.page:<11}{row.interaction:<34}"
        for label in labels:
            samples = row.samples.get(label, [])
            if not samples:
                line += f"{'—':>16}{'':>8}{'':>6}{'':>8}{'':>6}{'':>5}"
                continue
            line += (f"{med(samples, 'screen_ms'):>16.0f}{p95(samples):>8.0f}{tree(samples):>6}"
                     f"{med(samples, 'server_ms'):>8.0f}"
                     f"{med(samples, 'gc_ms'):>6.0f}{med(samples, 'runs'):>5.0f}")
        if len(labels) == 2 and all(row.samples.get(label) for label in labels):
            before, after = (med(row.samples[label], "screen_ms") for label in labels)
            line += f"{before / after:>9.1f}×"
        print(line)


def once(interaction: Steps, i: int, label: str, lost: list[str]) -> Sample:
    """One repetition. A click whose result never shows (its run never reached the server, or the browser dropped
    it) is counted in `lost`; the page is opened again and the repetition timed once more (a second loss stops the
    bench). So one lost click neither ends a long run nor goes unreported."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    try:
        return interaction.once(i)
    except PlaywrightTimeoutError:
        lost.append(f"{interaction.page} · {interaction.name} ({label}), repetition {i + 1}")
        print(f"  lost: {lost[-1]}", flush=True)
        interaction.prepare()
        return interaction.once(i)


def _screenshots(tabs: dict[str, Browser], work: Path) -> bool:
    """What each tab showed when the bench stopped on an error (the error goes on)."""
    import sys

    for label, tab in tabs.items():
        shot = work / f"{label}-failed.png"
        tab.page.screenshot(path=str(shot), full_page=True)
        print(f"  {label}: what the browser showed when the bench stopped: {shot} ({tab.page.url})", file=sys.stderr)
    return False


def run_browser_bench(login: str, password: str, repeat: int = 10, baseline: Path | None = None,
                      only: str | None = None) -> None:
    """Start the server(s), sign in, time every interaction `repeat` times on each (of the page `only` names, beside
    the floor), print one table."""
    from playwright.sync_api import sync_playwright

    from db.engine import get_engine, get_owner_engine

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
            context.add_init_script(CANVAS_WATCH)
            context.set_default_timeout(120_000)
            page = context.new_page()
            _sign_in(page, base_url, login, password)
            tabs[label] = Browser(page, base_url, times)
            print(f"  {label}: {base_url} ({root or 'this checkout'})", flush=True)
        results: list[Timed] = []
        lost: list[str] = []
        stack.push(lambda failed, *_exc: failed is not None and _screenshots(tabs, work))
        for make in INTERACTIONS:
            for label, tab in tabs.items():
                interaction = make(tab, login)
                if only and interaction.page not in (only, "—"):
                    continue
                row = next((r for r in results if (r.page, r.interaction) == (interaction.page, interaction.name)),
                           None)
                if row is None:
                    row = Timed(interaction.page, interaction.name)
                    results.append(row)
                interaction.prepare()
                try:
                    row.samples[label] = [once(interaction, i, label, lost) for i in range(repeat)]
                finally:
                    interaction.finish()
                print(f"  timed: {row.page} · {row.interaction} ({label})", flush=True)
    _print(results, [label for label, _root in servers], repeat)
    print(f"\nLost clicks (no result on screen within {LOST_AFTER_S} s; the page was opened again and the repetition "
          f"timed once more): {len(lost)}" + "".join(f"\n  {what}" for what in lost))
    if os.environ.get("PORTAL_BENCH_KEEP"):
        print(f"  server logs and run times: {work}")

"""The bench's memory soak: a real `streamlit run` server over the benched database, driven through 200
interactions across the app's pages by chromium (Playwright); the server process's own RSS is what the 400 MB
bound is about, and AppTest, running the scripts inside the bench process, cannot measure it. `portal_process`
starts such a server (the browser tests start theirs with it too).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, text

from portal.tools.bench_tools import process_memory_mb

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
APP_IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
SOAK_SEARCHES = ("王", "便利", "人民路", "断货", "线路07", "张敏", "烟酒", "2026")
RSS_LIMIT_MB = 400


@dataclass
class SoakResult:
    """The server's memory over a soak: after sign-in, every 20 interactions, at the end, and its peak."""

    interactions: int
    seconds: float
    start_mb: float  # signed in, first page drawn
    end_mb: float
    peak_mb: float  # VmHWM: the most the server process ever held resident
    samples: list[tuple[int, float]]  # (interactions done, VmRSS)
    kinds: dict[str, int]  # interaction kind -> how many

    def lines(self) -> list[str]:
        verdict = "within" if self.end_mb <= RSS_LIMIT_MB else "OVER"
        trend = ", ".join(f"{n}: {mb:.0f}" for n, mb in self.samples)
        kinds = ", ".join(f"{k} {n}" for k, n in self.kinds.items())
        return [f"Streamlit server memory over {self.interactions} interactions in a real browser "
                f"({self.seconds:.0f} s; {kinds}):",
                f"  RSS after sign-in {self.start_mb:.0f} MB, after {self.interactions} interactions "
                f"{self.end_mb:.0f} MB ({verdict} the {RSS_LIMIT_MB} MB bound), peak {self.peak_mb:.0f} MB",
                f"  RSS (MB) by interactions done: {trend}"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def portal_process(database_url: str, log: Path, port: int | None = None,
                   extra_env: dict[str, str] | None = None,
                   owner_url: str | None = None, root: Path | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """`python -m portal run` on a free loopback port over `database_url` (migrating as `owner_url`, default
    $DATABASE_OWNER_URL), from this checkout or the one at `root`; yields (base URL, process).

    `portal run` execs `streamlit run` in the same process, so the pid is the Streamlit server's."""
    from portal.config import ROOT

    port = port or _free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="portal-run-"))  # no embedded server: DATABASE_URL is given
    env = {**os.environ, "DATABASE_URL": database_url, "PORTAL_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1",
           "DATABASE_OWNER_URL": owner_url or os.environ.get("DATABASE_OWNER_URL", ""),
           "PORTAL_DEMO_DATA": "false", "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
           "STREAMLIT_SERVER_RUN_ON_SAVE": "false", "STREAMLIT_SERVER_ADDRESS": "127.0.0.1",
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **(extra_env or {})}
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "portal", "run", "--port", str(port)], cwd=root or ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"The portal exited with code {proc.returncode}:\n{log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"The portal did not answer within 90 s:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield base_url, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)


def wait_idle(page, settle_ms: int = 100, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit finished the script run the last action started; an uncaught error fails the soak."""
    page.wait_for_timeout(settle_ms)
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout_ms)
    if page.get_by_test_id("stException").count():
        raise RuntimeError(f"The page at {page.url} shows an uncaught exception")


def _record_ids() -> dict[str, list[int]]:
    """A few records of each kind, spread over their tables, for the record pages (url path -> ids)."""
    from db.engine import unit_of_work

    tables = {"retailer": "retailers", "complaint": "complaints", "incident": "incidents",
              "training_session": "training_sessions"}
    ids: dict[str, list[int]] = {}
    with unit_of_work() as s:
        for path, table in tables.items():
            exists = s.scalar(text("select to_regclass(:t) is not null"), {"t": table})
            if not exists:
                continue
            top = s.scalar(text(f"select max(id) from {table}")) or 0  # noqa: S608 (fixed table names)
            found = [s.scalar(text(f"select id from {table} where id >= :v order by id limit 1"), {"v": top * k // 8})
                     for k in range(1, 9)] if top else []
            ids[path] = [i for i in dict.fromkeys(found) if i is not None]
    return ids


def _soak_steps(page, base_url: str, nav_titles: list[str], record_ids: dict[str, list[int]]
                ) -> Iterator[tuple[str, Callable[[], None]]]:
    """An endless round of interactions: open each listed page from the navigation (searching the grids that
    have a search box), then open record pages by link; each step ends when the script run is done."""
    searches = iter(range(10**9))

    def nav(title: str) -> None:
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
        wait_idle(page)

    def search() -> None:
        box = page.get_by_role("textbox", name="Search", exact=True).first
        box.fill(SOAK_SEARCHES[next(searches) % len(SOAK_SEARCHES)])
        box.press("Enter")
        wait_idle(page)

    def record(path: str, rid: int) -> None:
        page.goto(f"{base_url}/{path}?id={rid}")
        wait_idle(page, settle_ms=200)

    while True:
        for title in nav_titles:
            yield "page", lambda title=title: nav(title)
            if page.get_by_role("textbox", name="Search", exact=True).count():
                yield "search", search
        for path, ids in record_ids.items():
            for rid in ids[:3]:
                yield "record page", lambda path=path, rid=rid: record(path, rid)
        record_ids = {p: ids[3:] + ids[:3] for p, ids in record_ids.items()}  # other records next round


def soak(login: str, password: str, interactions: int = 200, *, database_url: str | None = None,
         log: Path | None = None, progress: Callable[[int, float], None] | None = None) -> SoakResult:
    """Drive a real `streamlit run` server (a subprocess over the current database) through `interactions`
    page loads, searches and record pages in chromium, signed in as `login`, and read the server's memory."""
    from playwright.sync_api import sync_playwright

    from db.engine import get_engine, get_owner_engine, unit_of_work
    from db.models import User
    from portal.access.auth import CurrentUser
    from portal.i18n import _, current_language, set_language
    from portal.ui.nav import pages_for

    url = database_url or get_engine().url.render_as_string(hide_password=False)
    owner_url = None if database_url else get_owner_engine().url.render_as_string(hide_password=False)
    with unit_of_work() as s:
        user = CurrentUser.of(s.scalar(select(User).where(User.login == login)))
    before = current_language()
    set_language(user.language)  # the navigation shows the titles in the user's language
    nav_titles = [_(p.title) for p in pages_for(user) if not p.hidden]
    set_language(before)
    record_ids = _record_ids()
    log = log or Path(tempfile.gettempdir()) / "portal-soak-server.log"
    kinds: dict[str, int] = {}
    english = {"PORTAL_DEFAULT_LANGUAGE": "en",  # the sign-in page; the user's own language afterwards
               "PORTAL_SCAN_SCHEDULE": ""}  # its worker does not scan the bench's database (notices would stay)
    with portal_process(url, log, extra_env=english, owner_url=owner_url) as (base_url, proc), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
            context.set_default_timeout(60_000)
            page = context.new_page()
            page.goto(base_url)
            wait_idle(page)
            form = page.get_by_test_id("stForm")
            form.get_by_label("Login", exact=True).fill(login)
            form.get_by_label("Password", exact=True).fill(password)
            form.get_by_role("button", name="Sign in").click()
            wait_idle(page, settle_ms=300)
            page.locator("[data-testid=stSidebarNav]").wait_for()
            start_mb = process_memory_mb(proc.pid)[0]
            started = time.monotonic()
            samples: list[tuple[int, float]] = [(0, start_mb)]
            steps = _soak_steps(page, base_url, nav_titles, record_ids)
            for done in range(1, interactions + 1):
                kind, step = next(steps)
                step()
                kinds[kind] = kinds.get(kind, 0) + 1
                if done % 20 == 0 or done == interactions:
                    rss = process_memory_mb(proc.pid)[0]
                    samples.append((done, rss))
                    if progress:
                        progress(done, rss)
            seconds = time.monotonic() - started
            end_mb, peak_mb = process_memory_mb(proc.pid)
            context.close()
        except Exception:
            if "page" in locals():  # what the browser showed when the soak stopped, beside the server's log
                page.screenshot(path=str(log.with_suffix(".png")), full_page=True)
            raise
        finally:
            browser.close()
    return SoakResult(interactions, seconds, start_mb, end_mb, peak_mb, samples, kinds)

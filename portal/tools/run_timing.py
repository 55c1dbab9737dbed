"""The server's own time per interaction, for the browser bench (portal/tools/bench_browser.py).

When `PORTAL_RUN_TIMES` names a file, a server that ran `install` appends one line per script run to it:
start and end (time.time(), seconds) of `ScriptRunner._run_script` — the page script and everything Streamlit does
around it in the script thread, reruns it chains included, and its post-run garbage collection — whether it was a
fragment run, and the milliseconds the garbage collector took inside that span. The bench reads the lines of the runs
that started after an action, beside the time the browser took to show its result.

The bench installs it through a `sitecustomize` module of its own (`sitecustomize_dir`), so a server started from
another checkout (the "before" of a before/after run) is timed the same way, and the portal's code has no hook.
This file uses only the standard library and Streamlit: it is run by path, not imported as part of `portal`.
"""
from __future__ import annotations

import gc
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ENV = "PORTAL_RUN_TIMES"
FLOOR_PATH = "bench_floor"  # the floor page's address on a bench server


@dataclass(frozen=True)
class RunTime:
    start: float
    end: float
    fragment: bool
    gc_ms: float

    @property
    def ms(self) -> float:
        return (self.end - self.start) * 1000


def install() -> None:
    """Time every script run of this server process (only when PORTAL_RUN_TIMES is set)."""
    target = os.environ.get(ENV)
    if not target:
        return
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    lock, gc_spent = threading.Lock(), threading.local()
    gc_started: dict[int, float] = {}

    def on_gc(phase: str, _info: dict) -> None:
        me = threading.get_ident()
        if phase == "start":
            gc_started[me] = time.perf_counter()
        elif me in gc_started:
            gc_spent.ms = getattr(gc_spent, "ms", 0.0) + (time.perf_counter() - gc_started.pop(me)) * 1000

    gc.callbacks.append(on_gc)
    original = ScriptRunner._run_script

    def timed(self, rerun_data):
        gc_spent.ms = 0.0
        start = time.time()
        try:
            return original(self, rerun_data)
        finally:
            line = f"{start:.6f} {time.time():.6f} {int(bool(rerun_data.fragment_id_queue))} {gc_spent.ms:.2f}\n"
            with lock, open(target, "a") as out:
                out.write(line)

    ScriptRunner._run_script = timed
    _add_floor_page()


def _floor_page() -> None:
    """The floor: one line and a button whose click only reruns (the entry point's work + Streamlit's)."""
    import streamlit as st

    st.session_state["bench_floor_clicks"] = st.session_state.get("bench_floor_clicks", 0)
    if st.button("Again", key="bench_floor_again"):
        st.session_state["bench_floor_clicks"] += 1
    st.markdown(f"Floor {st.session_state['bench_floor_clicks']}")


def _add_floor_page() -> None:
    """Every signed-in navigation (a dict of sections) gets the hidden floor page."""
    import streamlit as st

    navigation = st.navigation

    def with_floor(pages, **kwargs):
        if isinstance(pages, dict) and pages:
            floor = st.Page(_floor_page, title="Floor", url_path=FLOOR_PATH, visibility="hidden")
            first = next(iter(pages))
            pages = {**pages, first: [*pages[first], floor]}
        return navigation(pages, **kwargs)

    st.navigation = with_floor


def sitecustomize_dir(work: Path) -> Path:
    """A folder holding a `sitecustomize.py` that installs the timing from this file (put it on PYTHONPATH)."""
    folder = work / "site"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        f"import runpy\nrunpy.run_path({str(Path(__file__).resolve())!r})['install']()\n")
    return folder


def runs_since(path: Path, since: float) -> list[RunTime]:
    """The runs that started at or after `since` (time.time())."""
    if not path.exists():
        return []
    runs = []
    for line in path.read_text().splitlines():
        start, end, fragment, gc_ms = line.split()
        if float(start) >= since:
            runs.append(RunTime(float(start), float(end), fragment == "1", float(gc_ms)))
    return runs

"""The browser bench's tab (portal/tools/bench_browser.py): one signed-in chromium page on one portal server, how it
times an action until its result is on screen, and what "on screen" reads (a grid's accessible table, its canvas).
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from portal.tools.run_timing import runs_since
from portal.tools.soak import APP_IDLE

LOST_AFTER_S = 60  # an action whose result is not on screen by then is a lost click (bench_browser.once)
# the first row's cells of a grid (glide's accessible table: data-testid glide-cell-<column>-<row>)
FIRST_ROW = "[...document.querySelectorAll('td[data-testid^=\"glide-cell-\"][data-testid$=\"-0\"]')]"


# What a person sees of a grid is its canvas; glide's accessible table beside it follows on a timer, ~200 ms after
# the canvas shows the new rows (~300 ms when a page is opened). So for a grid, "on screen" is when the first data
# row's pixels took their final look: sampled at every animation frame, each change kept (in the page's clock made
# absolute, performance.timeOrigin + now, so that a new page load compares with the click before it); the last
# change before the accessible table holds the expected row is the time, counted from the first click or key the
# page received for the action (the bench's own wait for a control to be ready is not the person's), or, for an
# address typed (a new page load), from when the bench began to load it. The accessible table's time is kept too.
CANVAS_WATCH = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  window.__pixels = [];
  window.__inputs = [];  // when the person's click or key reached the page (not when the bench began to act)
  for (const kind of ['pointerdown', 'keydown'])
    document.addEventListener(kind, () => window.__inputs.push(now()), true);
  let last = null;
  const frame = () => {
    const canvas = document.querySelector('[data-testid=stDataFrame] canvas');
    if (canvas && canvas.width > 0) {
      try {
        const d = window.devicePixelRatio || 1;
        const px = canvas.getContext('2d').getImageData(40 * d, 36 * d, 500 * d, 30 * d).data;
        let h = 0;
        for (let i = 0; i < px.length; i += 8) h = (h * 31 + px[i]) | 0;
        if (h !== last) { last = h; window.__pixels.push([now(), h]); }
      } catch (e) { /* a canvas not readable yet */ }
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();
"""


@dataclass
class Sample:
    screen_ms: float
    server_ms: float
    gc_ms: float
    runs: int
    tree_ms: float | None = None  # the accessible table's time, where the screen's is the canvas's


def first_row_has(expected: str) -> str:
    """A JS expression: the grid's first row has a cell holding exactly `expected`."""
    return f"{FIRST_ROW}.some(td => td.textContent === {json.dumps(expected)})"


def first_row_js(expected: str) -> str:
    return f"() => {first_row_has(expected)}"


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

    def measure(self, act: Callable[[], None], ready_js: str, canvas: bool = False, shown_js: str = "") -> Sample:
        """Time `act` until `ready_js` holds (polled every animation frame), then the server's runs it started; with
        `canvas`, the screen's time is when the grid's first row last changed on its canvas before that
        (CANVAS_WATCH), or when `shown_js` first held if later; the accessible table's is kept beside it."""
        clock = "() => performance.timeOrigin + performance.now()"
        started_page = self.page.evaluate(clock) if canvas else 0.0
        started_wall = time.time()
        started = time.perf_counter()
        act()
        shown_page = 0.0
        if canvas and shown_js:  # what the page says beside the grid (a "saved" message): when it first held
            held = self.page.wait_for_function(f"() => ({shown_js})() && ({clock})()", polling="raf",
                                               timeout=LOST_AFTER_S * 1000)
            shown_page = held.json_value() - started_page
        self.page.wait_for_function(ready_js, polling="raf", timeout=LOST_AFTER_S * 1000)
        screen = (time.perf_counter() - started) * 1000
        ready_page = self.page.evaluate(clock) if canvas else 0.0
        self.idle(30)
        runs = runs_since(self.times, started_wall - 0.005)
        sample = Sample(screen, sum(r.ms for r in runs), sum(r.gc_ms for r in runs), len(runs))
        if canvas:
            changes = [t for t, _h in self.page.evaluate("() => window.__pixels || []")
                       if started_page < t <= ready_page]
            inputs = [t for t in self.page.evaluate("() => window.__inputs || []") if started_page <= t <= ready_page]
            began = inputs[0] if inputs else started_page
            if changes:  # (no change: the first row looks the same; the accessible table's time stands)
                sample.tree_ms = screen
                sample.screen_ms = max(changes[-1], started_page + shown_page) - began
        return sample

"""`python -m portal bench --only records`: the records layer's views at province scale (issue 16), timed beside the
empty-page floor in the same run.

Each feature adds its interactions as a function `(at, repeat, time) -> {interaction: [ms, ...]}` in a module of
its own and lists it in RECORD_BENCHES as "module:function": `at` is an AppTest signed in as the bench supervisor
(drive it with portal/tools/page_driver.py `PageDriver`, as portal/complaints/bench.py does), `time(repeat, step)`
runs `step(i)` `repeat` times and returns the times in ms.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable

RECORD_BENCHES: list[str] = [
    "portal.tools.bench_saved_views:saved_view_interactions",  # the changed-rows check, a view updated in place
    "portal.records.bench_calendar:calendar_interactions",
    "portal.records.bench_links:link_interactions",
    "portal.records.bench_groups:grouped_interactions",
    "portal.records.bench_kanban:kanban_interactions",
    "portal.records.bench_undo:restore_interactions",  # restore of one version (n16-undo)
    "portal.records.bench_filters:filter_interactions",  # OR-group filter, 3-level sort, pinyin sort
]


def records_interactions(at, repeat: int, time: Callable) -> dict[str, list[float]]:
    """Every listed feature's interactions, in the order listed."""
    results: dict[str, list[float]] = {}
    for entry in RECORD_BENCHES:
        module, function = entry.split(":")
        results.update(getattr(importlib.import_module(module), function)(at, repeat, time))
    return results

"""Tools for `python -m portal bench`: slow-query capture with EXPLAIN summaries, and memory figures.

- `SlowQueries`: while active, times every statement run through the app's engine; afterwards each statement
  shape slower than 50 ms is run again under `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` with the parameters of
  its slowest run and summarised in a few lines (where the time went, seq scans over big tables, buffers).
- `peak_rss_mb`, `current_rss_mb`, `process_memory_mb`: this process's and another process's memory.
The memory soak (a real server driven by chromium) is in portal/tools/soak.py.
"""
from __future__ import annotations

import os
import re
import resource
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event

SLOW_MS = 50.0
BIG_TABLE_ROWS = 10_000  # a sequential scan that reads at least this many rows is worth a line
_PARAM = re.compile(r"%\(\w+\)s|%s|\$\d+")
_LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+\b")
_LIST = re.compile(r"\?(?:\s*,\s*\?)+")
_SPACE = re.compile(r"\s+")


def statement_shape(statement: str) -> str:
    """The statement with parameters, literals and whitespace normalised: runs that differ only in values
    (or in the length of an IN list) share a shape."""
    shape = _LITERAL.sub("?", _PARAM.sub("?", statement))
    return _SPACE.sub(" ", _LIST.sub("?, …", shape)).strip()


@dataclass
class Shape:
    """Every run of one statement shape: how often, how long, and the slowest run's statement and parameters."""

    statement: str
    parameters: Any
    count: int = 0
    total_ms: float = 0.0
    max_ms: float = 0.0
    many: bool = False  # an executemany: timed, but not explained

    def add(self, statement: str, parameters: Any, ms: float, many: bool) -> None:
        self.count += 1
        self.total_ms += ms
        if ms > self.max_ms:
            self.max_ms, self.statement, self.parameters, self.many = ms, statement, parameters, many


@dataclass
class SlowQuery:
    """A statement shape whose slowest run took over the threshold, with its EXPLAIN summary lines."""

    shape: Shape
    summary: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        s = self.shape
        head = _SPACE.sub(" ", s.statement).strip()
        head = head if len(head) <= 150 else head[:147] + "…"
        return [f"{s.max_ms:8.1f} ms max, {s.count}× (total {s.total_ms:,.0f} ms): {head}",
                *(f"    {line}" for line in self.summary)]


class SlowQueries:
    """Record the statements the app's engine runs while the context is active (from any thread: AppTest runs
    scripts in its own thread); `explained()` then summarises the slow ones.

        with SlowQueries() as recorder:
            ...  # drive the pages
        for line in recorder.report():
            print(line)
    """

    def __init__(self, engine: Engine | None = None, threshold_ms: float = SLOW_MS):
        if engine is None:
            from db.engine import get_engine

            engine = get_engine()
        self.engine, self.threshold_ms = engine, threshold_ms
        self.shapes: dict[str, Shape] = {}
        self._lock = threading.Lock()
        self._active = False

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        started = conn.info.get("bench_started")
        if not started:
            return
        ms = (time.perf_counter() - started.pop()) * 1000
        if not self._active:
            return
        shape = statement_shape(statement)
        with self._lock:
            entry = self.shapes.get(shape)
            if entry is None:
                entry = self.shapes[shape] = Shape(statement, parameters)
            entry.add(statement, parameters, ms, executemany)

    def __enter__(self) -> SlowQueries:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        self._active = True
        return self

    def __exit__(self, *exc: object) -> None:
        self._active = False
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    @property
    def statements(self) -> int:
        """How many statements ran while recording."""
        return sum(s.count for s in self.shapes.values())

    def slow(self) -> list[Shape]:
        """The shapes whose slowest run took longer than the threshold, slowest first."""
        return sorted((s for s in self.shapes.values() if s.max_ms > self.threshold_ms), key=lambda s: -s.max_ms)

    def explained(self) -> list[SlowQuery]:
        """Each slow shape, run again (after recording) under EXPLAIN ANALYZE with its slowest run's parameters.

        EXPLAIN ANALYZE executes the statement, so each runs in its own transaction that is rolled back: a slow
        UPDATE is measured without changing anything."""
        return [SlowQuery(shape, explain_summary(self.engine, shape)) for shape in self.slow()]

    def report(self) -> list[str]:
        """Printable lines: a heading, then each slow statement with its summary (or that there were none)."""
        slow = self.explained()
        lines = [f"Queries over {self.threshold_ms:.0f} ms: {len(slow)} of {len(self.shapes)} statement shapes "
                 f"({self.statements:,} statements run)"]
        for query in slow:
            lines += query.lines()
        return lines


def explain_summary(engine: Engine, shape: Shape) -> list[str]:
    """A few lines on where the time of `shape`'s slowest run goes, from EXPLAIN (ANALYZE, BUFFERS)."""
    if shape.many:
        return ["(run as executemany: not explained)"]
    statement = shape.statement.strip().rstrip(";")
    if not re.match(r"(?is)^\s*(\(\s*)?(select|with|insert|update|delete|values|table)\b", statement):
        return ["(not a query: not explained)"]
    try:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            with conn.begin() as transaction:
                with raw.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, shape.parameters)
                    result = cursor.fetchone()[0]
                transaction.rollback()
    except Exception as exc:  # the statement may depend on its session (temp tables, SET LOCAL): say so
        return [f"(EXPLAIN failed: {str(exc).strip().splitlines()[0]})"]
    return summarise_plan(result[0] if isinstance(result, list) else result)


def _nodes(plan: dict, depth: int = 0) -> Iterator[tuple[dict, int]]:
    yield plan, depth
    for child in plan.get("Plans", ()):
        yield from _nodes(child, depth + 1)


def _own_ms(node: dict) -> float:
    """The node's own time (its total minus its children's), over all its loops."""
    loops = node.get("Actual Loops", 1) or 1
    total = node.get("Actual Total Time", 0.0) * loops
    children = sum(c.get("Actual Total Time", 0.0) * (c.get("Actual Loops", 1) or 1) for c in node.get("Plans", ()))
    return max(0.0, total - children)


def _label(node: dict) -> str:
    name = node["Node Type"]
    if node.get("Relation Name"):
        name += f" on {node['Relation Name']}"
    if node.get("Index Name"):
        name += f" using {node['Index Name']}"
    return name


def summarise_plan(explained: dict) -> list[str]:
    """Total time, the three nodes that take the most of it, seq scans over big tables, and shared buffers."""
    plan = explained["Plan"]
    nodes = [node for node, _depth in _nodes(plan)]
    hit, read = plan.get("Shared Hit Blocks", 0), plan.get("Shared Read Blocks", 0)  # the root counts its subtree
    execution, planning = explained.get("Execution Time", 0.0), explained.get("Planning Time", 0.0)
    lines = [f"execution {execution:.1f} ms, planning {planning:.1f} ms; shared buffers hit {hit:,}, read {read:,} "
             f"({(hit + read) * 8 / 1024:,.1f} MB touched)"]
    top = sorted(nodes, key=_own_ms, reverse=True)[:3]
    lines.append("top nodes: " + "; ".join(
        f"{_label(n)} {_own_ms(n):.1f} ms (rows {n.get('Actual Rows', 0):,.0f} × {n.get('Actual Loops', 1):,} loops)"
        for n in top))
    for node in nodes:
        if node["Node Type"] not in ("Seq Scan", "Parallel Seq Scan"):
            continue
        loops = node.get("Actual Loops", 1) or 1
        scanned = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * loops
        if scanned >= BIG_TABLE_ROWS:
            lines.append(f"seq scan over {node.get('Relation Name', '?')}: {scanned:,.0f} rows read, "
                         f"{node.get('Rows Removed by Filter', 0) * loops:,.0f} removed by filter")
    return lines


def peak_rss_mb() -> float:
    """The most memory (resident) this process has held so far, in MB (Linux reports ru_maxrss in KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """This process's resident memory now, in MB (second field of /proc/self/statm, in pages)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def process_memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, resident peak) of process `pid` in MB, from VmRSS and VmHWM in /proc/<pid>/status."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _sep, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024  # kB
    return values["VmRSS"], values["VmHWM"]


# --- memory soak: a real server, a real browser ---------------------------------------------------------------

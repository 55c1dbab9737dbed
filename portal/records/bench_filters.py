"""`python -m portal bench --only records`, filters part (RECORD_BENCHES): the complaints grid with an OR group,
"(state any of assigned / in progress OR overdue) AND department = X" (each department in turn), the complaints grid
sorted on three levels (the triage order, indexed; and one no index serves, for comparison), and retailers sorted
by shop name in pinyin order.

Drives the AppTest it is given by its URL, as a person's link would (no tooling imported: portal/tools/ runs this).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from db.engine import unit_of_work
from db.models import Department

COMPLAINTS, RETAILERS = "pages/complaints.py", "pages/retailers.py"
BUSY_OR_OVERDUE = "@any:" + json.dumps([["state", "any_of", ["assigned", "in_progress"]], ["sla", "is", "overdue"]],
                                       ensure_ascii=False, separators=(",", ":"))
THREE_LEVELS = "state,-grade,received_at"  # the triage order, which has an index (migration 0032)
UNINDEXED_LEVELS = "department_id,-grade,received_at"  # a sort no index serves: every complaint is read and sorted


def _open(at: Any, script: str, **params: Any) -> Any:
    """Run page `script` with exactly `params` in its URL (switching to it only when another page is open, as the
    next click on the same page would not); a failed run stops the bench."""
    if getattr(at, "_bench_page", None) != script:
        at.switch_page(script)
        at._bench_page = script
    at.query_params.clear()
    at.query_params.update(params)
    done = at.run()
    if done.exception:
        raise SystemExit(f"A records page failed: {done.exception[0].value}")
    return done


def _departments() -> list[int]:
    with unit_of_work() as s:
        return list(s.scalars(select(Department.id).where(Department.active).order_by(Department.id)))


def filter_interactions(at: Any, repeat: int, time: Callable) -> dict[str, list[float]]:
    """The OR-group filter, the three-level sort and the pinyin sort, each timed `repeat` times."""
    departments = _departments() or [0]
    results = {"complaints: OR group AND department": time(repeat, lambda i: _open(
        at, COMPLAINTS, f=[BUSY_OR_OVERDUE, f"department_id:is:{departments[i % len(departments)]}"]))}
    results["complaints: 3-level sort"] = time(repeat, lambda i: _open(at, COMPLAINTS, sort=THREE_LEVELS,
                                                                       page=str(1 + i % 3)))
    results["complaints: 3-level sort no index serves"] = time(repeat, lambda i: _open(
        at, COMPLAINTS, sort=UNINDEXED_LEVELS, page=str(1 + i % 3)))
    results["retailers: shop name by pinyin"] = time(repeat, lambda i: _open(at, RETAILERS, sort="shop_name"))
    return results

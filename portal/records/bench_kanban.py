"""The kanban's bench interactions (listed in portal/tools/bench_records.py RECORD_BENCHES): the complaints page as
a board by state, unfiltered (every column's count over the whole table) and filtered to one department."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from db.engine import unit_of_work
from db.models import Department

GRID = "pages/complaints.py"


def _run(at: Any) -> Any:
    result = at.run()
    if result.exception:
        raise SystemExit(f"The kanban page failed: {result.exception[0].value}")
    return result


def _open(at: Any, **params: str) -> None:
    at.switch_page(GRID)
    at.query_params.clear()
    at.query_params.update(params)
    _run(at)


def kanban_interactions(at: Any, repeat: int, time: Callable) -> dict[str, list[float]]:
    """`at`: an AppTest signed in as the bench supervisor (who may move cards: every card has its "Move to")."""
    with unit_of_work() as s:
        departments = list(s.scalars(select(Department.id).order_by(Department.id)))
    results = {}
    _open(at, **{"as": "kanban"})
    results["kanban: complaints by state"] = time(repeat, lambda i: _run(at))

    def one_department(i: int) -> Any:
        at.query_params["f"] = f"department_id:is:{departments[i % len(departments)]}"
        return _run(at)

    results["kanban: one department by state"] = time(repeat, one_department)
    return results

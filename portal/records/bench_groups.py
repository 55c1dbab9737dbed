"""`python -m portal bench --only records`, grouping (issue 16): the complaints grid grouped by department then
state with totals (average grade, handlers filled), counted afresh each run; then with a department and its first
state open (that state's rows read, the groups' counts kept from the click before); and an ungrouped grid with the
same totals under it. Each is one script run of the real page through AppTest, signed in as the bench supervisor
(who sees every complaint: the totals count the whole table)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

GRID = "pages/complaints.py"
TOTALS = "grade:average,handler_id:filled"
GROUPED = {"group": "department_id,state", "totals": TOTALS}
KEPT_COUNTS = "complaints.groups.read"  # (portal/ui/grouped_grid.py GROUPS_READ, under the complaints table's key)


def _run(at: Any) -> Any:
    at.run()
    if at.exception:
        raise SystemExit(f"The grouped complaints grid failed: {at.exception[0].value}")
    return at


def _open(at: Any, params: dict[str, str]) -> None:
    at.switch_page(GRID)
    at.query_params.clear()
    at.query_params.update(params)
    _run(at)


def _counted_afresh(at: Any) -> Any:
    """A run that counts the groups (the page keeps a count for a few seconds while groups are opened)."""
    at.session_state[KEPT_COUNTS] = None
    return _run(at)


def _open_first_group(at: Any, inner: bool = False) -> bool:
    """Click the first (outer, or first inner) group's header; says whether there was one."""
    toggles = [b for b in at.button if b.key and b.key.endswith(".toggle")]
    if len(toggles) < (2 if inner else 1):
        return False
    toggles[1 if inner else 0].click()
    _run(at)
    return True


def grouped_interactions(at: Any, repeat: int, time: Callable) -> dict[str, list[float]]:
    """The grouped grid's interactions, each timed `repeat` times."""
    results = {}
    _open(at, GROUPED)
    results["grid grouped department × state + totals"] = time(repeat, lambda i: _counted_afresh(at))
    if _open_first_group(at) and _open_first_group(at, inner=True):  # (no complaints: no group to open)
        results["grouped grid, a department and its first state open"] = time(repeat, lambda i: _run(at))
    _open(at, {"totals": TOTALS})
    results["grid + totals row"] = time(repeat, lambda i: _run(at))
    return results

"""`python -m portal bench --only records`, linked records (issue 16): the retailer directory with its three rollup
columns, sorted and filtered by one, and a retailer page opened from that sorted view (previous / next by keyset).
Each is one script run of the real page through AppTest (see portal/tools/bench_records.py)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from db.engine import unit_of_work

GRID, RECORD = "pages/retailers.py", "pages/retailer.py"
ROLLUPS = "complaints_90d,sessions_attended_year,open_supply_requests"
COLUMNS = "license_no,shop_name,owner_name,district,route,manager_id,status," + ROLLUPS


def _checked(result: Any) -> Any:
    if result.exception:
        raise SystemExit(f"A linked-records page failed: {result.exception[0].value}")
    return result


def _go(at: Any, page: str, **params: str) -> Any:
    at.switch_page(page)
    at.query_params.clear()
    at.query_params.update(params)
    return _checked(at.run())


def _sample_ids(n: int = 20) -> list[int]:
    """Retailers spread over the sorted view (ids only: this shared module names no area)."""
    with unit_of_work() as s:
        return list(s.scalars(text("SELECT id FROM retailers TABLESAMPLE SYSTEM (1) LIMIT :n"), {"n": n})) or \
            list(s.scalars(text("SELECT id FROM retailers LIMIT :n"), {"n": n}))


def link_interactions(at: Any, repeat: int, time: Callable) -> dict[str, list[float]]:
    """The directory with rollups (plain, sorted both ways by one, filtered by one) and previous / next."""
    results: dict[str, list[float]] = {}
    _go(at, GRID, cols=COLUMNS)
    results["retailers: 50 with 3 rollups"] = time(repeat, lambda i: _checked(at.run()))
    results["retailers: sorted by complaints (90 days)"] = time(repeat, lambda i: _go(
        at, GRID, cols=COLUMNS, sort="-complaints_90d" if i % 2 == 0 else "complaints_90d"))
    results["retailers: sorted by sessions this year"] = time(repeat, lambda i: _go(
        at, GRID, cols=COLUMNS, sort="-sessions_attended_year" if i % 2 == 0 else "sessions_attended_year"))
    results["retailers: complaints (90 days) > 1, by district"] = time(repeat, lambda i: _go(
        at, GRID, cols=COLUMNS, f="complaints_90d:after:1", sort="district,-complaints_90d"))
    ids, trail = _sample_ids(), "sort=-complaints_90d&page=1"
    results["retailer page: previous / next"] = time(repeat, lambda i: _go(
        at, RECORD, id=str(ids[i % len(ids)]), **{"from": trail}))
    return results

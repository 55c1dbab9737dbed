"""Bench (records part): what saved views and the changed-rows notice cost at province scale.

- "live: versions of 50 shown complaints": one tick of a grid's changed-rows part (portal/ui/live.py) — the query
  of the shown rows' versions (portal/records/changes.py) under the viewer's row scope, on the default complaints
  page; the part runs it every few seconds per open grid, so it must stay a primary-key read.
- "saved view: update in place": the version-checked update of a saved complaints view (rolled back).
"""
from __future__ import annotations

from collections.abc import Callable

from db.engine import unit_of_work
from portal.complaints.table import COMPLAINTS
from portal.records.changes import changed_since
from portal.records.query import fetch_page
from portal.records.view import ViewState
from portal.records.views import save_view, update_view
from portal.tools.page_driver import PageDriver

GRID = "pages/complaints.py"


class _RolledBack(Exception):
    """Leaves the bench's update unsaved."""


def saved_view_interactions(at, repeat: int, time: Callable) -> dict[str, list[float]]:
    """The live check and an update in place, as the bench supervisor signed in on `at`."""
    PageDriver(at, "records").go(GRID)  # (signs the bench supervisor's session in on the grid)
    user = at.session_state["user"]
    with unit_of_work(user.id) as s:
        rows = fetch_page(s, actor=user, spec=COMPLAINTS, view=ViewState()).rows
    if not rows:
        return {}
    seen = {r["id"]: r["version"] for r in rows}

    def tick(_i: int) -> None:
        with unit_of_work(user.id) as s:
            changed_since(s, actor=user, spec=COMPLAINTS, seen=seen)

    results = {f"live: versions of {len(seen)} shown complaints": time(repeat, tick)}
    with unit_of_work(user.id) as s:
        view = save_view(s, actor=user, spec=COMPLAINTS, name="bench: update in place", state=ViewState())
        view_id = view.id

    def update(i: int) -> None:
        try:
            with unit_of_work(user.id) as s:
                version = s.get(type(view), view_id).version
                update_view(s, actor=user, spec=COMPLAINTS, view_id=view_id, version=version,
                            state=ViewState(search=f"bench {i}"))
                raise _RolledBack
        except _RolledBack:
            pass

    results["saved view: update in place"] = time(repeat, update)
    with unit_of_work(user.id) as s:
        s.delete(s.get(type(view), view_id))
    return results

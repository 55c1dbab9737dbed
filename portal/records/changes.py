"""“Live enough”: which of the rows a grid shows were changed (or left the viewer's rows) since it drew them.

One query by primary key over the ids shown (50 by default), reading only their versions, with the viewer's row
scope: a grid's own timer asks it every few seconds instead of reading its page again.
"""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access.auth import CurrentUser, require
from portal.records.fields import TableSpec

MAX_IDS = 200  # the largest page


def changed_since(session: Session, *, actor: CurrentUser | None, spec: TableSpec,
                  seen: Mapping[int, int]) -> list[int]:
    """The ids in `seen` (id -> the version drawn) whose record now has another version, is gone, or is no longer
    one the actor may see; in the order given."""
    require(actor, spec.view_permission)
    ids = list(seen)[:MAX_IDS]
    if not ids:
        return []
    stmt = select(spec.id_column, spec.column("version")).where(spec.id_column.in_(ids))
    if spec.row_scope is not None and (scope := spec.row_scope(actor)) is not None:
        stmt = stmt.where(scope)
    now = {rid: version for rid, version in session.execute(stmt)}
    return [rid for rid in ids if now.get(rid) != seen[rid]]

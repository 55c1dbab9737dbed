"""Change sets: the audit rows one bulk change, import, restore or undo wrote, under one id.

`recording(...)` opens one; every audit row written in it (the flush hook and the COPY paths of db/audit.py) carries
its id, so the undo (portal/records/undo.py) finds exactly what that change wrote, and the history can say
"restored version 3" or "undone". Change sets are history: rows are only added (an undo is a change set naming
the one it undid), but for their record count, filled in when the change is done.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from db.models import ChangeSet, User
from portal.access.auth import CurrentUser, can
from portal.i18n import N_, _
from portal.records.fields import TableSpec

BULK, IMPORT, RESTORE, UNDO = "bulk", "import", "restore", "undo"
UNDOABLE = (BULK, IMPORT)
UNDO_OTHERS = "records.undo_others"  # undo someone else's bulk change or import (supervisors)
KIND_LABELS = {BULK: N_("bulk change"), IMPORT: N_("import"), RESTORE: N_("restored version {version}"),
               UNDO: N_("undone")}


@contextmanager
def recording(session: Session, *, actor: CurrentUser | None, spec: TableSpec, kind: str,
              detail: dict[str, Any] | None = None, undoes: int | None = None) -> Iterator[ChangeSet]:
    """Within the block, every audit row `session` writes belongs to a new change set of `kind` on `spec`."""
    change_set = ChangeSet(actor_id=actor.id if actor else None, table_name=spec.name, kind=kind,
                           detail=detail or {}, undoes_id=undoes)
    session.add(change_set)
    session.flush()
    outer = session.info.get("change_set_id")
    session.info["change_set_id"] = change_set.id
    try:
        yield change_set
        change_set.done_at = func.now()
        session.flush()  # the last changes' audit rows are written while the id is set
    finally:
        session.info["change_set_id"] = outer


def kind_text(kind: str, detail: dict[str, Any]) -> str:
    """What a change set did, in the reader's language ("restored version 3")."""
    return _(KIND_LABELS.get(kind, kind)).format(version=detail.get("version", "?"))


@dataclass(frozen=True)
class ChangeSetInfo:
    """A change set as the undo panel shows it."""

    id: int
    kind: str
    at: datetime
    actor_id: int | None
    actor: str
    records: int
    detail: dict[str, Any]
    done: bool  # False: a large bulk edit still running in the job queue (portal/records/bulk_edit.py)


def last_change_set(session: Session, spec: TableSpec, kind: str) -> ChangeSetInfo | None:
    """The latest bulk change (or import) on `spec`'s table that is not undone yet, whoever made it."""
    undo = aliased(ChangeSet)
    row = session.execute(
        select(ChangeSet, User.name).outerjoin(User, User.id == ChangeSet.actor_id)
        .where(ChangeSet.table_name == spec.name, ChangeSet.kind == kind,
               (ChangeSet.records > 0) | ChangeSet.done_at.is_(None),
               ~select(undo.id).where(undo.undoes_id == ChangeSet.id).exists())
        .order_by(ChangeSet.at.desc(), ChangeSet.id.desc()).limit(1)).first()
    if row is None:
        return None
    cs, name = row
    return ChangeSetInfo(cs.id, cs.kind, cs.at, cs.actor_id, name or _("System"), cs.records, dict(cs.detail),
                         cs.done_at is not None)


def may_undo(actor: CurrentUser | None, change_set: ChangeSetInfo | ChangeSet) -> bool:
    """Only who made a change, or a supervisor, undoes it (the UI's question; undo_change_set requires it)."""
    return actor is not None and (change_set.actor_id == actor.id or can(actor, UNDO_OTHERS))


"""Audit capture: every insert, update and delete of an `Audited` row, flushed through any Session, is logged.

Domain code needs to do nothing but set the actor (`unit_of_work(actor_id)` does); the rows written while
`session.info["change_set_id"]` is set belong to that change set (portal/records/change_sets.py). The same hook is
the outbox: changes of a model's `__events__` fields also become one job per flush for the worker (db/outbox.py).
Writes that bypass the ORM (bulk COPY, `update()` / `delete()` statements) call `write_audit_rows` themselves. A
deleted row is logged field by field (old value, no new one); a class with `__audit_inserts__ = False` (an
append-only log whose rows are their own record) is logged only when a row changes.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from db.models import Audited, AuditLog
from db.outbox import defer_events, event_value

REDACTED = "••••"


def audit_text(value: Any) -> str | None:
    """How a value is written in the audit log (and shown in history)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float | str):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _record_id(obj: Any) -> str:
    return "/".join(str(v) for v in inspect(obj).mapper.primary_key_from_instance(obj))


def _changes(obj: Audited, *, is_new: bool) -> Iterable[tuple[str, Any, Any]]:
    state = inspect(obj)
    skip, redact = type(obj).__audit_skip__, type(obj).__audit_redact__
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in skip:
            continue
        hist = state.attrs[key].history
        if is_new:
            new = hist.added[0] if hist.added else getattr(obj, key, None)
            if new is None:
                continue
            yield key, None, REDACTED if key in redact else new
        elif hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old == new:
                continue
            yield key, (REDACTED if key in redact else old), (REDACTED if key in redact else new)


def write_audit_rows(session: Session, rows: list[dict]) -> None:
    """Insert audit rows (dicts with table_name, record_id, action, field, old_value, new_value)."""
    if rows:
        actor, change_set = session.info.get("actor_id"), session.info.get("change_set_id")
        # Core insert on the flush's own connection: safe inside a flush event, same transaction.
        session.connection().execute(insert(AuditLog.__table__),
                                     [{"actor_id": actor, "change_set_id": change_set, **r} for r in rows])


@event.listens_for(Session, "before_flush")
def _capture_deletes(session: Session, _ctx, _instances) -> None:
    """Deleted rows, before the flush removes them (their fields may still need loading)."""
    rows: list[dict] = []
    for obj in session.deleted:
        if not isinstance(obj, Audited):
            continue
        state, skip, redact = inspect(obj), type(obj).__audit_skip__, type(obj).__audit_redact__
        rid = _record_id(obj)
        for attr in state.mapper.column_attrs:
            old = getattr(obj, attr.key)
            if attr.key in skip or old is None:
                continue
            rows.append({"table_name": obj.__tablename__, "record_id": rid, "action": "delete", "field": attr.key,
                         "old_value": REDACTED if attr.key in redact else audit_text(old), "new_value": None})
    write_audit_rows(session, rows)


@event.listens_for(Session, "after_flush")
def _capture(session: Session, _ctx) -> None:
    """Audit rows for every change, and for the changes of `__events__` fields one outbox job (db/outbox.py)."""
    rows: list[dict] = []
    events: list[dict] = []
    for objs, is_new in ((session.new, True), (session.dirty, False)):
        for obj in objs:
            if not isinstance(obj, Audited) or (is_new and not type(obj).__audit_inserts__):
                continue
            table, watched = obj.__tablename__, type(obj).__events__
            rid = _record_id(obj)
            action = "insert" if is_new else "update"
            for field, old, new in _changes(obj, is_new=is_new):
                rows.append({"table_name": table, "record_id": rid, "action": action,
                             "field": field, "old_value": audit_text(old), "new_value": audit_text(new)})
                if field in watched:
                    events.append({"table": table, "record": rid, "action": action, "field": field,
                                   "old": event_value(old), "new": event_value(new)})
    write_audit_rows(session, rows)
    defer_events(session, events)


AUDIT_COPY_COLUMNS = ("actor_id", "table_name", "record_id", "action", "field", "old_value", "new_value")


def copy_audit_rows(session: Session, rows: Iterable[tuple]) -> int:
    """Bulk paths (imports): COPY audit rows (table_name, record_id, action, field, old, new) in one stream."""
    actor, change_set = session.info.get("actor_id"), session.info.get("change_set_id")
    cursor = session.connection().connection.driver_connection.cursor()
    count = 0
    with cursor.copy(f"COPY audit_log ({', '.join(AUDIT_COPY_COLUMNS)}, change_set_id) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((actor, *row, change_set))
            count += 1
    return count

"""Bulk edit of every record matching a view (not only the page): one field, one value, as one change set.

Set-based, in the database: each batch is one statement that picks the next SQL_BATCH matching records (locking
them), changes them (version + 1) and writes their audit rows — no row travels to Python. The whole change is one
transaction (all of it lands or none) and one change set, so portal/records/undo.py can undo it. It runs in the
request, not the job queue: the largest table the grid edits (retailers, 200,000 at province scale) is done in a
few seconds this way, and the person who confirmed the count sees the result (and can undo it) at once, where a
queued job would leave a change half-visible while it runs.

The view's conditions are the grid's own (`where_clause`: filters, search and the rows the actor may see), so a
bulk edit never reaches a record the grid would not show; a filter that cannot be applied refuses the whole edit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, case, cast, func, insert, literal, select, update
from sqlalchemy.orm import Session

from db.audit import audit_text
from db.models import AuditLog
from portal.access.auth import CurrentUser, require
from portal.i18n import _
from portal.records.change_sets import BULK, recording
from portal.records.editing import bulk_value
from portal.records.fields import FieldType, TableSpec
from portal.records.query import where_clause
from portal.records.view import ViewState

SQL_BATCH = 5_000  # records per statement: bounded memory per step, few round trips
# types whose SQL text is what db.audit.audit_text writes (booleans are spelled out below)
SET_BASED = frozenset({FieldType.TEXT, FieldType.LONG_TEXT, FieldType.PHONE, FieldType.EMAIL, FieldType.INTEGER,
                       FieldType.DECIMAL, FieldType.DATE, FieldType.SINGLE_SELECT, FieldType.CHECKBOX,
                       FieldType.USER, FieldType.LINK})


class BulkRefused(ValueError):
    """Nothing was changed; the message says why."""


@dataclass(frozen=True)
class BulkOutcome:
    changed: int  # records whose value changed (the others had it already)
    change_set_id: int | None  # None when nothing changed


def _conditions(spec: TableSpec, view: ViewState, actor: CurrentUser) -> list[Any]:
    clauses, problems = where_clause(spec, view, actor)
    if problems:
        raise BulkRefused(_("Some filters cannot be applied ({problems}); nothing was changed.").format(
            problems="; ".join(problems)))
    return clauses


def matching_count(session: Session, *, actor: CurrentUser, spec: TableSpec, view: ViewState) -> int:
    """How many records the view matches for `actor`, counted exactly (the confirmation says this number)."""
    require(actor, spec.view_permission)
    clauses = _conditions(spec, view, actor)
    return session.scalar(select(func.count()).select_from(spec.model.__table__).where(*clauses)) or 0


def _old_text(field_type: FieldType, old: Any) -> Any:
    if field_type is FieldType.CHECKBOX:
        return case((old.is_(None), None), (old, literal("true")), else_=literal("false"))
    return cast(old, String)


def bulk_update_matching(session: Session, *, actor: CurrentUser, spec: TableSpec, view: ViewState, field: str,
                         value: Any, batch: int = SQL_BATCH) -> BulkOutcome:
    """Set `field` to `value` on every record `view` matches for `actor`; the records that have it already are
    left alone. One transaction, one change set."""
    clean = bulk_value(session, actor=actor, spec=spec, field=field, value=value)
    fld = spec.field(field)
    if fld.type not in SET_BASED or field in getattr(spec.model, "__events__", ()):
        raise BulkRefused(_("{field} can be changed on selected records only.").format(field=_(fld.label)))
    clauses = _conditions(spec, view, actor)
    table = spec.model.__table__
    col, new_text = table.c[field], audit_text(clean)
    values: dict[str, Any] = {field: clean, "version": table.c.version + 1}
    if "updated_at" in table.c:
        values["updated_at"] = func.now()
    changed, after = 0, 0
    with recording(session, actor=actor, spec=spec, kind=BULK,
                   detail={"field": field, "value": new_text, "all_matching": True}) as change_set:
        while True:
            target = (select(table.c.id, col.label("old")).where(*clauses, col.is_distinct_from(clean),
                                                                 table.c.id > after)
                      .order_by(table.c.id).limit(batch).with_for_update(of=table).cte("target"))
            moved = (update(table).where(table.c.id == target.c.id).values(**values)
                     .returning(table.c.id, target.c.old).cte("moved"))
            audit = insert(AuditLog).from_select(
                ["actor_id", "change_set_id", "table_name", "record_id", "action", "field", "old_value", "new_value"],
                select(literal(actor.id), literal(change_set.id), literal(spec.name), cast(moved.c.id, String),
                       literal("update"), literal(field), _old_text(fld.type, moved.c.old), literal(new_text))
                .select_from(moved))
            ids = [int(i) for i in session.scalars(audit.returning(AuditLog.record_id))]
            changed += len(ids)
            if len(ids) < batch:
                break
            after = max(ids)
        change_set.records = changed
    return BulkOutcome(changed, change_set.id if changed else None)

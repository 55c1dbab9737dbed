"""Bulk edit of every record matching a view (not only the page): one field, one value, as one change set.

Set-based, in the database: each batch is one statement that picks the next SQL_BATCH matching records (locking
them), changes them (version + 1) and writes their audit rows — no row travels to Python.

Up to SYNC_UP_TO records it runs in the request, in one transaction (all of it lands or none). More go through the
job queue (task BULK_TASK, queue BULK_QUEUE; registered by portal/notifications/queue.py), one transaction per
batch. Why: every changed record rewrites its entries in all the table's indexes (retailers have twenty, three of
them GIN), so on two busy cores 44,000 retailers took 18 s and 200,000 took two minutes — too long to hold a
request, and in one transaction it would hold 200,000 row locks that long, stalling everyone's edits of them. A
batch holds its locks for about a second. A job that fails is retried and carries on where it stopped (the records
already changed no longer match "is distinct from the new value"); what landed so far belongs to the change set,
which the undo panel shows as running and offers to undo once it is done.

The view's conditions are the grid's own (`where_clause`: filters, search and the rows the actor may see), so a
bulk edit never reaches a record the grid would not show; a filter that cannot be applied refuses the whole edit.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, case, cast, func, insert, literal, select, text, update
from sqlalchemy.orm import Session

from db.audit import audit_text
from db.engine import unit_of_work
from db.models import AuditLog, ChangeSet, User
from portal.access.auth import CurrentUser, PermissionDenied, require
from portal.errors import InputError
from portal.i18n import _
from portal.records.change_sets import BULK, recording
from portal.records.editing import bulk_value
from portal.records.fields import FieldType, TableSpec, get_spec
from portal.records.query import where_clause
from portal.records.restore import stored_value
from portal.records.validation import RecordInputError
from portal.records.view import ViewState

SQL_BATCH = 2_000  # records per statement: bounded memory and lock time per step, few round trips
SYNC_UP_TO = 5_000  # more matching records than this go through the job queue
BULK_QUEUE = "records"
BULK_TASK = "portal.records.bulk_edit"
log = logging.getLogger(__name__)
_DEFER = text("select procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, NULL, CAST(:args AS jsonb), "
              "NULL)::procrastinate_job_to_defer_v1])")
# types whose SQL text is what db.audit.audit_text writes (booleans are spelled out below)
SET_BASED = frozenset({FieldType.TEXT, FieldType.LONG_TEXT, FieldType.PHONE, FieldType.EMAIL, FieldType.INTEGER,
                       FieldType.DECIMAL, FieldType.DATE, FieldType.SINGLE_SELECT, FieldType.CHECKBOX,
                       FieldType.USER, FieldType.LINK})


class BulkRefused(InputError):
    """Nothing was changed; the message says why."""

    def __init__(self, message: str):
        super().__init__("bulk", message)


@dataclass(frozen=True)
class BulkOutcome:
    changed: int  # records whose value changed (the others had it already); 0 while queued
    change_set_id: int | None  # None when nothing changed
    queued: bool = False  # True: the job queue is changing them now


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


def _checked(session: Session, actor: CurrentUser, spec: TableSpec, view: ViewState, field: str,
             value: Any) -> tuple[Any, list[Any]]:
    """The value and the view's conditions, or BulkRefused / RecordInputError / PermissionDenied."""
    clean = bulk_value(session, actor=actor, spec=spec, field=field, value=value)
    fld = spec.field(field)
    if fld.type not in SET_BASED or field in getattr(spec.model, "__events__", ()):
        raise BulkRefused(_("{field} can be changed on selected records only.").format(field=_(fld.label)))
    return clean, _conditions(spec, view, actor)


def _batch(session: Session, actor: CurrentUser, spec: TableSpec, clauses: list[Any], field: str, clean: Any,
           change_set_id: int, after: int, batch: int) -> list[int]:
    """Change the next `batch` matching records with an id above `after` (one statement, audit rows included);
    their ids."""
    table = spec.model.__table__
    col, fld = table.c[field], spec.field(field)
    values: dict[str, Any] = {field: clean, "version": table.c.version + 1}
    if "updated_at" in table.c:
        values["updated_at"] = func.now()
    target = (select(table.c.id, col.label("old")).where(*clauses, col.is_distinct_from(clean), table.c.id > after)
              .order_by(table.c.id).limit(batch).with_for_update(of=table).cte("target"))
    moved = (update(table).where(table.c.id == target.c.id).values(**values)
             .returning(table.c.id, target.c.old).cte("moved"))
    audit = insert(AuditLog).from_select(
        ["actor_id", "change_set_id", "table_name", "record_id", "action", "field", "old_value", "new_value"],
        select(literal(actor.id), literal(change_set_id), literal(spec.name), cast(moved.c.id, String),
               literal("update"), literal(field), _old_text(fld.type, moved.c.old), literal(audit_text(clean)))
        .select_from(moved))
    return [int(i) for i in session.scalars(audit.returning(AuditLog.record_id))]


def bulk_update_matching(session: Session, *, actor: CurrentUser, spec: TableSpec, view: ViewState, field: str,
                         value: Any, batch: int = SQL_BATCH, sync_up_to: int = SYNC_UP_TO) -> BulkOutcome:
    """Set `field` to `value` on every record `view` matches for `actor` (those that have it already are left
    alone), as one change set: here in one transaction, or through the job queue when more than `sync_up_to`
    records match."""
    clean, clauses = _checked(session, actor, spec, view, field, value)
    detail = {"field": field, "value": audit_text(clean), "all_matching": True}
    matched = session.scalar(select(func.count()).select_from(spec.model.__table__).where(*clauses)) or 0
    if matched > sync_up_to:
        change_set = ChangeSet(actor_id=actor.id, table_name=spec.name, kind=BULK,
                               detail={**detail, "view": view.to_json(), "matched": matched})
        session.add(change_set)
        session.flush()
        session.execute(_DEFER, {"queue": BULK_QUEUE, "task": BULK_TASK,
                                 "args": json.dumps({"change_set_id": change_set.id})})
        return BulkOutcome(0, change_set.id, queued=True)
    changed, after = 0, 0
    with recording(session, actor=actor, spec=spec, kind=BULK, detail=detail) as change_set:
        while ids := _batch(session, actor, spec, clauses, field, clean, change_set.id, after, batch):
            changed, after = changed + len(ids), max(ids)
        change_set.records = changed
    return BulkOutcome(changed, change_set.id if changed else None)


def run_bulk_change(change_set_id: int, find_spec: Callable[[str], TableSpec] = get_spec,
                    batch: int = SQL_BATCH) -> int:
    """The job of a queued bulk edit: batch after batch, each in its own transaction, under the change set's id and
    its maker's permissions as they are now; returns how many records it changed."""
    with unit_of_work() as s:
        change_set = s.get(ChangeSet, change_set_id)
        if change_set is None or change_set.done_at is not None:
            return 0
        actor = CurrentUser.of(s.get(User, change_set.actor_id))
        detail, after = dict(change_set.detail), 0
    spec = find_spec(change_set.table_name)
    view = ViewState.from_json(spec, detail["view"])
    changed = 0
    while True:
        with unit_of_work(actor.id) as s:
            try:
                clean, clauses = _checked(s, actor, spec, view, detail["field"],
                                          stored_value(spec.field(detail["field"]), detail["value"]))
                ids = _batch(s, actor, spec, clauses, detail["field"], clean, change_set_id, after, batch)
            except (BulkRefused, RecordInputError, PermissionDenied) as refused:  # e.g. the maker was demoted
                log.warning("Bulk change %s stopped after %d records: %s", change_set_id, changed, refused)
                ids = []
            done = s.get(ChangeSet, change_set_id, with_for_update=True)
            done.records += len(ids)
            if not ids:
                done.done_at = func.now()
        if not ids:
            return changed
        changed, after = changed + len(ids), max(ids)

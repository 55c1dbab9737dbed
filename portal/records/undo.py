"""Undoing a bulk change or an import: every record it wrote goes back, unless someone changed it since.

What the change wrote is its change set's audit rows (portal/records/change_sets.py). A record goes back when
nobody wrote it after the change (no later audit row) and it still holds what the change wrote; otherwise it is
kept as it is and listed (title, who changed it, when). A record the import created is removed, unless it was
changed since or other records name it. Only who made the change, or a supervisor, undoes it; the fields must be
ones the undoer may change. Everything in one transaction, set-based (COPY + one UPDATE per set of fields), so
an import of 200,000 records is undone like one of ten; the undo is a change set of its own.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, any_, bindparam, delete, exists, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

import db.schema  # noqa: F401  (every table, so the records that name a created one are all found)
from db.audit import audit_text, copy_audit_rows
from db.models import AuditLog, ChangeSet
from portal.access.auth import CurrentUser, PermissionDenied
from portal.errors import InputError
from portal.i18n import _, fmt_list
from portal.records.change_sets import UNDO, UNDOABLE, may_undo, recording
from portal.records.editing import last_change, require_write
from portal.records.fields import TableSpec
from portal.records.import_write import update_by_copy
from portal.records.restore import stored_value

LIST_UP_TO = 50  # kept records named one by one (who changed each, when); the rest are counted


class UndoRefused(InputError):
    """Nothing was undone; the message says why."""

    def __init__(self, message: str):
        super().__init__("change_set", message)


@dataclass(frozen=True)
class KeptRecord:
    """A record the undo left as it is, and why."""

    record_id: int
    title: str
    reason: str
    changed_by: str | None = None
    changed_at: datetime | None = None


@dataclass
class UndoResult:
    reverted: int = 0  # records whose values went back
    removed: int = 0  # records the import created, removed again
    kept: list[KeptRecord] = field(default_factory=list)  # the first LIST_UP_TO, named
    kept_count: int = 0


@dataclass
class _Written:
    """What the change set wrote to one record."""

    fields: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # field -> (old, new)
    created: bool = False


def _written(session: Session, change_set: ChangeSet) -> tuple[dict[int, _Written], int]:
    """Per record, what the change set wrote; and its last audit row's id."""
    per_record: dict[int, _Written] = defaultdict(_Written)
    last_id = 0
    for row in session.execute(select(AuditLog.id, AuditLog.record_id, AuditLog.action, AuditLog.field,
                                      AuditLog.old_value, AuditLog.new_value)
                               .where(AuditLog.change_set_id == change_set.id).order_by(AuditLog.id)):
        last_id = max(last_id, row.id)
        written = per_record[int(row.record_id)]
        if row.field is None:  # an imported record's snapshot: created by the change, with these values
            written.created = True
            written.fields.update({k: (None, v) for k, v in json.loads(row.new_value or "{}").items()})
        else:
            old = written.fields.get(row.field, (row.old_value, None))[0]  # the first old, the last new
            written.fields[row.field] = (old, row.new_value)
    return per_record, last_id


def _array(values: list, item: type) -> Any:
    """One array parameter (`= any(...)`): a change set may name 200,000 records, more than a statement's
    parameters may be."""
    return bindparam(None, values, type_=ARRAY(item()))


def _changed_since(session: Session, spec: TableSpec, change_set: ChangeSet, ids: list[int], last_id: int) -> set:
    """The records someone wrote after the change (an audit row that is not the change's own)."""
    return {int(r) for r in session.scalars(
        select(AuditLog.record_id).distinct()
        .where(AuditLog.table_name == spec.name, AuditLog.record_id == any_(_array([str(i) for i in ids], String)),
               AuditLog.at >= change_set.at, AuditLog.id > last_id,
               or_(AuditLog.change_set_id.is_(None), AuditLog.change_set_id != change_set.id)))}


def _named_elsewhere(spec: TableSpec):
    """SQL: another table's row names this record (a created record then stays)."""
    table = spec.model.__table__
    return or_(*(exists().where(fk.parent == table.c.id) for other in table.metadata.tables.values()
                 for fk in other.foreign_keys if fk.column.table is table and other is not table))


def _check(actor: CurrentUser, spec: TableSpec, change_set: ChangeSet | None, change_set_id: int,
           per_record: dict[int, _Written]) -> None:
    if change_set is None or change_set.table_name != spec.name or change_set.kind not in UNDOABLE:
        raise UndoRefused(_("There is no such change to undo ({id}).").format(id=change_set_id))
    if not may_undo(actor, change_set):
        raise PermissionDenied(_("Only who made this change, or a supervisor, may undo it."))
    if change_set.done_at is None:
        raise UndoRefused(_("This change is still running; undo it once it is done."))
    names = {n for w in per_record.values() for n in w.fields}
    refused = sorted(_(spec.field(n).label) if spec.has_field(n) else n for n in names
                     if not spec.has_field(n) or not spec.field(n).may_edit(actor))
    if refused:
        raise UndoRefused(_("You may not change {fields}, so you cannot undo this change.").format(
            fields=fmt_list(refused)))
    if any(w.created for w in per_record.values()):
        require_write(actor, spec.create_permission or spec.edit_permission)


def undo_change_set(session: Session, *, actor: CurrentUser, spec: TableSpec, change_set_id: int) -> UndoResult:
    """Undo a bulk change or an import of `spec`'s table; records changed since are kept and listed."""
    require_write(actor, spec.edit_permission)
    change_set = session.get(ChangeSet, change_set_id, with_for_update=True)  # two undos of one change: one waits
    per_record, last_id = _written(session, change_set) if change_set is not None else ({}, 0)
    _check(actor, spec, change_set, change_set_id, per_record)
    if session.scalar(select(ChangeSet.id).where(ChangeSet.undoes_id == change_set.id)) is not None:
        raise UndoRefused(_("This change was undone already."))
    ids = sorted(per_record)
    names = sorted({n for w in per_record.values() for n in w.fields})
    scope = spec.row_scope(actor) if spec.row_scope is not None else None
    current = {r["id"]: r for r in session.execute(
        select(spec.id_column.label("id"), spec.title_of(spec.model.__table__).label("__title"),
               *(spec.column(n) for n in names))
        .where(spec.id_column == any_(_array(ids, Integer)), *([] if scope is None else [scope]))
        .order_by(spec.id_column).with_for_update(of=spec.model.__table__)).mappings()}
    since = _changed_since(session, spec, change_set, ids, last_id)
    result, kept_ids = UndoResult(), []
    groups: dict[tuple[str, ...], list[tuple[int, dict]]] = defaultdict(list)
    created: list[int] = []
    for record_id in ids:
        written, row = per_record[record_id], current.get(record_id)
        if row is None or record_id in since or any(audit_text(row[n]) != new for n, (_o, new)
                                                    in written.fields.items()):
            kept_ids.append((record_id, _("no longer there") if row is None else _("changed since")))
        elif written.created:
            created.append(record_id)
        else:
            fields = tuple(sorted(written.fields))
            groups[fields].append((record_id, {n: stored_value(spec.field(n), written.fields[n][0])
                                               for n in fields}))
    with recording(session, actor=actor, spec=spec, kind=UNDO, undoes=change_set.id,
                   detail={"undid": change_set.kind}) as undo:
        for fields, rows in groups.items():
            update_by_copy(session, spec, list(fields), rows)
            copy_audit_rows(session, ((spec.name, str(i), UNDO, n, per_record[i].fields[n][1],
                                       per_record[i].fields[n][0]) for i, _values in rows for n in fields))
            result.reverted += len(rows)
        if created:
            removed = set(session.scalars(delete(spec.model.__table__).where(
                spec.id_column == any_(_array(created, Integer)), ~_named_elsewhere(spec)).returning(spec.id_column)))
            copy_audit_rows(session, ((spec.name, str(i), "delete", n, audit_text(current[i][n]), None)
                                      for i in sorted(removed) for n in names if current[i][n] is not None))
            kept_ids += [(i, _("other records name it")) for i in created if i not in removed]
            result.removed = len(removed)
        undo.records = result.reverted + result.removed
    result.kept_count = len(kept_ids)
    for record_id, reason in kept_ids[:LIST_UP_TO]:
        who, when = last_change(session, spec, record_id)
        row = current.get(record_id)
        result.kept.append(KeptRecord(record_id, str(row["__title"]) if row else f"#{record_id}", reason, who, when))
    return result

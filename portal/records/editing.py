"""Writing records: create, update (with the version check), grid saves (all or nothing) and bulk changes.

Every write goes through ORM objects, so db/audit.py records each changed field with who and when.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.audit import audit_text
from db.models import AuditLog, User
from portal.access.auth import CurrentUser, PermissionDenied, can, require
from portal.i18n import _, fmt_datetime
from portal.records.change_sets import BULK, recording
from portal.records.fields import TableSpec
from portal.records.validation import FieldError, Lookups, RecordInputError, clean_value, validate_record


class StaleRecordError(Exception):
    """Someone saved the record after the version the user was editing; nothing was written."""

    def __init__(self, spec: TableSpec, record_id: int, title: str, changed_by: str | None,
                 changed_at: datetime | None):
        self.record_id, self.changed_by, self.changed_at = record_id, changed_by, changed_at
        who = changed_by or _("someone else")
        when = fmt_datetime(changed_at) if changed_at else ""
        super().__init__(_("{record} “{title}” was changed by {who} {when} after you opened it. Nothing was saved; "
                           "your input is kept.").format(record=_(spec.record_label), title=title, who=who,
                                                         when=when).replace("  ", " "))


@dataclass
class RowProblem:
    """Why one row of a grid save was refused: field errors, or a stale version."""

    record_id: int
    errors: list[FieldError]
    stale: StaleRecordError | None = None


class GridSaveError(Exception):
    """A grid save was refused (nothing written); `problems` lists each row's reasons."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__(f"{len(problems)} rows refused")
        self.problems = problems


def require_write(actor: CurrentUser | None, permission: str | None) -> None:
    """Raise PermissionDenied unless `actor` holds `permission` (a table without one is read-only)."""
    if permission is None:
        raise PermissionDenied("read-only")
    require(actor, permission)


def may_write(actor: CurrentUser | None, permission: str | None) -> bool:
    """Whether `actor` may write where `permission` is needed (the UI's question; domain code requires)."""
    return permission is not None and can(actor, permission)


def last_change(session: Session, spec: TableSpec, record_id: int) -> tuple[str | None, datetime | None]:
    """Who last changed a record and when, from the audit log."""
    row = session.execute(
        select(User.name, AuditLog.at).outerjoin(User, User.id == AuditLog.actor_id)
        .where(AuditLog.table_name == spec.name, AuditLog.record_id == str(record_id))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(1)).first()
    return (row.name, row.at) if row else (None, None)


def _stale(session: Session, spec: TableSpec, obj: Any) -> StaleRecordError:
    who, when = last_change(session, spec, obj.id)
    return StaleRecordError(spec, obj.id, str(getattr(obj, spec.title_field)), who, when)


def check_unique(session: Session, spec: TableSpec, values: Mapping[str, Any],
                 record_id: int | None) -> list[FieldError]:
    """The natural key must stay unique: an error naming the record that already has it."""
    key = spec.key_field
    if not key or values.get(key) is None:
        return []
    col = spec.column(key)
    clash = session.execute(select(spec.id_column, spec.column(spec.title_field)).where(
        col == values[key], spec.id_column != (record_id or -1))).first()
    if clash is None:
        return []
    return [FieldError(key, _("“{value}” already belongs to “{title}”.").format(value=values[key], title=clash[1]))]


def _refuse_uneditable(spec: TableSpec, actor: CurrentUser, names: list[str]) -> list[FieldError]:
    return [FieldError(n, _("You may not change this field.")) for n in names if not spec.field(n).may_edit(actor)]


def create_record(session: Session, *, actor: CurrentUser, spec: TableSpec, values: Mapping[str, Any],
                  lookups: Lookups | None = None) -> Any:
    """Create a record from entered values; RecordInputError says which fields are wrong."""
    require_write(actor, spec.create_permission or spec.edit_permission)
    provided = {k: v for k, v in values.items() if v not in (None, "", [])}
    clean, errors = validate_record(spec, provided, creating=True, lookups=lookups or Lookups(session))
    errors += _refuse_uneditable(spec, actor, list(clean)) + check_unique(session, spec, clean, None)
    if errors:
        raise RecordInputError(errors)
    obj = spec.model(**clean)
    session.add(obj)
    session.flush()
    return obj


def _changes(spec: TableSpec, obj: Any, values: Mapping[str, Any], lookups: Lookups) -> tuple[dict, list]:
    clean, errors = validate_record(spec, values, creating=False, lookups=lookups)
    changed = {k: v for k, v in clean.items() if getattr(obj, k) != v}
    return changed, errors


def update_record(session: Session, *, actor: CurrentUser, spec: TableSpec, record_id: int, version: int,
                  values: Mapping[str, Any], lookups: Lookups | None = None) -> Any:
    """Change a record; refused (StaleRecordError) when it was saved by someone since `version` was read."""
    require_write(actor, spec.edit_permission)
    obj = session.get(spec.model, record_id, with_for_update=True)
    if obj is None:
        raise RecordInputError([FieldError("id", _("This record no longer exists."))])
    changed, errors = _changes(spec, obj, values, lookups or Lookups(session))
    if changed and obj.version != version:
        raise _stale(session, spec, obj)
    errors += _refuse_uneditable(spec, actor, list(changed)) + check_unique(session, spec, changed, obj.id)
    if errors:
        raise RecordInputError(errors)
    for name, value in changed.items():
        setattr(obj, name, value)
    session.flush()
    return obj


def save_edits(session: Session, *, actor: CurrentUser, spec: TableSpec,
               edits: Mapping[int, tuple[int, Mapping[str, Any]]]) -> int:
    """Save grid edits {record id: (version seen, {field: value})} all together, or none (GridSaveError)."""
    lookups = Lookups(session)
    problems: list[RowProblem] = []
    for record_id, (version, values) in edits.items():
        try:
            with session.begin_nested():
                update_record(session, actor=actor, spec=spec, record_id=record_id, version=version,
                              values=values, lookups=lookups)
        except RecordInputError as exc:
            problems.append(RowProblem(record_id, exc.errors))
        except StaleRecordError as exc:
            problems.append(RowProblem(record_id, [], exc))
    if problems:
        raise GridSaveError(problems)
    return len(edits)


def bulk_value(session: Session, *, actor: CurrentUser, spec: TableSpec, field: str, value: Any) -> Any:
    """The checked value of a bulk change of `field`: refused unless the field is offered for bulk changes and the
    actor may change it."""
    fld = spec.field(field)
    require_write(actor, spec.edit_permission)
    if not fld.bulk_editable or not fld.may_edit(actor):
        raise RecordInputError([FieldError(field, _("You may not change this field."))])
    if fld.edit_permission:
        require(actor, fld.edit_permission)
    try:
        return clean_value(fld, value, Lookups(session))
    except ValueError as exc:
        raise RecordInputError([FieldError(field, str(exc))]) from None


def bulk_update(session: Session, *, actor: CurrentUser, spec: TableSpec, record_ids: list[int], field: str,
                value: Any) -> int:
    """Set one field on many records (each change audited per record, all as one change set that can be undone);
    returns how many changed."""
    clean = bulk_value(session, actor=actor, spec=spec, field=field, value=value)
    objs = session.scalars(select(spec.model).where(spec.id_column.in_(record_ids))
                           .order_by(spec.id_column).with_for_update()).all()
    changed = [o for o in objs if getattr(o, field) != clean]
    if not changed:
        return 0
    with recording(session, actor=actor, spec=spec, kind=BULK,
                   detail={"field": field, "value": audit_text(clean)}) as change_set:
        for obj in changed:
            setattr(obj, field, clean)
        change_set.records = len(changed)
    return len(changed)

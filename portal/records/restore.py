"""Restoring a record to an earlier version, read back from its history (the audit log).

A record's versions are its recorded changes, oldest first: version 1 is how it was created (or first recorded),
version N how it was after the N-th change. A field's value at version N is the old value of its first change
after N, or its value now when it has not changed since. A restore is an ordinary edit (`update_record`: the
version check, validation, permissions), recorded as a change set that the history shows as "restored version N".
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from db.audit import audit_text
from db.models import AuditLog, User
from portal.access.auth import CurrentUser, require
from portal.i18n import _
from portal.records.change_sets import RESTORE, recording
from portal.records.editing import require_write, update_record
from portal.records.fields import Field, FieldType, TableSpec
from portal.records.validation import FieldError, Lookups, RecordInputError
from portal.records.values import parse_value


@dataclass(frozen=True)
class Version:
    """One recorded change of a record: the record as it was right after it."""

    number: int
    at: datetime
    actor: str
    last_audit_id: int


@dataclass(frozen=True)
class RestorePlan:
    """What restoring a version would do: the values that go back, and the fields left as they are."""

    version: int
    values: dict[str, Any]  # field -> the value it had then (only fields that differ now)
    not_restored: list[str]  # fields that differ but the user may not change (names)


def record_versions(session: Session, *, actor: CurrentUser, spec: TableSpec, record_id: int) -> list[Version]:
    """The record's versions, oldest first (one per recorded change: same time, same person, same change set)."""
    require(actor, spec.view_permission)
    rows = session.execute(
        select(AuditLog.at, func.max(User.name), func.max(AuditLog.id))
        .outerjoin(User, User.id == AuditLog.actor_id)
        .where(AuditLog.table_name == spec.name, AuditLog.record_id == str(record_id))
        .group_by(AuditLog.at, AuditLog.actor_id, AuditLog.change_set_id)
        .order_by(func.min(AuditLog.id))).all()
    return [Version(n, at, name or _("System"), last) for n, (at, name, last) in enumerate(rows, start=1)]


def stored_value(field: Field, text: str | None) -> Any:
    """The typed value an audit text stands for (the inverse of `db.audit.audit_text`)."""
    if text is None:
        return [] if field.type is FieldType.MULTI_SELECT else None
    if field.type in (FieldType.USER, FieldType.LINK):
        return int(text)
    if field.type is FieldType.MULTI_SELECT:
        return json.loads(text)
    return parse_value(field, text)


def _restorable(spec: TableSpec) -> list[Field]:
    return [f for f in spec.fields if f.compute is None and f.edit_permission is not None]


def restore_plan(session: Session, *, actor: CurrentUser, spec: TableSpec, record_id: int,
                 number: int) -> RestorePlan:
    """What restoring version `number` would change now (no writes)."""
    require(actor, spec.view_permission)
    versions = record_versions(session, actor=actor, spec=spec, record_id=record_id)
    if not 1 <= number <= len(versions):
        raise RecordInputError([FieldError("id", _("There is no version {n} of this record.").format(n=number))])
    fields = _restorable(spec)
    # each field's first change after that version: its old value is the value it had then
    later = dict(session.execute(
        select(AuditLog.field, AuditLog.old_value).ext(distinct_on(AuditLog.field))
        .where(AuditLog.table_name == spec.name, AuditLog.record_id == str(record_id),
               AuditLog.id > versions[number - 1].last_audit_id, AuditLog.field.in_([f.name for f in fields]))
        .order_by(AuditLog.field, AuditLog.id)).all())
    current = session.execute(select(*(spec.column(f.name) for f in fields))
                              .where(spec.id_column == record_id)).mappings().first() or {}
    values, not_restored = {}, []
    for field in fields:
        if field.name not in later or later[field.name] == audit_text(current.get(field.name)):
            continue
        if field.may_edit(actor):
            values[field.name] = stored_value(field, later[field.name])
        else:
            not_restored.append(field.name)
    return RestorePlan(number, values, not_restored)


def restore_version(session: Session, *, actor: CurrentUser, spec: TableSpec, record_id: int, number: int,
                    version_seen: int, lookups: Lookups | None = None) -> RestorePlan:
    """Put back the values of version `number` the actor may change, as one change recorded as a restore.

    Refused (StaleRecordError, nothing written) when the record was saved since `version_seen` was read; a value
    that no longer passes the field's rules refuses the whole restore (RecordInputError says which).
    """
    require_write(actor, spec.edit_permission)
    plan = restore_plan(session, actor=actor, spec=spec, record_id=record_id, number=number)
    if not plan.values:
        return plan  # nothing the actor may change differs: nothing to write
    with recording(session, actor=actor, spec=spec, kind=RESTORE, detail={"version": number}) as change_set:
        update_record(session, actor=actor, spec=spec, record_id=record_id, version=version_seen,
                      values=plan.values, lookups=lookups)
        change_set.records = 1
    return plan

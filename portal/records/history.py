"""A record's history from the audit log: who changed which field when, old → new, in the reader's language."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models import AuditLog, ChangeSet, User
from portal.access.auth import CurrentUser, require
from portal.i18n import N_, _, fmt_date, fmt_datetime
from portal.inputs import INT8_MAX, parse_int
from portal.records.change_sets import BULK, RESTORE, UNDO, kind_text
from portal.records.fields import Field, FieldType, TableSpec, get_spec
from portal.records.query import MASK
from portal.records.validation import Lookups

ACTION_LABELS = {"insert": N_("created"), "update": N_("changed"), "import": N_("imported"), "delete": N_("deleted"),
                 "undo": N_("undone")}


@dataclass(frozen=True)
class Change:
    """One changed field in the history: raw values are already turned into text for the reader."""

    at: datetime
    actor: str
    action: str  # translated
    field: str  # the field name
    label: str  # translated field label
    old: str
    new: str


def mask_text(field: Field, text: str) -> str:
    """The masked form of a stored value (the same shape as the SQL mask)."""
    if field.type is FieldType.PHONE and len(text) > 7:
        return text[:3] + "****" + text[-4:]
    if field.type is FieldType.EMAIL and "@" in text:
        return text[0] + "***@" + text.split("@", 1)[1]
    return MASK


def _load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _link_title(session: Session, field: Field, text: str) -> str:
    linked = get_spec(field.link_table or "")
    title = session.scalar(select(linked.column(linked.title_field)).where(linked.id_column == int(text)))
    return str(title) if title is not None else f"#{text}"


def display_text(session: Session, field: Field, text: str | None, lookups: Lookups,
                 actor: CurrentUser | None) -> str:
    """How an audit-log value of `field` reads for `actor` (labels, names, local dates, masked if hidden)."""
    if text is None:
        return ""
    if not field.may_view(actor):
        return mask_text(field, text)
    shown: dict[FieldType, Callable[[], str]] = {
        FieldType.CHECKBOX: lambda: _("Yes") if text == "true" else _("No"),
        FieldType.SINGLE_SELECT: lambda: _(c.label) if (c := field.choice(text)) else text,
        FieldType.MULTI_SELECT: lambda: ", ".join(_(c.label) if (c := field.choice(v)) else str(v)
                                                  for v in _load_json(text) or []),
        FieldType.USER: lambda: lookups.user_label(user_id) if (user_id := parse_int(text)) else text,
        FieldType.LINK: lambda: _link_title(session, field, text) if parse_int(text, high=INT8_MAX) else text,
        FieldType.DATETIME: lambda: fmt_datetime(datetime.fromisoformat(text)),
        FieldType.DATE: lambda: fmt_date(date.fromisoformat(text)),
    }
    try:
        return shown[field.type]() if field.type in shown else text
    except ValueError:
        return text


def record_history(session: Session, *, actor: CurrentUser, spec: TableSpec, record_id: int,
                   fields: tuple[str, ...] | None = None) -> list[Change]:
    """Every audited change of one record (newest first), optionally only of `fields`."""
    require(actor, spec.view_permission)
    stmt = (select(AuditLog, User.name, ChangeSet.kind, ChangeSet.detail)
            .outerjoin(User, User.id == AuditLog.actor_id).outerjoin(ChangeSet, ChangeSet.id == AuditLog.change_set_id)
            .where(AuditLog.table_name == spec.name, AuditLog.record_id == str(record_id))
            .order_by(AuditLog.at.desc(), AuditLog.id.desc()))
    if fields:  # snapshot rows of imported records have no field: they may hold these fields too
        stmt = stmt.where(or_(AuditLog.field.in_(fields), AuditLog.field.is_(None)))
    lookups = Lookups(session)
    changes = []
    for entry, name, kind, detail in session.execute(stmt).all():
        who = name or _("System")
        action = _(ACTION_LABELS.get(entry.action, entry.action))
        if kind in (RESTORE, UNDO):  # "restored version 3", "undone"
            action = kind_text(kind, detail or {})
        elif kind == BULK:
            action = _("changed in a bulk change")
        for field_name, old, new in _entry_fields(entry):
            field = spec.field(field_name) if field_name and spec.has_field(field_name) else None
            if field_name and field is None:
                continue  # bookkeeping columns (version, timestamps) are not shown
            if fields and field_name not in fields:
                continue
            changes.append(Change(
                at=entry.at, actor=who, action=action, field=field_name or "",
                label=_(field.label) if field else "",
                old=display_text(session, field, old, lookups, actor) if field else (old or ""),
                new=display_text(session, field, new, lookups, actor) if field else (new or "")))
    return changes


def _entry_fields(entry: AuditLog) -> list[tuple[str | None, str | None, str | None]]:
    """(field, old, new) of an audit row; a bulk insert's snapshot row (no field, JSON values) is unfolded."""
    if entry.field is None and entry.action in ("insert", "import") and (entry.new_value or "").startswith("{"):
        values = _load_json(entry.new_value)
        if isinstance(values, dict):
            return [(k, None, v) for k, v in values.items()]
    return [(entry.field, entry.old_value, entry.new_value)]

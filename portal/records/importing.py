"""Importing a file into a table: map columns to fields, check every row, then upsert by the natural key.

`check_import` validates everything and writes nothing; it lists each field the import would change
(record, field, stored → file value) for the user to look over, and refuses rows whose record was changed
after the file was exported (the export's record version column says which version the row was read at).
`apply_import` writes all valid rows in one transaction (or nothing when the file has errors, unless the user
chose "valid rows only"), with COPY for speed and one audit row per changed field, marked "import"; it refuses
when a record changed after the check.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from portal.access.auth import CurrentUser
from portal.i18n import LANGUAGES, _, catalog
from portal.records.editing import require_write
from portal.records.exporting import VERSION_HEADER
from portal.records.fields import FieldType, TableSpec
from portal.records.tabular import Sheet
from portal.records.validation import Lookups, validate_record, value_cleaner

Progress = Callable[[float, str], None]
CHUNK = 2000


@dataclass(frozen=True)
class RowError:
    """One problem in the file: spreadsheet row number (1 = header), field label, what is wrong."""

    row: int
    field: str
    message: str


@dataclass(frozen=True)
class FieldChange:
    """One field an import would change: file row, record, its key, field name, stored value → file value."""

    row: int
    record_id: int
    key: Any
    field: str
    old: Any
    new: Any


@dataclass
class ImportPlan:
    """What importing a checked file would do; nothing is written until `apply_import`."""

    table: str
    key_field: str
    fields: list[str]  # mapped field names
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # valid rows: (row number, values)
    errors: list[RowError] = field(default_factory=list)
    total_rows: int = 0
    new_keys: set[Any] = field(default_factory=set)
    changes: list[FieldChange] = field(default_factory=list)  # what the valid rows change in existing records
    versions: dict[int, int] = field(default_factory=dict)  # record id -> its version when checked

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def file_errors(self) -> list[RowError]:
        """Problems with the columns themselves (row 1): these block even "valid rows only"."""
        return [e for e in self.errors if e.row == 1]

    @property
    def to_insert(self) -> int:
        return sum(1 for _n, values in self.rows if values[self.key_field] in self.new_keys)


def _normal(text: str) -> str:
    return re.sub(r"[\s*＊:：_]+", "", text).casefold()


def importable_fields(spec: TableSpec, actor: CurrentUser) -> list[str]:
    """Fields a file may set: those the actor may edit."""
    return [f.name for f in spec.fields if f.may_edit(actor)]


def auto_mapping(spec: TableSpec, headers: list[str], actor: CurrentUser) -> list[str | None]:
    """For each column header, the field it names (by field name, label in any language, or alias), or None."""
    names: dict[str, str] = {}
    for name in importable_fields(spec, actor):
        fld = spec.field(name)
        spellings = [fld.name, fld.label, *fld.aliases, *(catalog(lang).get(fld.label, "") for lang in LANGUAGES)]
        for spelling in spellings:
            if spelling:
                names.setdefault(_normal(spelling), name)
    mapping: list[str | None] = []
    for header in headers:
        name = names.get(_normal(header))
        mapping.append(name if name and name not in mapping else None)
    return mapping


def _header_errors(spec: TableSpec, actor: CurrentUser, mapped: list[str]) -> list[RowError]:
    errors = []
    for name in mapped:
        if not spec.field(name).may_edit(actor):
            errors.append(RowError(1, _(spec.field(name).label), _("You may not change this field; do not map it.")))
    if spec.key_field and spec.key_field not in mapped:
        errors.append(RowError(1, _(spec.field(spec.key_field).label),
                               _("Map a column to this field: rows are matched to records by it.")))
    return errors


def _missing_for_new(spec: TableSpec, mapped: list[str]) -> list[str]:
    """Required fields new records need that no column provides (and the database cannot fill)."""
    return [f.name for f in spec.fields if f.required and f.name not in mapped and not spec.has_default(f.name)]


def key_in(spec: TableSpec, keys: list[Any]) -> ColumnElement[bool]:
    """`key = ANY(array)`: one bound array, however many keys (an IN list of 50,000 is slow to send)."""
    col = spec.column(spec.key_field or "id")
    return col == any_(bindparam("keys", keys, type_=ARRAY(col.type)))


def current_rows(session: Session, spec: TableSpec, cols: list[str], keys: list[Any], *,
                 lock: bool = False) -> dict[Any, Any]:
    """The stored records with these keys (id, version and `cols`), by key; `lock`: FOR UPDATE."""
    if not keys:
        return {}
    table, key = spec.model.__table__, spec.key_field or "id"
    stmt = select(table.c.id, table.c.version, *(table.c[c] for c in dict.fromkeys([key, *cols]) if c != "id"))
    stmt = stmt.where(key_in(spec, keys))
    return {r[key]: r for r in session.execute(stmt.with_for_update() if lock else stmt).mappings()}


def changed_fields(stored: Any, values: dict[str, Any], cols: list[str]) -> list[str]:
    """The fields of `cols` whose file value differs from the stored one."""
    return [c for c in cols if stored[c] != values[c]]


def version_column(headers: list[str]) -> int | None:
    """The position of the export's record version column in a file's header, if it has one."""
    spellings = {_normal(s) for s in ("version", VERSION_HEADER, *(catalog(lang).get(VERSION_HEADER, "")
                                                                  for lang in LANGUAGES)) if s}
    return next((i for i, h in enumerate(headers) if _normal(h) in spellings), None)


def _version(raw: Any) -> int | None:
    text = str(raw).strip().removesuffix(".0") if raw is not None else ""
    return int(text) if text.isascii() and text.isdecimal() and len(text) < 10 else None


def _compare(session: Session, spec: TableSpec, plan: ImportPlan, exported: dict[int, int | None]) -> None:
    """List what each valid row changes; refuse rows whose record changed after the file was exported."""
    current = current_rows(session, spec, plan.fields, [values[plan.key_field] for _n, values in plan.rows])
    plan.new_keys = {values[plan.key_field] for _n, values in plan.rows} - set(current)
    stale = set()
    for number, values in plan.rows:
        stored = current.get(values[plan.key_field])
        if stored is None:
            continue
        plan.versions[stored["id"]] = stored["version"]
        diff = changed_fields(stored, values, plan.fields)
        file_version = exported.get(number)
        if diff and file_version is not None and file_version < stored["version"]:
            stale.add(number)
            plan.errors.append(RowError(number, _(VERSION_HEADER), _(
                "The record was changed in the portal after this file was exported (version {then}, now {now}); "
                "importing the row would undo that change. Export again, or leave this row out.").format(
                    then=file_version, now=stored["version"])))
            continue
        plan.changes += [FieldChange(number, stored["id"], values[plan.key_field], c, stored[c], values[c])
                         for c in diff]
    plan.rows = [(n, v) for n, v in plan.rows if n not in stale]


def check_import(session: Session, *, actor: CurrentUser, spec: TableSpec, sheet: Sheet,
                 mapping: list[str | None], progress: Progress | None = None) -> ImportPlan:
    """Validate every row of `sheet` under `mapping` (column -> field); nothing is written."""
    require_write(actor, spec.edit_permission)
    columns = [(i, name) for i, name in enumerate(mapping) if name]
    mapped = [name for _i, name in columns]
    key = spec.key_field or ""
    plan = ImportPlan(table=spec.name, key_field=key, fields=mapped, total_rows=len(sheet.rows))
    plan.errors += _header_errors(spec, actor, mapped)
    if plan.errors:
        return plan
    lookups = Lookups(session)
    for i, name in columns:
        if spec.field(name).type is FieldType.LINK:
            values = {str(cells[i]) for _n, cells in sheet.rows if i < len(cells) and cells[i] is not None}
            lookups.prefetch_links(spec.field(name).link_table or "", values)
    cleaners = {name: value_cleaner(spec.field(name), lookups) for name in mapped}
    first_row: dict[Any, int] = {}
    at = version_column(sheet.headers)
    exported = {n: _version(cells[at]) for n, cells in sheet.rows if at is not None and at < len(cells)}
    for done, (number, cells) in enumerate(sheet.rows):
        raw = {name: cells[i] if i < len(cells) else None for i, name in columns}
        clean, errors = validate_record(spec, raw, creating=False, lookups=lookups, cleaners=cleaners)
        for e in errors:
            plan.errors.append(RowError(number, _(spec.field(e.field).label), e.message))
        key_value = clean.get(key)
        if key_value is not None and key_value in first_row:
            plan.errors.append(RowError(number, _(spec.field(key).label), _("“{value}” is also in row {row}.")
                                        .format(value=key_value, row=first_row[key_value])))
        elif key_value is not None:
            first_row[key_value] = number
        if not errors and key_value is not None and first_row[key_value] == number:
            plan.rows.append((number, clean))
        if progress and done % CHUNK == 0:
            progress(0.9 * done / max(len(sheet.rows), 1), _("Checking row {row}…").format(row=number))
    _compare(session, spec, plan, exported)
    missing = _missing_for_new(spec, mapped)
    if plan.new_keys and missing:
        labels = ", ".join(_(spec.field(m).label) for m in missing)
        for number, values in plan.rows:
            if values[key] in plan.new_keys:
                plan.errors.append(RowError(number, labels, _("A new record needs these fields; the file has no "
                                                              "column for them.")))
        plan.rows = [(n, v) for n, v in plan.rows if v[key] not in plan.new_keys]
        plan.new_keys = set()
    if progress:
        progress(1.0, _("Checked {rows} rows.").format(rows=len(sheet.rows)))
    return plan

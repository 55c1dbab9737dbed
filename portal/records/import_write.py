"""Writing a checked import: new records by COPY, changed ones by COPY + one UPDATE, audit rows by COPY.

All in the caller's transaction: either every valid row lands (with its history) or nothing does. History
rows say "import" (not an edit in the portal); a record changed after the file was checked stops the import.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from db.audit import audit_text, copy_audit_rows
from portal.access.auth import CurrentUser
from portal.i18n import _
from portal.records.bulk import copy_rows, reserve_ids
from portal.records.change_sets import IMPORT, recording
from portal.records.editing import require_write
from portal.records.fields import TableSpec
from portal.records.importing import ImportPlan, Progress, changed_fields, current_rows


class ImportRefused(ValueError):
    """Nothing was imported; the message says why."""


@dataclass(frozen=True)
class ImportResult:
    inserted: int
    updated: int
    unchanged: int
    skipped: int  # rows with errors left out ("valid rows only")


def _python_defaults(spec: TableSpec, mapped: list[str]) -> dict[str, Any]:
    """Scalar Python-side defaults of unmapped columns (COPY only applies server defaults)."""
    table = spec.model.__table__
    return {c.name: c.default.arg for c in table.columns
            if c.name not in mapped and c.name != "id" and c.default is not None and c.default.is_scalar
            and c.server_default is None}


def _insert(session: Session, spec: TableSpec, cols: list[str], rows: list[dict[str, Any]]) -> Iterator[tuple]:
    """COPY new records with reserved ids; yields their audit rows."""
    defaults = _python_defaults(spec, cols)
    all_cols = ["id", *cols, *defaults]
    ids = reserve_ids(session, spec.name, len(rows))
    copy_rows(session, spec.name, all_cols,
              ([i, *(v[c] for c in cols), *defaults.values()] for i, v in zip(ids, rows, strict=True)))
    # one audit row per new record holding all its values (history shows them field by field): a tenth of
    # the rows one per field would take, which is most of an import's writing time
    return ((spec.name, str(i), IMPORT, None, None, snapshot(v))
            for i, v in zip(ids, rows, strict=True))


def snapshot(values: dict[str, Any]) -> str:
    """A new record's values as one audit text (JSON of audit texts, empty values left out)."""
    return json.dumps({k: audit_text(v) for k, v in values.items() if v is not None}, ensure_ascii=False)


def update_by_copy(session: Session, spec: TableSpec, cols: list[str],
                   rows: list[tuple[int, dict[str, Any]]]) -> None:
    """COPY changed records into a temporary table, then change them with one UPDATE (version + 1); no audit rows
    (the caller writes them)."""
    tmp = f"_import_{spec.name}"
    session.execute(text(f"DROP TABLE IF EXISTS {tmp}"))
    session.execute(text(f"CREATE TEMP TABLE {tmp} ON COMMIT DROP AS "
                         f"SELECT id, {', '.join(cols)} FROM {spec.name} WITH NO DATA"))
    copy_rows(session, tmp, ["id", *cols], ([i, *(v[c] for c in cols)] for i, v in rows))
    sets = [f"{c} = u.{c}" for c in cols] + ["version = t.version + 1"]
    if "updated_at" in spec.model.__table__.c:
        sets.append("updated_at = now()")
    session.execute(text(f"UPDATE {spec.name} AS t SET {', '.join(sets)} FROM {tmp} AS u WHERE t.id = u.id"))


def _write(session: Session, spec: TableSpec, cols: list[str], inserts: list[dict[str, Any]],
           updates: list[tuple[int, dict[str, Any]]], audit: list[tuple], report: Progress) -> None:
    report(0.3, _("Adding {n} new records…").format(n=len(inserts)))
    inserted_audit = _insert(session, spec, cols, inserts) if inserts else iter(())
    report(0.6, _("Updating {n} records…").format(n=len(updates)))
    if updates:
        update_by_copy(session, spec, cols, updates)
    report(0.8, _("Writing history…"))
    copy_audit_rows(session, inserted_audit)
    copy_audit_rows(session, audit)


def apply_import(session: Session, *, actor: CurrentUser, spec: TableSpec, plan: ImportPlan,
                 valid_only: bool = False, progress: Progress | None = None) -> ImportResult:
    """Write a checked plan: refused while it has errors unless `valid_only` (then bad rows are skipped)."""
    require_write(actor, spec.edit_permission)
    if plan.file_errors or (plan.errors and not valid_only):
        raise ImportRefused(_("The file has problems in {rows} rows; nothing was imported. Fix them, or choose to "
                              "import the valid rows only.").format(rows=plan.bad_rows))
    report = progress or (lambda _f, _m: None)
    cols, key = plan.fields, plan.key_field
    current = current_rows(session, spec, cols, [v[key] for _n, v in plan.rows], lock=True)
    moved = sum(1 for r in current.values() if plan.versions.get(r["id"], -1) != r["version"])
    if moved:  # changed since the check, or created since (then the check saw no version)
        raise ImportRefused(_("{n} records were changed in the portal after you checked the file; nothing was "
                              "imported. Check every row again to see what the import would change now.")
                            .format(n=moved))
    report(0.1, _("Comparing with the directory…"))
    inserts, updates, audit = [], [], []
    for _number, values in plan.rows:
        row = current.get(values[key])
        if row is None:
            inserts.append(values)
            continue
        diff = changed_fields(row, values, cols)
        if diff:
            updates.append((row["id"], values))
            audit += [(spec.name, str(row["id"]), IMPORT, c, audit_text(row[c]), audit_text(values[c]))
                      for c in diff]
    if inserts or updates:  # one change set, so that the whole import can be undone (portal/records/undo.py)
        with recording(session, actor=actor, spec=spec, kind=IMPORT,
                       detail={"inserted": len(inserts), "updated": len(updates)}) as change_set:
            _write(session, spec, cols, inserts, updates, audit, report)
            change_set.records = len(inserts) + len(updates)
    report(1.0, _("Done."))
    return ImportResult(inserted=len(inserts), updated=len(updates),
                        unchanged=len(plan.rows) - len(inserts) - len(updates), skipped=plan.bad_rows)

"""Export the current view to CSV/XLSX, and import a file: upload, map columns, check, then import."""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.center_time import today
from portal.i18n import _, current_language, set_language
from portal.records.editing import may_write
from portal.records.exporting import EXPORTERS, MIME_TYPES
from portal.records.fields import Field, FieldType, TableSpec
from portal.records.import_write import ImportRefused, apply_import
from portal.records.importing import ImportPlan, auto_mapping, check_import, importable_fields
from portal.records.tabular import MAX_BYTES, ImportFileError, Sheet, read_table_file
from portal.records.validation import Lookups
from portal.records.view import ViewState
from portal.ui.grid import flash, reset_editor
from portal.ui.tables import data_editor, data_table
from portal.ui.text import plain
from portal.ui.view_state import key

ERRORS_SHOWN = 500
CHANGES_SHOWN = 500
PREVIEW_ROWS = 10


def _export(spec: TableSpec, user: CurrentUser, view: ViewState, fmt: str, language: str) -> bytes:
    set_language(language)  # a download runs outside the script run: take the reader's language along
    with unit_of_work(user.id) as s:
        return EXPORTERS[fmt](s, actor=user, spec=spec, view=view)


def export_buttons(spec: TableSpec, user: CurrentUser, view: ViewState) -> None:
    """Download the view as it is filtered and sorted, with its visible columns (file made on click)."""
    stem = f"{spec.name}-{today().isoformat()}"
    language = current_language()
    for fmt in ("csv", "xlsx"):
        st.download_button(_("Export {format}").format(format=fmt.upper()), key=key(spec, f"export.{fmt}"),
                           data=lambda fmt=fmt: _export(spec, user, view, fmt, language),
                           file_name=f"{stem}.{fmt}", mime=MIME_TYPES[fmt], icon=":material/download:",
                           on_click="ignore")


def _sheet(spec: TableSpec, upload) -> Sheet | None:
    """The uploaded file read once (kept for its reruns), or None after showing why it cannot be read."""
    cache = key(spec, "import.sheet")
    if st.session_state.get(cache, (None,))[0] != upload.file_id:
        try:
            sheet = read_table_file(upload.name, upload.getvalue())
        except ImportFileError as exc:
            st.error(plain(exc), icon=":material/error:")
            return None
        st.session_state[cache] = (upload.file_id, sheet)
        st.session_state.pop(key(spec, "import.plan"), None)
    return st.session_state[cache][1]


def _mapping(spec: TableSpec, user: CurrentUser, sheet: Sheet) -> list[str | None]:
    """Column → field, auto-matched by name or label (English or Chinese), adjustable in a small table."""
    fields = importable_fields(spec, user)
    first = sheet.rows[0][1] if sheet.rows else []
    frame = pd.DataFrame({
        "column": sheet.headers,
        "sample": [str(first[i]) if i < len(first) and first[i] is not None else "" for i in range(len(sheet.headers))],
        "field": pd.Series(auto_mapping(spec, sheet.headers, user), dtype="object"),
    })
    edited = data_editor(frame, key=key(spec, "import.mapping"), hide_index=True, num_rows="fixed",
                         disabled=["column", "sample"], alt=_("Column mapping"), column_config={
                             "column": st.column_config.TextColumn(_("Column in the file")),
                             "sample": st.column_config.TextColumn(_("First row")),
                             "field": st.column_config.SelectboxColumn(
                                 _("Imported into"), options=fields,
                                 format_func=lambda n: _(spec.field(n).label))})
    return [n if isinstance(n, str) and n else None for n in edited["field"]]


def _shown(field: Field, value: Any, lookups: Lookups) -> str:
    """A checked value as people read it (labels and names, not codes)."""
    if value is None:
        return ""
    if field.type is FieldType.USER:
        return lookups.user_label(value)
    if field.type is FieldType.CHECKBOX:
        return _("Yes") if value else _("No")
    if field.choices:
        return ", ".join(_(c.label) if (c := field.choice(v)) else str(v)
                         for v in (value if isinstance(value, list) else [value]))
    return str(value)


def _preview(spec: TableSpec, plan: ImportPlan, lookups: Lookups) -> None:
    """The first new records as they will be stored."""
    fields = [spec.field(n) for n in plan.fields]
    rows = [[number, *(_shown(f, values.get(f.name), lookups) for f in fields)]
            for number, values in plan.rows if values[plan.key_field] in plan.new_keys][:PREVIEW_ROWS]
    if not rows:
        return
    st.caption(_("The first new records as they will be imported:"))
    data_table(pd.DataFrame(rows, columns=[_("Row"), *(_(f.label) for f in fields)]), hide_index=True,
              alt=_("Preview of the import"))


def _changes(spec: TableSpec, plan: ImportPlan, lookups: Lookups) -> None:
    """Every field the import changes in an existing record: record, field, now → after the import."""
    if not plan.changes:
        if len(plan.rows) > plan.to_insert:
            st.caption(_("The existing records in the file are unchanged."))
        return
    st.caption(_("The import will change {n} fields of existing records:").format(n=len(plan.changes)))
    rows = [(c.row, str(c.key), _(spec.field(c.field).label), _shown(spec.field(c.field), c.old, lookups),
             _shown(spec.field(c.field), c.new, lookups)) for c in plan.changes[:CHANGES_SHOWN]]
    data_table(pd.DataFrame(rows, columns=[_("Row"), _(spec.field(plan.key_field).label), _("Field"),
                                          _("Now"), _("After the import")]),
              hide_index=True, alt=_("Changes the import will make"))
    if len(plan.changes) > CHANGES_SHOWN:
        st.caption(_("Showing the first {n} of {total} changes.").format(n=CHANGES_SHOWN, total=len(plan.changes)))


def _report(spec: TableSpec, plan: ImportPlan) -> None:
    cols = st.columns(4)
    cols[0].metric(_("Rows in the file"), plan.total_rows)
    cols[1].metric(_("New records"), plan.to_insert)
    cols[2].metric(_("Existing records"), len(plan.rows) - plan.to_insert)
    cols[3].metric(_("Rows with problems"), plan.bad_rows)
    if plan.errors:
        data_table(pd.DataFrame([(e.row, e.field, e.message) for e in plan.errors[:ERRORS_SHOWN]],
                               columns=[_("Row"), _("Field"), _("Problem")]), hide_index=True,
                  alt=_("Problems found in the file"))
        if len(plan.errors) > ERRORS_SHOWN:
            st.caption(_("Showing the first {n} of {total} problems.").format(n=ERRORS_SHOWN,
                                                                             total=len(plan.errors)))


def _run_import(spec: TableSpec, user: CurrentUser, plan: ImportPlan, valid_only: bool) -> None:
    bar = st.progress(0.0, text=_("Importing…"))
    try:
        with unit_of_work(user.id) as s:
            result = apply_import(s, actor=user, spec=spec, plan=plan, valid_only=valid_only,
                                  progress=lambda f, text: bar.progress(f, text=text))
    except ImportRefused as exc:
        st.error(plain(exc))
        return
    for name in ("import.plan", "import.sheet"):
        st.session_state.pop(key(spec, name), None)
    st.session_state[key(spec, "import.round")] = st.session_state.get(key(spec, "import.round"), 0) + 1
    reset_editor(spec)
    flash(_("Imported: {new} new, {changed} changed, {same} unchanged, {skipped} rows left out.").format(
        new=result.inserted, changed=result.updated, same=result.unchanged, skipped=result.skipped))
    st.rerun()


def import_section(spec: TableSpec, user: CurrentUser, lookups: Lookups) -> None:
    """Upload → map columns → check every row → import (all, or the valid rows only when chosen)."""
    if not may_write(user, spec.edit_permission):
        return
    if not st.toggle(_("Import from a CSV or Excel file"), key=key(spec, "import.on")):
        return
    with st.container(border=True, key=key(spec, "import")):
        round_ = st.session_state.get(key(spec, "import.round"), 0)  # a new uploader after each import
        upload = st.file_uploader(_("CSV or Excel (.xlsx) file, at most {mb} MB").format(mb=MAX_BYTES // 2**20),
                                  type=["csv", "xlsx"], key=key(spec, f"import.file{round_}"),
                                  max_upload_size=MAX_BYTES // 2**20)
        sheet = _sheet(spec, upload) if upload is not None else None
        if sheet is None:
            return
        st.caption(_("{rows} rows and {columns} columns. Rows are matched to existing records by {key}.").format(
            rows=len(sheet.rows), columns=len(sheet.headers), key=_(spec.field(spec.key_field).label)))
        mapping = _mapping(spec, user, sheet)
        if st.button(_("Check every row"), key=key(spec, "import.check"), icon=":material/rule:"):
            bar = st.progress(0.0, text=_("Checking…"))
            with unit_of_work(user.id) as s:
                plan = check_import(s, actor=user, spec=spec, sheet=sheet, mapping=mapping,
                                    progress=lambda f, text: bar.progress(f, text=text))
            st.session_state[key(spec, "import.plan")] = (mapping, plan)
        checked = st.session_state.get(key(spec, "import.plan"))
        if checked is None or checked[0] != mapping:
            return
        plan = checked[1]
        _report(spec, plan)
        _changes(spec, plan, lookups)
        _preview(spec, plan, lookups)
        valid_only = False
        if plan.errors and not plan.file_errors and plan.rows:
            valid_only = st.checkbox(_("Import the {n} valid rows only and leave out the rows with problems")
                                     .format(n=len(plan.rows)), key=key(spec, "import.valid_only"))
        ready = bool(plan.rows) and (not plan.errors or valid_only)
        if not plan.errors:
            st.success(_("Every row is valid."))
        if st.button(_("Import"), key=key(spec, "import.run"), type="primary", disabled=not ready,
                     icon=":material/upload:"):
            _run_import(spec, user, plan, valid_only)

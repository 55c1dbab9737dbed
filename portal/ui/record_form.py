"""The full create/edit form of a record, one widget per field type, validated by the records layer.

The form keeps the version it first showed: a save that races someone else's is refused, the input stays,
and the user may reload or deliberately save over the other change.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.center_time import wall_clock
from portal.i18n import _
from portal.inputs import DATE_BOUNDS, MOMENT_BOUNDS, day_in_range
from portal.records.editing import StaleRecordError, create_record, may_write, update_record
from portal.records.fields import Field, FieldType, TableSpec
from portal.records.query import fetch_record
from portal.records.validation import Lookups, RecordInputError, error_text
from portal.ui.forms import UNREACHABLE, database_did_not_answer, guarded_callback, keep_values, submit_button
from portal.ui.grid import flash
from portal.ui.text import plain
from portal.ui.view_state import key


def _label(field: Field) -> str:
    return _(field.label) + (" *" if field.required else "")


def _index(options: list[Any], value: Any) -> int | None:
    return options.index(value) if value in options else None


def _in_range(day) -> bool:
    return day is None or day_in_range(day)


def field_input(field: Field, value: Any, lookups: Lookups, *, widget_key: str, disabled: bool) -> Any:
    """The widget of one field, showing `value` at first; returns what the user entered."""
    common = {"key": widget_key, "disabled": disabled, "help": _(field.help) if field.help else None}
    label = _label(field)
    if field.type is FieldType.LONG_TEXT:
        return st.text_area(label, value or "", max_chars=field.max_length, **common)
    if field.type is FieldType.INTEGER:
        # no min_value/max_value: a box refuses a number beyond them in the browser and the form goes on with the
        # one it had; the field's check (portal/records/validation.py) names the field and its range instead
        return st.number_input(label, value=value, step=1, format="%d", **common)
    if field.type is FieldType.DATE:  # (a stored day beyond the bounds, if any, is shown rather than refused)
        return st.date_input(label, value=value, **common, **(DATE_BOUNDS if _in_range(value) else {}))
    if field.type is FieldType.DATETIME:
        # the widget drops a zone as it is: give it the center's clock (what it returns is read as center time)
        shown = wall_clock(value)
        return st.datetime_input(label, value=shown, format="YYYY-MM-DD", **common,
                                 **(MOMENT_BOUNDS if _in_range(shown and shown.date()) else {}))
    if field.type is FieldType.CHECKBOX:
        return st.checkbox(label, value=bool(value), **common)
    if field.type is FieldType.SINGLE_SELECT:
        options = [c.value for c in field.choices]
        return st.selectbox(label, options, index=_index(options, value), placeholder=_("Choose…"),
                            format_func=lambda v: _(field.choice(v).label), **common)
    if field.type is FieldType.MULTI_SELECT:
        return st.multiselect(label, [c.value for c in field.choices], default=value or [],
                              format_func=lambda v: _(field.choice(v).label), **common)
    if field.type is FieldType.USER:
        options = sorted((i for i, u in lookups.users.items() if u.active or i == value), key=lookups.user_label)
        return st.selectbox(label, options, index=_index(options, value), format_func=lookups.user_label,
                            placeholder=_("Nobody"), **common)
    return st.text_input(label, "" if value is None else str(value), max_chars=field.max_length, **common)


def _forget(form_key: str) -> None:
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(form_key)]:
        del st.session_state[k]


@guarded_callback
def _take_current_version(spec: TableSpec, user: CurrentUser, form_key: str, record_id: int) -> None:
    """The user chose to save over the other change: check against the version saved now."""
    with unit_of_work(user.id) as s:
        current = fetch_record(s, actor=user, spec=spec, record_id=record_id)
    st.session_state[form_key + ".seen"] = {**st.session_state[form_key + ".seen"], "version": current["version"]}
    st.session_state.pop(form_key + ".stale", None)


def _submit(spec: TableSpec, user: CurrentUser, form_key: str, seen: dict | None, values: dict) -> int | None:
    """Create or update; the record id when saved, None after showing what was wrong."""
    try:
        with unit_of_work(user.id) as s:
            if seen is None:
                return create_record(s, actor=user, spec=spec, values=values).id
            update_record(s, actor=user, spec=spec, record_id=seen["id"], version=seen["version"], values=values)
            return seen["id"]
    except RecordInputError as exc:
        st.session_state[form_key + ".errors"] = [error_text(spec, e) for e in exc.errors]
    except StaleRecordError as exc:
        st.session_state[form_key + ".stale"] = str(exc)
    except UNREACHABLE:
        st.session_state[form_key + ".unreachable"] = True
    return None


def _messages(spec: TableSpec, user: CurrentUser, form_key: str, record_id: int | None) -> None:
    if st.session_state.pop(form_key + ".unreachable", False):
        database_did_not_answer(retry_key=form_key + "..retry", page_failed=False)
    if errors := st.session_state.get(form_key + ".errors"):
        st.error(_("Not saved. Please correct:") + "\n\n" + "\n".join(f"- {plain(e)}" for e in errors))
    if stale := st.session_state.get(form_key + ".stale"):
        st.error(plain(stale), icon=":material/sync_problem:")
        with st.container(horizontal=True):
            st.button(_("Reload (discard my input)"), key=form_key + "..reload", on_click=_forget, args=(form_key,))
            st.button(_("Use my input over their change"), key=form_key + "..rebase", on_click=_take_current_version,
                      args=(spec, user, form_key, record_id), help=_("Then press Save again."))


def record_form(spec: TableSpec, user: CurrentUser, record: dict | None, lookups: Lookups) -> int | None:
    """Draw the form for `record` (None: a new one); returns the record id once saved."""
    form_key = key(spec, f"form.{record['id'] if record else 'new'}")
    seen = st.session_state.setdefault(form_key + ".seen", record)
    editable = {f.name for f in spec.fields if f.may_edit(user)}
    if seen is None and not may_write(user, spec.create_permission):
        st.error(_("You may not create records here."))
        return None
    keep_values(form_key + ".", [f.name for f in spec.fields])
    with st.form(form_key, border=True):
        values = {}
        cols = st.columns(2)
        for i, field in enumerate(f for f in spec.fields if seen is not None or f.name in editable):
            with cols[i % 2]:
                values[field.name] = field_input(field, seen.get(field.name) if seen else None, lookups,
                                                 widget_key=f"{form_key}.{field.name}",
                                                 disabled=field.name not in editable)
        pressed = submit_button(_("Create") if seen is None else _("Save"), type="primary", form=form_key,
                                disabled=not editable, icon=":material/save:")
    if pressed:
        for suffix in (".errors", ".stale", ".unreachable"):
            st.session_state.pop(form_key + suffix, None)
        saved = _submit(spec, user, form_key, seen, {n: v for n, v in values.items() if n in editable})
        if saved is not None:
            _forget(form_key)
            flash(_("Saved."))
            return saved
    _messages(spec, user, form_key, seen["id"] if seen else None)
    return None

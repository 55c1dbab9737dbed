"""Bulk changes on selected grid rows: one field, one value, every record audited on its own."""
from __future__ import annotations

from typing import Any

import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.i18n import _
from portal.records.editing import bulk_update
from portal.records.fields import Field, FieldType, TableSpec
from portal.records.query import Page
from portal.records.validation import Lookups, RecordInputError, error_text
from portal.ui.forms import guarded_callback
from portal.ui.grid import flash, reset_editor
from portal.ui.text import plain
from portal.ui.view_state import key


def _value_input(spec: TableSpec, field: Field, lookups: Lookups) -> None:
    k, label = key(spec, f"bulk.value.{field.name}"), _("New value")
    if field.type is FieldType.USER:
        options = [None, *sorted((i for i, u in lookups.users.items() if u.active), key=lookups.user_label)]
        st.selectbox(label, options, key=k, format_func=lambda i: _("(nobody)") if i is None else lookups.user_label(i))
    elif field.choices:
        st.selectbox(label, [c.value for c in field.choices], key=k, format_func=lambda v: _(field.choice(v).label))
    elif field.type is FieldType.CHECKBOX:
        st.segmented_control(label, [True, False], key=k, format_func=lambda v: _("Yes") if v else _("No"))
    else:
        st.text_input(label, key=k, max_chars=field.max_length)


@guarded_callback
def _apply(spec: TableSpec, user: CurrentUser, ids: list[int]) -> None:
    name = st.session_state[key(spec, "bulk.field")]
    value: Any = st.session_state.get(key(spec, f"bulk.value.{name}"))
    try:
        with unit_of_work(user.id) as s:
            changed = bulk_update(s, actor=user, spec=spec, record_ids=ids, field=name, value=value)
    except RecordInputError as exc:
        st.session_state[key(spec, "bulk.problem")] = "\n".join(error_text(spec, e) for e in exc.errors)
        return
    st.session_state.pop(key(spec, "bulk.problem"), None)
    st.session_state[key(spec, "select_all")] = False
    reset_editor(spec)
    flash(_("{field} changed for {n} of {selected} selected records (the others had it already).").format(
        field=_(spec.field(name).label), n=changed, selected=len(ids)))


def bulk_bar(spec: TableSpec, user: CurrentUser, page: Page, selected: set[int], lookups: Lookups) -> None:
    """“Select all on this page”, and for a selection: choose a field and a value and apply it to all."""
    fields = sorted((f for f in spec.fields if f.bulk_editable and f.may_edit(user)),  # people and states first
                    key=lambda f: (f.type not in (FieldType.USER, FieldType.SINGLE_SELECT), spec.fields.index(f)))
    if not fields or not page.rows:
        return
    st.checkbox(_("Select all {n} rows on this page").format(n=len(page.rows)), key=key(spec, "select_all"))
    chosen = range(len(page.rows)) if st.session_state.get(key(spec, "select_all")) else sorted(selected)
    ids = [page.rows[pos]["id"] for pos in chosen if pos < len(page.rows)]
    if not ids:
        return
    with st.container(border=True, key=key(spec, "bulk")):
        st.markdown(_("**{n} selected.** Change one field for all of them:").format(n=len(ids)))
        left, middle, right = st.columns([2, 3, 2], vertical_alignment="bottom")
        with left:
            name = st.selectbox(_("Field"), [f.name for f in fields], key=key(spec, "bulk.field"),
                                format_func=lambda n: _(spec.field(n).label))
        with middle:
            _value_input(spec, spec.field(name), lookups)
        right.button(_("Apply to {n} records").format(n=len(ids)), key=key(spec, "bulk.apply"), type="primary",
                     on_click=_apply, args=(spec, user, ids))
        if problem := st.session_state.get(key(spec, "bulk.problem")):
            st.error(plain(problem))

"""Bulk changes: one field, one value, for the selected grid rows or for every record the view matches (after a
confirmation that says how many); every record audited on its own, the whole change one change set that the undo
panel below the bar can take back."""
from __future__ import annotations

from typing import Any

import streamlit as st

from db.audit import audit_text
from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.i18n import _
from portal.records.bulk_edit import SYNC_UP_TO, BulkRefused, bulk_update_matching, matching_count
from portal.records.editing import bulk_update
from portal.records.fields import Field, FieldType, TableSpec
from portal.records.history import display_text
from portal.records.query import Page
from portal.records.validation import Lookups, RecordInputError, error_text
from portal.ui.forms import guarded_callback
from portal.ui.grid import flash, reset_editor
from portal.ui.text import plain
from portal.ui.undo_panel import undo_panel
from portal.ui.view_state import key, read_view

SELECTED, MATCHING = "selected", "matching"


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


def _chosen(spec: TableSpec) -> tuple[str, Any]:
    name = st.session_state[key(spec, "bulk.field")]
    return name, st.session_state.get(key(spec, f"bulk.value.{name}"))


def _done(spec: TableSpec, message: str) -> None:
    for name in ("bulk.problem", "bulk.confirm"):
        st.session_state.pop(key(spec, name), None)
    st.session_state[key(spec, "select_all")] = False
    reset_editor(spec)
    flash(message)


@guarded_callback
def _apply(spec: TableSpec, user: CurrentUser, ids: list[int]) -> None:
    name, value = _chosen(spec)
    try:
        with unit_of_work(user.id) as s:
            changed = bulk_update(s, actor=user, spec=spec, record_ids=ids, field=name, value=value)
    except RecordInputError as exc:
        st.session_state[key(spec, "bulk.problem")] = "\n".join(error_text(spec, e) for e in exc.errors)
        return
    _done(spec, _("{field} changed for {n} of {selected} selected records (the others had it already).").format(
        field=_(spec.field(name).label), n=changed, selected=len(ids)))


@guarded_callback
def _ask(spec: TableSpec, user: CurrentUser) -> None:
    """“Apply to all matching”: count them (exactly) and ask first."""
    name, value = _chosen(spec)
    view, _ignored = read_view(spec)
    try:
        with unit_of_work(user.id) as s:
            count = matching_count(s, actor=user, spec=spec, view=view)
    except BulkRefused as exc:
        st.session_state[key(spec, "bulk.problem")] = str(exc)
        return
    st.session_state.pop(key(spec, "bulk.problem"), None)
    st.session_state[key(spec, "bulk.confirm")] = {"field": name, "value": value, "count": count, "view": view}


@guarded_callback
def _apply_matching(spec: TableSpec, user: CurrentUser) -> None:
    asked = st.session_state.pop(key(spec, "bulk.confirm"), None)
    if asked is None:
        return
    try:
        with unit_of_work(user.id) as s:
            outcome = bulk_update_matching(s, actor=user, spec=spec, view=asked["view"], field=asked["field"],
                                           value=asked["value"])
    except (RecordInputError, BulkRefused) as exc:
        errors = exc.errors if isinstance(exc, RecordInputError) else []
        st.session_state[key(spec, "bulk.problem")] = ("\n".join(error_text(spec, e) for e in errors) or str(exc))
        return
    label = _(spec.field(asked["field"]).label)
    if outcome.queued:
        _done(spec, _("{field} is being changed on {count} matching records in the background, in batches; you can "
                      "keep working. The line below the grid shows how far it is.").format(
            field=label, count=f"{asked['count']:,}"))
        return
    _done(spec, _("{field} changed on {n} of {count} matching records (the others had it already). “Undo” below "
                  "takes it back.").format(field=label, n=outcome.changed, count=asked["count"]))


def _cancel(spec: TableSpec) -> None:
    st.session_state.pop(key(spec, "bulk.confirm"), None)


def _confirmation(spec: TableSpec, user: CurrentUser, asked: dict[str, Any], lookups: Lookups) -> None:
    """“Set Customer manager to 周杰 on 12,345 retailers?” with Confirm and Cancel."""
    field = spec.field(asked["field"])
    with unit_of_work(user.id) as s:
        shown = display_text(s, field, audit_text(asked["value"]), lookups, user) or (
            _("(nobody)") if field.type is FieldType.USER else _("(empty)"))
    st.warning(plain(_("Set {field} to “{value}” on {n} {records}?").format(
        field=_(field.label), value=shown, n=f"{asked['count']:,}", records=_(spec.label).lower())),
        icon=":material/warning:")
    if asked["count"] > SYNC_UP_TO:
        st.caption(_("More than {n} records: the change runs in the background, in batches, so nobody's edits wait "
                     "for it.").format(n=f"{SYNC_UP_TO:,}"))
    with st.container(horizontal=True):
        st.button(_("Yes, change {n} records").format(n=f"{asked['count']:,}"), key=key(spec, "bulk.confirmed"),
                  type="primary", on_click=_apply_matching, args=(spec, user))
        st.button(_("Cancel"), key=key(spec, "bulk.cancel"), on_click=_cancel, args=(spec,))


def bulk_bar(spec: TableSpec, user: CurrentUser, page: Page, selected: set[int], lookups: Lookups) -> None:
    """“Select all on this page”, “All matching records”, and for either: choose a field and a value and apply it
    to all; then the undo of the last bulk change and import."""
    fields = sorted((f for f in spec.fields if f.bulk_editable and f.may_edit(user)),  # people and states first
                    key=lambda f: (f.type not in (FieldType.USER, FieldType.SINGLE_SELECT), spec.fields.index(f)))
    if fields and page.rows:
        _bar(spec, user, page, selected, lookups, fields)
    undo_panel(spec, user)


def _bar(spec: TableSpec, user: CurrentUser, page: Page, selected: set[int], lookups: Lookups,
         fields: list[Field]) -> None:
    with st.container(horizontal=True):
        st.checkbox(_("Select all {n} rows on this page").format(n=len(page.rows)), key=key(spec, "select_all"))
        st.toggle(_("All records matching the view ({n})").format(n=f"{page.total:,}" if page.exact else
                                                                  f"≈{page.total:,}"),
                  key=key(spec, "bulk.all"), help=_("Change every record the filters and search match, not only "
                                                    "this page. You are asked to confirm with the exact number."))
    everything = bool(st.session_state.get(key(spec, "bulk.all")))
    chosen = range(len(page.rows)) if st.session_state.get(key(spec, "select_all")) else sorted(selected)
    ids = [page.rows[pos]["id"] for pos in chosen if pos < len(page.rows)]
    if not ids and not everything:
        return
    with st.container(border=True, key=key(spec, "bulk")):
        if everything:
            st.markdown(_("**Every record matching the view.** Change one field for all of them:"))
        else:
            st.markdown(_("**{n} selected.** Change one field for all of them:").format(n=len(ids)))
        left, middle, right = st.columns([2, 3, 2], vertical_alignment="bottom")
        with left:
            name = st.selectbox(_("Field"), [f.name for f in fields], key=key(spec, "bulk.field"),
                                format_func=lambda n: _(spec.field(n).label))
        with middle:
            _value_input(spec, spec.field(name), lookups)
        if everything:
            right.button(_("Apply to all matching…"), key=key(spec, "bulk.apply_all"), type="primary",
                         on_click=_ask, args=(spec, user))
        else:
            right.button(_("Apply to {n} records").format(n=len(ids)), key=key(spec, "bulk.apply"), type="primary",
                         on_click=_apply, args=(spec, user, ids))
        asked = st.session_state.get(key(spec, "bulk.confirm"))
        if asked is not None and asked["view"].signature() != read_view(spec)[0].signature():
            _cancel(spec)  # the filters changed since the count: ask again
            asked = None
        if everything and asked:
            _confirmation(spec, user, asked, lookups)
        if problem := st.session_state.get(key(spec, "bulk.problem")):
            st.error(plain(problem))

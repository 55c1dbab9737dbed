"""The undo of a table's last bulk change and last import: what it was, who made it when, and “Undo” for who made
it or a supervisor; afterwards, how many records went back and which were kept because someone changed them since."""
from __future__ import annotations

import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser, PermissionDenied
from portal.i18n import _, fmt_datetime
from portal.records.change_sets import BULK, IMPORT, ChangeSetInfo, last_change_set, may_undo
from portal.records.editing import may_write
from portal.records.fields import FieldType, TableSpec
from portal.records.history import display_text
from portal.records.undo import UndoRefused, UndoResult, undo_change_set
from portal.records.validation import Lookups
from portal.ui.forms import guarded_callback
from portal.ui.grid import flash, reset_editor
from portal.ui.text import plain
from portal.ui.view_state import key


def _what(spec: TableSpec, user: CurrentUser, change: ChangeSetInfo) -> str:
    detail = change.detail
    if change.kind == IMPORT:
        return _("Last import: {inserted} new and {updated} changed {records}, by {who}, {when}.").format(
            inserted=detail.get("inserted", 0), updated=detail.get("updated", 0), records=_(spec.label).lower(),
            who=change.actor, when=fmt_datetime(change.at))
    field = spec.field(detail["field"]) if spec.has_field(detail.get("field", "")) else None
    with unit_of_work(user.id) as s:
        value = display_text(s, field, detail.get("value"), Lookups(s), user) if field else ""
    empty = _("(nobody)") if field is not None and field.type is FieldType.USER else _("(empty)")
    values = {"field": _(field.label) if field else "?", "value": value or empty, "n": change.records,
              "records": _(spec.label).lower(), "who": change.actor, "when": fmt_datetime(change.at)}
    if not change.done:
        return _("Bulk change running: {field} set to “{value}” on {n} of {matched} {records} so far, by {who}, "
                 "{when}.").format(matched=detail.get("matched", "?"), **values)
    return _("Last bulk change: {field} set to “{value}” on {n} {records}, by {who}, {when}.").format(**values)


def result_text(spec: TableSpec, result: UndoResult) -> str:
    """What an undo did, and the records it kept (title, why, who changed it, when)."""
    lines = [_("Undone: {n} records went back, {removed} added by the import were removed.").format(
        n=result.reverted, removed=result.removed) if result.removed else
        _("Undone: {n} records went back.").format(n=result.reverted)]
    if result.kept_count:
        lines.append(_("{n} were kept as they are:").format(n=result.kept_count))
        lines += [_("{title} — {reason}: {who}, {when}").format(
            title=k.title, reason=k.reason, who=k.changed_by or _("System"),
            when=fmt_datetime(k.changed_at) if k.changed_at else "") for k in result.kept]
        if result.kept_count > len(result.kept):
            lines.append(_("… and {n} more.").format(n=result.kept_count - len(result.kept)))
    return "\n\n".join(lines)


@guarded_callback
def _undo(spec: TableSpec, user: CurrentUser, change_set_id: int) -> None:
    try:
        with unit_of_work(user.id) as s:
            result = undo_change_set(s, actor=user, spec=spec, change_set_id=change_set_id)
    except (UndoRefused, PermissionDenied) as exc:
        st.session_state[key(spec, "undo.problem")] = str(exc)
        return
    st.session_state.pop(key(spec, "undo.problem"), None)
    reset_editor(spec)
    flash(result_text(spec, result))


def undo_panel(spec: TableSpec, user: CurrentUser) -> None:
    """The last bulk change and the last import of `spec`'s table not undone yet, each with “Undo” for those who
    may (who made it, or a supervisor)."""
    if not may_write(user, spec.edit_permission):
        return
    with unit_of_work(user.id) as s:
        changes = [c for c in (last_change_set(s, spec, BULK), last_change_set(s, spec, IMPORT)) if c is not None]
    if not changes:
        return
    with st.container(key=key(spec, "undo")):
        for change in changes:
            with st.container(horizontal=True, vertical_alignment="center"):
                st.caption(plain(_what(spec, user, change)), width="stretch")
                if change.done and may_undo(user, change):
                    st.button(_("Undo"), key=key(spec, f"undo.{change.kind}"), icon=":material/undo:",
                              on_click=_undo, args=(spec, user, change.id),
                              help=_("Each record goes back unless someone changed it since; those are listed."))
        if problem := st.session_state.get(key(spec, "undo.problem")):
            st.error(plain(problem))

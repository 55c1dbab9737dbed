"""“Restore this version” under a record's history: pick a version, see which fields would go back (and which you
may not change), restore — checked against the version the page showed, so a change someone saved meanwhile is
never overwritten."""
from __future__ import annotations

import streamlit as st

from db.audit import audit_text
from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.i18n import _, fmt_datetime, fmt_list
from portal.records.editing import StaleRecordError, may_write
from portal.records.fields import FieldType, TableSpec
from portal.records.history import display_text
from portal.records.restore import record_versions, restore_plan, restore_version
from portal.records.validation import Lookups, RecordInputError, error_text
from portal.ui.forms import guarded_callback
from portal.ui.grid import flash
from portal.ui.text import plain
from portal.ui.view_state import key


@guarded_callback
def _restore(spec: TableSpec, user: CurrentUser, record_id: int, number: int, version_seen: int) -> None:
    problem = key(spec, f"restore.{record_id}.problem")
    try:
        with unit_of_work(user.id) as s:
            restore_version(s, actor=user, spec=spec, record_id=record_id, number=number, version_seen=version_seen)
    except StaleRecordError as exc:
        st.session_state[problem] = str(exc)
        return
    except RecordInputError as exc:
        st.session_state[problem] = _("Version {n} cannot be restored:").format(n=number) + "\n\n" + "\n\n".join(
            error_text(spec, e) for e in exc.errors)
        return
    st.session_state.pop(problem, None)
    form = key(spec, f"form.{record_id}")  # the edit form shows the restored values, at the new version
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(form)]:
        del st.session_state[k]
    flash(_("Restored version {n}.").format(n=number))


def _empty(spec: TableSpec, name: str) -> str:
    return _("(nobody)") if spec.field(name).type is FieldType.USER else _("(empty)")


def restore_controls(spec: TableSpec, user: CurrentUser, record: dict, lookups: Lookups) -> None:
    """Choose an earlier version of `record` and restore it (for those who may edit the table)."""
    if not may_write(user, spec.edit_permission):
        return
    record_id = record["id"]
    with unit_of_work(user.id) as s:
        versions = record_versions(s, actor=user, spec=spec, record_id=record_id)
    if len(versions) < 2:
        return
    k = key(spec, f"restore.{record_id}")
    with st.expander(_("Restore an earlier version"), icon=":material/history:"), st.container(key=k):
        shown = {v.number: v for v in versions[:-1]}  # the newest is how it is now
        number = st.selectbox(_("Version"), sorted(shown, reverse=True), key=k + ".number",
                              format_func=lambda n: _("Version {n} · {when} · {who}").format(
                                  n=n, when=fmt_datetime(shown[n].at), who=shown[n].actor))
        with unit_of_work(user.id) as s:
            plan = restore_plan(s, actor=user, spec=spec, record_id=record_id, number=number)
            lines = [f"- {plain(_(spec.field(n).label))}: "
                     f"{plain(display_text(s, spec.field(n), audit_text(v), lookups, user) or _empty(spec, n))}"
                     for n, v in plan.values.items()]
        if lines:
            st.markdown(_("These fields go back to version {n}:").format(n=number) + "\n\n" + "\n".join(lines))
        else:
            st.caption(_("Nothing you may change differs from now."))
        if plan.not_restored:
            st.warning(plain(_("Not restored, because you may not change them: {fields}.").format(
                fields=fmt_list(_(spec.field(n).label) for n in plan.not_restored))))
        st.button(_("Restore version {n}").format(n=number), key=k + ".apply", type="primary",
                  disabled=not plan.values, icon=":material/restore:",
                  on_click=_restore, args=(spec, user, record_id, number, record["version"]))
        if problem := st.session_state.get(k + ".problem"):
            st.error(plain(problem), icon=":material/sync_problem:")

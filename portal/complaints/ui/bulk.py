"""The supervisor grid's extras: quick SLA filters, the agents' closures awaiting confirmation, and bulk assign / bulk
close as invalid of selected rows."""
from __future__ import annotations

import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser, can
from portal.complaints.bulk import BulkOutcome, assign_complaints, mark_complaints_invalid
from portal.complaints.exits import waiting_side_exits
from portal.complaints.queries import StaffMember
from portal.complaints.table import COMPLAINTS, SLA_LABELS
from portal.errors import InputError
from portal.i18n import _, fmt_labelled
from portal.records.filter_groups import ALL
from portal.records.filters import IS, Filter
from portal.records.query import Page
from portal.records.view import ViewState
from portal.ui.forms import guarded_callback
from portal.ui.grid import flash, reset_editor
from portal.ui.part_rerun import rerun_whole_part, whole_part_key
from portal.ui.text import plain
from portal.ui.view_state import key, read_view, seed, update_view

QUICK = ("overdue", "due_soon", "due_today")


def _quick_changed() -> None:
    view, _ignored = read_view(COMPLAINTS)
    chosen = st.session_state[key(COMPLAINTS, "quick")]
    if view.match != ALL:  # an OR view: the time limit narrows it (the filter screen shows how)
        narrowed = view.narrowed(*((Filter("sla", IS, chosen),) if chosen else ()))
        update_view(COMPLAINTS, filters=narrowed.filters, match=narrowed.match)
        return
    others = tuple(f for f in view.filters if not (isinstance(f, Filter) and f.field == "sla"))
    update_view(COMPLAINTS, filters=others + ((Filter("sla", IS, chosen),) if chosen else ()))


def quick_filters(view: ViewState) -> None:
    """One click for the SLA filters supervisors use most (they go into the URL like any filter)."""
    current = next((f.value for f in view.filters if isinstance(f, Filter) and f.field == "sla" and f.op == IS
                    and f.value in QUICK and view.match == ALL), None)
    seed(key(COMPLAINTS, "quick"), current)
    st.pills(_("Time limit"), QUICK, key=key(COMPLAINTS, "quick"), on_change=_quick_changed,
             format_func=lambda v: _(SLA_LABELS[v]), label_visibility="collapsed")


def waiting_exits(user: CurrentUser, view: ViewState) -> None:
    """Supervisors: how many agents' closures as invalid or duplicate await confirmation, and one click to list them
    (the grid's filter "Closure awaiting confirmation", in the URL like any filter)."""
    if not can(user, "complaints.supervise"):
        return
    with unit_of_work(user.id) as s:
        waiting = len(waiting_side_exits(s, actor=user))
    if not waiting:
        return
    with st.container(horizontal=True, vertical_alignment="center", key="complaints_waiting_exits"):
        st.warning(_("{n} closures as invalid or duplicate by agents await a supervisor's confirmation.").format(
            n=waiting), icon=":material/pending_actions:", width="stretch")
        if not any(f.field == "awaiting_review" for f in view.conditions()):
            st.button(_("List them"), key=key(COMPLAINTS, "waiting_exits"), on_click=update_view, args=(COMPLAINTS,),
                      kwargs={"filters": (Filter("awaiting_review", IS, "true"),)}, icon=":material/filter_list:")


def _report(done: str, outcome: BulkOutcome) -> None:
    lines = [done.format(n=len(outcome.moved))]
    lines += [fmt_labelled(ref, reason) for ref, reason in outcome.refused]
    flash("\n\n".join(lines))


@guarded_callback
def _apply(user: CurrentUser, versions: dict[int, int], action: str, part_key: str | None) -> None:
    k = key(COMPLAINTS, "bulk.")
    state = st.session_state
    try:
        with unit_of_work(user.id) as s:
            if action == "assign":
                dept = state.get(k + "dept")
                outcome = assign_complaints(s, actor=user, versions=versions, department_id=dept,
                                            handler_id=state.get(k + f"handler.{dept}"), note=state.get(k + "note", ""))
            else:
                outcome = mark_complaints_invalid(s, actor=user, versions=versions, reason=state.get(k + "reason", ""))
    except InputError as exc:
        state[k + "problem"] = str(exc)
        return
    state.pop(k + "problem", None)
    state[key(COMPLAINTS, "select_all")] = False
    reset_editor(COMPLAINTS)
    _report(_("Assigned {n} complaints.") if action == "assign" else _("Closed {n} complaints as invalid."),
            outcome)
    rerun_whole_part(part_key)  # (the closures awaiting confirmation, counted above the grid, may be fewer)


def bulk_panel(user: CurrentUser, page: Page, selected: set[int], departments: dict[int, str],
               staff: list[StaffMember]) -> None:
    """Supervisors: assign the selected complaints, or close them as invalid — each through its own move."""
    if not can(user, "complaints.supervise") or not page.rows:
        return
    st.checkbox(_("Select all {n} rows on this page").format(n=len(page.rows)), key=key(COMPLAINTS, "select_all"))
    chosen = range(len(page.rows)) if st.session_state.get(key(COMPLAINTS, "select_all")) else sorted(selected)
    versions = {page.rows[pos]["id"]: page.rows[pos]["version"] for pos in chosen if pos < len(page.rows)}
    if not versions:
        return
    k = key(COMPLAINTS, "bulk.")
    with st.container(border=True, key=k + "panel"):
        st.markdown(_("**{n} selected.**").format(n=len(versions)))
        action = st.segmented_control(_("Action"), ["assign", "invalid"], key=k + "action", default="assign",
                                      format_func=lambda a: _("Assign") if a == "assign" else _("Mark invalid"))
        if action == "assign":
            left, middle = st.columns(2)
            dept = left.selectbox(_("Department"), list(departments), format_func=departments.get, key=k + "dept",
                                  index=None, placeholder=_("Each category's default department"))
            people = {m.id: f"{m.name} ({m.staff_id})" for m in staff if dept is None or m.department_id == dept}
            middle.selectbox(_("Handler (optional)"), list(people), format_func=people.get, key=k + f"handler.{dept}",
                             index=None, placeholder=_("Nobody in particular"))
            st.text_input(_("Note for the timeline"), key=k + "note", max_chars=500)
            label = _("Assign {n} complaints").format(n=len(versions))
        elif action == "invalid":
            st.text_input(_("Reason they are invalid") + " *", key=k + "reason", max_chars=2000)
            label = _("Close {n} complaints as invalid").format(n=len(versions))
        else:
            return
        st.button(label, key=k + "apply", type="primary", on_click=_apply,
                  args=(user, versions, action, whole_part_key()))
        if problem := st.session_state.get(k + "problem"):
            st.error(plain(problem))

"""The action forms of a complaint page: one per move `allowed_moves` gives this user now, each with the fields
that move needs. A move refused (stale version, missing field) says why and keeps what was typed."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from db.complaint_models import FOLLOW_UP_METHODS, MAX_ATTACHMENT_BYTES, REPLY_METHODS, SATISFACTION, Complaint
from db.engine import unit_of_work
from portal import complaints as cx
from portal.access.auth import CurrentUser
from portal.complaints.labels import (
    FIELD_LABELS,
    FOLLOW_UP_LEVEL_LABELS,
    FOLLOW_UP_METHOD_LABELS,
    GRADE_LABELS,
    MOVE_LABELS,
    REPLY_METHOD_LABELS,
    SATISFACTION_LABELS,
    SURVEY_LABELS,
)
from portal.complaints.queries import StaffMember, complaint_id_of
from portal.complaints.workflow import INVESTIGATION_FIELDS, SCORE_FIELDS
from portal.errors import STALE, InputError
from portal.i18n import _
from portal.inputs import MOMENT_BOUNDS
from portal.ui.forms import (
    REFUSED,
    UNREACHABLE,
    cleared_in_browser,
    drawn_prefix,
    flash,
    forget,
    form_defaults,
    keep_values,
    refill,
    retried,
    show_input_error,
    submit_button,
)
from portal.ui.text import plain

PANEL_MOVES = ("assign", "start_progress", "record_investigation", "interim_reply", "reply", "record_follow_up",
               "close", "mark_invalid", "mark_duplicate", "confirm_exit", "send_back_exit", "pause_sla", "resume_sla",
               "retriage", "transfer_ownership")


# every move's widgets (kept in outages)
ACTION_FIELDS = ("dept", "handler", "note", "verification", "text", "method", "when", "satisfaction", "level", "result",
                 "reason", "original", "grade", "category", "owner", *INVESTIGATION_FIELDS, *SCORE_FIELDS)


def seen_key(complaint_id: int) -> str:
    return f"complaint.{complaint_id}.seen"


def seen_version(c: Complaint) -> int:
    """The version the user's screen is based on: kept until they move it or reload, so a move made after
    someone else's is refused rather than applied blindly."""
    return st.session_state.setdefault(seen_key(c.id), c.version)


def reload(complaint_id: int) -> None:
    st.session_state.pop(seen_key(complaint_id), None)


def _when(p: str) -> Any:
    return st.datetime_input(_("When (China time; empty: now)"), value=None, key=p + "when", format="YYYY-MM-DD",
                             step=60, **MOMENT_BOUNDS)


def _reply_fields(p: str, c: Complaint, final: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if final and not c.verification_result:
        fields["verification_result"] = st.text_area(_("Verification result") + " *", key=p + "verification",
                                                     help=_("What the investigation found; needed before replying."))
    fields["text"] = st.text_area(_("What the complainant was told") + " *", key=p + "text", height=110)
    fields["method"] = st.selectbox(_("Reply method") + " *", REPLY_METHODS, key=p + "method",
                                    format_func=lambda v: _(REPLY_METHOD_LABELS[v]))
    fields["replied_at"] = _when(p)
    return fields


def _follow_up_fields(p: str) -> dict[str, Any]:
    satisfaction = st.selectbox(_("Satisfaction") + " *", SATISFACTION, index=None, key=p + "satisfaction",
                                format_func=lambda v: _(SATISFACTION_LABELS[v]), placeholder=_("Choose…"))
    left, right = st.columns(2)
    level = left.selectbox(_("Level") + " *", list(FOLLOW_UP_LEVEL_LABELS), index=1, key=p + "level",
                           format_func=lambda v: _(FOLLOW_UP_LEVEL_LABELS[v]))
    method = right.selectbox(_("Method") + " *", FOLLOW_UP_METHODS, index=1, key=p + "method",
                             format_func=lambda v: _(FOLLOW_UP_METHOD_LABELS[v]))
    result = st.text_area(_("What the complainant said"), key=p + "result", height=80)
    st.caption(_("Survey (1 poor … 5 excellent; leave empty when not asked)"))
    columns = st.columns(2) * 2
    scores = {f: col.selectbox(_(SURVEY_LABELS[f]), [1, 2, 3, 4, 5], index=None, key=p + f, placeholder="—")
              for f, col in zip(SCORE_FIELDS, columns, strict=True)}
    return {"level": level, "method": method, "satisfaction": satisfaction or "", "result": result,
            "scores": scores, "at": _when(p)}


def _correction_fields(move: str, p: str, c: Complaint, departments: dict[int, str], staff: list[StaffMember],
                       categories: dict[int, str]) -> dict[str, Any]:
    """A supervisor's re-triage (grade, category) or ownership transfer, with the reason the timeline keeps."""
    if move == "retriage":
        left, right = st.columns(2)
        grades = list(GRADE_LABELS)
        fields = {"grade": left.selectbox(_("Grade") + " *", grades, index=grades.index(c.grade), key=p + "grade",
                                          format_func=lambda g: _(GRADE_LABELS[g])),
                  "category_id": right.selectbox(_("Category") + " *", list(categories), format_func=categories.get,
                                                 index=list(categories).index(c.category_id)
                                                 if c.category_id in categories else None, key=p + "category")}
        st.caption(_("A new grade counts the time limits again from the complaint's start."))
    else:
        people = {m.id: f"{m.name} ({m.staff_id}) · {departments.get(m.department_id, '—')}" for m in staff
                  if m.id != c.first_contact_owner_id and m.receives}
        fields = {"owner_id": st.selectbox(_("New first-contact owner") + " *", list(people), format_func=people.get,
                                           key=p + "owner", index=None, placeholder=_("Choose…"))}
    fields["reason"] = st.text_area(_("Reason for the change") + " *", key=p + "reason", height=70)
    return fields


def _fields(move: str, p: str, c: Complaint, departments: dict[int, str], staff: list[StaffMember],
            default_department: int | None, categories: dict[int, str]) -> dict[str, Any]:
    """Draw the fields of `move`; returns the keyword arguments of its function."""
    if move in ("retriage", "transfer_ownership"):
        return _correction_fields(move, p, c, departments, staff, categories)
    if move == "assign":
        ids = list(departments)
        dept = st.selectbox(_("Department") + " *", ids, format_func=departments.get, key=p + "dept",
                            index=ids.index(default_department) if default_department in ids else None)
        people = {m.id: f"{m.name} ({m.staff_id}) · {departments.get(m.department_id, '—')}" for m in staff}
        handler = st.selectbox(_("Handler (optional)"), list(people), format_func=people.get, key=p + "handler",
                               index=None, placeholder=_("Nobody in particular"))
        return {"department_id": dept, "handler_id": handler, "note": st.text_input(_("Note"), key=p + "note")}
    if move == "record_investigation":
        return {f: (st.text_input if f == "responsible_person" else st.text_area)(
            _(FIELD_LABELS[f]), value=getattr(c, f) or "", key=p + f) for f in INVESTIGATION_FIELDS}
    if move in ("interim_reply", "reply"):
        return _reply_fields(p, c, final=move == "reply")
    if move == "record_follow_up":
        return _follow_up_fields(p)
    if move in ("mark_invalid", "pause_sla", "send_back_exit"):
        label = {"mark_invalid": _("Why it is invalid"), "send_back_exit": _("Why it goes back to work"),
                 "pause_sla": _("What you are waiting for from the complainant")}[move]
        return {"reason": st.text_area(label + " *", key=p + "reason", height=80)}
    if move == "mark_duplicate":
        return {"original": st.text_input(_("Reference of the original complaint") + " *", key=p + "original",
                                          placeholder="TS-2026-000123"),
                "note": st.text_input(_("Note"), key=p + "note")}
    return {"note": st.text_input(_("Note"), key=p + "note")}


MOVE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "assign": cx.assign_complaint, "start_progress": cx.start_progress,
    "record_investigation": cx.record_investigation, "interim_reply": cx.record_interim_reply,
    "reply": cx.reply_to_complainant, "record_follow_up": cx.record_follow_up, "close": cx.close_complaint,
    "mark_invalid": cx.mark_invalid, "mark_duplicate": cx.mark_duplicate, "confirm_exit": cx.confirm_side_exit,
    "send_back_exit": cx.send_back_side_exit, "pause_sla": cx.pause_sla,
    "resume_sla": cx.resume_sla, "retriage": cx.retriage_complaint, "transfer_ownership": cx.transfer_ownership,
}


def _make_move(user: CurrentUser, c: Complaint, move: str, version: int, values: dict[str, Any]) -> None:
    """Run the move in one unit of work (a reply first records a missing verification result)."""
    with unit_of_work(user.id) as s:
        if "verification_result" in values:
            version = cx.record_investigation(s, actor=user, complaint_id=c.id, version=version,
                                              verification_result=values.pop("verification_result")).version
        if move == "mark_duplicate":
            original = values.pop("original").strip()
            values["original_id"] = complaint_id_of(s, original) if original else None
            if values["original_id"] is None:
                raise cx.ComplaintInputError("original_id", _("Original: no complaint has the reference “{ref}”.")
                                             .format(ref=original))
        MOVE_FUNCTIONS[move](s, actor=user, complaint_id=c.id, version=version, **values)


def action_panel(user: CurrentUser, c: Complaint, moves: list[str], *, departments: dict[int, str],
                 staff: list[StaffMember], default_department: int | None, categories: dict[int, str]) -> None:
    """“What next?”: the moves this user may make now, one form at a time."""
    offered = [m for m in PANEL_MOVES if m in moves]
    if not offered:
        st.caption(_("No action of yours is due on this complaint now."))
        return
    move = st.radio(_("What next?"), offered, key=f"complaint.{c.id}.move", horizontal=True,
                    format_func=lambda m: _(MOVE_LABELS[m]))
    p = f"complaint.{c.id}.{move}."
    keep_values(p, ACTION_FIELDS)
    with st.form(p + "form", border=True):
        values = _fields(move, p, c, departments, staff, default_department, categories)
        submitted = submit_button(_(MOVE_LABELS[move]), type="primary", form=p + "form")
    if submitted:
        try:
            _make_move(user, c, move, seen_version(c), values)
        except UNREACHABLE as exc:
            show_input_error(exc, p)
            return
        except InputError as exc:
            st.error(plain(exc), icon=":material/error:")
            if exc.field == STALE:
                st.button(_("Reload the complaint (what you typed stays)"), key=p + "reload",
                          icon=":material/refresh:", on_click=reload, args=(c.id,))
            return
        forget(p)
        reload(c.id)
        flash(_("{move}: done.").format(move=_(MOVE_LABELS[move])))
        st.rerun()


def _save_note(user: CurrentUser, complaint_id: int, p: str, *, clicked: bool) -> bool:
    """Save the note the box holds. The form empties itself in the browser at the click (`clear_on_submit`), so what
    is typed while this saves stays in the box and is never sent twice; a refused note is drawn again in a box of
    its own (`refill`)."""
    state = st.session_state
    drawn = drawn_prefix(p)
    text = state.get(drawn + "text", "")
    try:
        with unit_of_work(user.id) as s:
            cx.add_internal_note(s, actor=user, complaint_id=complaint_id, text=text)
    except REFUSED as exc:
        refill(p, {"text": text})  # back in the box (the browser emptied it at the click)
        state[p + "refused"] = exc
        return False
    if clicked:  # the browser emptied the box at the click: leave it (and what is typed since) alone
        cleared_in_browser(drawn, {"text": text})
    else:  # saved by Retry: the box still shows the text, so empty it on the next run
        forget(p)
    return True


def note_box(user: CurrentUser, c: Complaint) -> None:
    """An internal note (staff only; never a reply to the complainant). Saved before the box is drawn (like the
    incident entry form, portal.incidents.ui.log.entry_form), so a refused note can be put back into the box."""
    p = f"complaint.{c.id}.note."
    state = st.session_state
    if state.pop(p + "saved", False):  # a toast, not a message above the page: that would shift the page and make
        st.toast(_("Internal note added."), icon=":material/check_circle:")  # the browser redraw the box
    form_defaults(drawn_prefix(p), {"text": ""})
    state.pop(p + "refused", None)
    clicked = state.get(p + "save") is True  # (read before the button is drawn: this run saves first)
    if (retried(p + "save") or clicked) and _save_note(user, c.id, p, clicked=clicked):
        reload(c.id)
        state[p + "saved"] = True
        st.rerun()
    drawn = drawn_prefix(p)  # (a new one after a refusal)
    form_defaults(drawn, {"text": ""})
    with st.form(p + "form", border=False, clear_on_submit=True):
        st.text_area(_("Internal note (staff only, never sent to the complainant)"), key=drawn + "text", height=70)
        st.form_submit_button(_("Add internal note"), icon=":material/lock:", key=p + "save")
    if (refused := state.get(p + "refused")) is not None:
        show_input_error(refused, p)


def attachment_box(user: CurrentUser, c: Complaint) -> None:
    """Upload photos or documents to the complaint."""
    p = f"complaint.{c.id}.attach."
    files = st.file_uploader(_("Add photos or documents (at most 10 MB each)"), accept_multiple_files=True,
                             key=p + "files", max_upload_size=MAX_ATTACHMENT_BYTES // 2**20)
    if files and st.button(_("Upload {n} files").format(n=len(files)), key=p + "upload", icon=":material/upload:"):
        try:
            with unit_of_work(user.id) as s:
                for file in files:
                    cx.add_attachment(s, actor=user, complaint_id=c.id, filename=file.name, data=file.getvalue())
        except InputError as exc:
            st.error(plain(exc), icon=":material/error:")
            return
        forget(p)
        reload(c.id)
        flash(_("Attachments added."))
        st.rerun()

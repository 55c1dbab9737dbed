"""The read-only parts of a complaint page: header with state, owner and SLA clocks; details; the timeline
(internal notes look different from replies); linked retailer, duplicates, follow-ups and attachments."""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from db.complaint_models import Complaint, ComplaintAttachment, FollowUp
from db.engine import unit_of_work
from portal import complaints as cx
from portal.access.auth import CurrentUser, can
from portal.center.sla import sla_status
from portal.center.workdays import WorkCalendar
from portal.complaints.display import center_time, clock_text, event_summary, sla_level
from portal.complaints.labels import (
    CHANNEL_LABELS,
    EVENT_KIND_LABELS,
    FIELD_LABELS,
    FOLLOW_UP_LEVEL_LABELS,
    REPLY_METHOD_LABELS,
    SATISFACTION_LABELS,
    STATE_LABELS,
)
from portal.complaints.queries import LinkedIncident, TimelineEntry
from portal.i18n import _
from portal.incidents.labels import STATUS_LABELS as INCIDENT_STATUS_LABELS
from portal.ui import nav
from portal.ui.tables import data_table
from portal.ui.text import plain


def bold(text: str) -> str:
    return f"**{plain(text)}**"


COLOURS = {"overdue": "red", "due_soon": "orange", "due_today": "orange", "paused": "gray"}


def _clock(label: str, clock, level: str | None) -> None:
    colour = COLOURS.get(level or "") if clock is not None and clock.running else None
    text = plain(clock_text(clock))
    st.markdown(f"**{label}**  \n" + (f":{colour}-background[{text}]" if colour else text))


def header(c: Complaint, *, now: datetime, calendar: WorkCalendar, owner: str, handler: str, department: str,
           incident: LinkedIncident | None, user: CurrentUser) -> None:
    """Reference, state, major flag (with the emergency incident opened for it, named and linked), first-contact
    owner, who handles it, and both SLA clocks."""
    st.title(f"{c.reference} · {_(STATE_LABELS[c.state])}")
    if c.awaiting_review:
        st.warning(_("Closed by an agent: awaits a supervisor's confirmation (or is sent back to work)."),
                   icon=":material/pending_actions:")
    if c.is_major and incident is not None:
        st.error(_("Major complaint (grade 1): emergency incident {ref} ({status}) was opened for it.").format(
            ref=incident.reference, status=_(INCIDENT_STATUS_LABELS[incident.status])),
            icon=":material/priority_high:")
        nav.page_link(user, "pages/incident.py", label=_("Open incident {ref}").format(ref=incident.reference),
                      icon=":material/emergency:", query_params={"id": str(incident.id)})
    elif c.is_major:
        st.error(_("Major complaint (grade 1): reported at once; it may need an emergency incident."),
                 icon=":material/priority_high:")
        if can(user, "incidents.run"):
            st.page_link("pages/incident_new.py", label=_("Open an emergency incident for it"),
                         icon=":material/add_alert:", query_params={"complaint": str(c.id)})
    status = sla_status(c, now, calendar)
    level = sla_level(status)
    cols = st.columns([2, 2, 3, 3])
    with cols[0]:
        st.markdown(bold(_("First-contact owner")) + f"  \n{plain(owner)}")
    with cols[1]:
        st.markdown(bold(_("Department / handler")) + f"  \n{plain(department or '—')} · {plain(handler or '—')}")
    with cols[2]:
        _clock(_("First-reply limit"), status.reply, level if status.next is status.reply else None)
    with cols[3]:
        _clock(_("Resolution limit"), status.resolution, level if status.next is status.resolution else None)
    if status.paused:
        st.caption(_("‖ The time limits are paused while waiting on the complainant (since {time}).").format(
            time=center_time(c.paused_since)))


LATE_ENTRY = timedelta(minutes=10)  # a registration this much after the receipt shows both times


def details(c: Complaint, *, user: CurrentUser, category: str) -> None:
    """What was received, and what the investigation and the reply say so far."""
    rows = [(_("Complainant"), c.complainant_name), (_("Phone"), cx.display_phone(user, c.complainant_phone)),
            (_("Received via"), _(CHANNEL_LABELS[c.channel])), (_("Received"), center_time(c.received_at)),
            (_("Category"), category), (_("Grade"), str(c.grade))]
    if c.created_at - c.received_at >= LATE_ENTRY:  # registered later (a letter, an entry made after the call)
        rows.insert(4, (_("Registered at"), center_time(c.created_at)))
    rows[2:2] = [(label, cx.display_contact(user, value)) for label, value in
                 ((_("E-mail"), c.complainant_email), (_("Postal address"), c.complainant_address)) if value]
    st.markdown("  \n".join(f"**{label}:** {plain(value or '—')}" for label, value in rows))
    st.markdown(bold(_("Description")))
    st.text(c.description)
    if c.remedy_sought:
        st.markdown(bold(_("Remedy sought")))
        st.text(c.remedy_sought)
    found = [(f, getattr(c, f)) for f in ("verification_result", "responsibility_analysis", "root_cause",
                                          "corrective_action", "responsible_person") if getattr(c, f)]
    if found:
        st.markdown(bold(_("Investigation")))
        st.markdown("  \n".join(f"*{_(FIELD_LABELS[f])}:* {plain(v)}" for f, v in found))
    if c.reply_text:
        st.markdown(bold(_("Answer given")) + f" ({_(REPLY_METHOD_LABELS[c.reply_method])}, "
                    f"{center_time(c.replied_at)})")
        st.text(c.reply_text)
    elif c.reopen_count:
        st.caption(_("Reopened after a dissatisfied follow-up: no answer yet since; the earlier answer is in the "
                     "timeline."))
    if c.invalid_reason:
        st.markdown(bold(_("Reason invalid") + ":") + f" {plain(c.invalid_reason)}")


def _entry(e: TimelineEntry, users: dict[int, str], departments: dict[int, str], categories: dict[int, str]) -> None:
    who = f"{e.actor_name} ({e.actor_staff_id})" if e.actor_staff_id else e.actor_name
    head = f"{center_time(e.at)} · {who} · {_(EVENT_KIND_LABELS[e.kind])}"
    if e.to_state:
        moved = f"{_(STATE_LABELS[e.from_state])} → " if e.from_state else ""
        head += f" · {moved}{_(STATE_LABELS[e.to_state])}"
    summary = event_summary(e, users, departments, categories)
    if e.kind == "note":
        st.warning(bold(_("Internal note — staff only, never told to the complainant")) + f" · {plain(head)}\n\n"
                   f"{plain(e.note)}", icon=":material/lock:")
    elif e.kind == "reply":
        st.info(f"**{plain(head)}** · {plain(summary)}\n\n{plain(e.note)}", icon=":material/forum:")
    else:
        text = f"**{plain(head)}**" + (f" · {plain(summary)}" if summary else "")
        st.markdown(text + (f"  \n{plain(e.note)}" if e.note else ""))


def timeline(entries: list[TimelineEntry], *, users: dict[int, str], departments: dict[int, str],
             categories: dict[int, str]) -> None:
    """Every step, oldest first: who, when, from → to, note."""
    with st.container(key="complaint_timeline"):
        for e in entries:
            _entry(e, users, departments, categories)


def linked(c: Complaint, *, retailer: str | None, original: str | None, duplicates: list[Complaint],
           follow_ups: list[FollowUp], attachments: list[ComplaintAttachment], user: CurrentUser) -> None:
    """The retailer, the original or duplicates, follow-ups and attachments."""
    if c.retailer_id is not None:
        st.page_link("pages/retailer.py", label=_("Retailer: {name}").format(
                         name=plain(retailer or f"#{c.retailer_id}")),
                     icon=":material/store:", query_params={"id": str(c.retailer_id)})
    if c.duplicate_of_id is not None:
        st.page_link("pages/complaint.py", label=_("Duplicate of {ref}").format(ref=original or "?"),
                     icon=":material/link:", query_params={"id": str(c.duplicate_of_id)})
    for d in duplicates:
        st.page_link("pages/complaint.py", label=_("Duplicate: {ref} ({time})").format(
            ref=d.reference, time=center_time(d.received_at)), icon=":material/content_copy:",
            query_params={"id": str(d.id)})
    if follow_ups:
        st.markdown(bold(_("Follow-ups")))
        data_table(pd.DataFrame({
            _("When"): [center_time(f.at) for f in follow_ups],
            _("Level"): [_(FOLLOW_UP_LEVEL_LABELS[f.level]) for f in follow_ups],
            _("Satisfaction"): [_(SATISFACTION_LABELS[f.satisfaction]) for f in follow_ups],
            _("What the complainant said"): [f.result for f in follow_ups]}), hide_index=True,
            key=f"complaint.{c.id}.follow_ups")
    for a in attachments:
        st.download_button(f"{plain(a.filename)} ({a.size_bytes // 1024 + 1} KB)", key=f"complaint.attachment.{a.id}",
                           data=lambda a=a: _attachment_bytes(user, a.id), file_name=a.filename,
                           mime=a.content_type, icon=":material/attach_file:", on_click="ignore")


def _attachment_bytes(user: CurrentUser, attachment_id: int) -> bytes:
    with unit_of_work(user.id) as s:
        return cx.attachment_content(s, actor=user, attachment_id=attachment_id).content

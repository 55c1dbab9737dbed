"""How complaint times and clocks read on screen: center time (China Standard Time), working time left or
overdue, and the one SLA word a list shows. No streamlit: pages and tests use the same texts."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from babel import Locale
from babel.dates import format_datetime

from portal.center.sla import Clock, SlaStatus, local
from portal.complaints.intake import excerpt
from portal.complaints.labels import (
    CHANNEL_LABELS,
    FIELD_LABELS,
    FOLLOW_UP_LEVEL_LABELS,
    REPLY_METHOD_LABELS,
    SATISFACTION_LABELS,
    STATE_LABELS,
    SURVEY_LABELS,
)
from portal.complaints.queries import TimelineEntry
from portal.i18n import _, current_language

# how each SLA level stands out in lists and grids (CSS for a cell)
SLA_STYLES = {
    "overdue": "background-color: #fde2e1; color: #a50e0e; font-weight: 600",
    "due_soon": "background-color: #fff1d6; color: #8a5300; font-weight: 600",
    "due_today": "background-color: #fffbe6; color: #6b5900",
    "paused": "color: #5f6368; font-style: italic",
}
SLA_COLORS = {"overdue": "red", "due_soon": "orange", "due_today": "yellow", "on_time": "green", "paused": "gray"}
SLA_MARKS = {"overdue": "⚠", "due_soon": "◔", "due_today": "○", "paused": "‖"}  # in every font, unlike emoji
EXCERPT = 80  # characters of a changed value the timeline shows (the record holds it whole)


def center_time(moment: datetime | None) -> str:
    """`moment` as the center's clock shows it (what a caller is told), in the reader's language."""
    if moment is None:
        return ""
    return format_datetime(local(moment), "short", locale=Locale.parse(current_language()))


def working_time(amount: timedelta) -> str:
    """A span of working time, roughly: "1 d 3 h", "3 h 20 min", "12 min" (one working day = 24 h)."""
    minutes = int(abs(amount) / timedelta(minutes=1))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("{d} d {h} h").format(d=days, h=hours)
    if hours:
        return _("{h} h {m} min").format(h=hours, m=minutes)
    return _("{m} min").format(m=minutes)


def sla_level(status: SlaStatus) -> str | None:
    """The one word a list shows: overdue, due_soon, due_today, paused, on_time; None when no clock runs."""
    if status.next is None:
        return None
    if status.overdue:
        return "overdue"
    if status.paused:
        return "paused"
    if status.due_soon:
        return "due_soon"
    return "due_today" if status.due_today else "on_time"


def clock_text(clock: Clock | None) -> str:
    """“Due 24/11/2026 15:00 · 3 h 20 min left”, “Overdue by 1 d 2 h”, “Met … (2 h early)”."""
    if clock is None:
        return _("No time limit (closed without an answer)")
    due = center_time(clock.due_at)
    if not clock.running:
        if clock.overdue:
            return _("Met {time}, {late} late").format(time=center_time(clock.met_at), late=working_time(clock.left))
        return _("Met {time}, in time").format(time=center_time(clock.met_at))
    if clock.overdue:
        return _("Due {due} · overdue by {late}").format(due=due, late=working_time(clock.left))
    return _("Due {due} · {left} left").format(due=due, left=working_time(clock.left))


def _when(value: Any) -> str:
    return center_time(datetime.fromisoformat(value)) if isinstance(value, str) and value else ""


def _excerpt(value: Any) -> str:
    """A changed value as the timeline shows it: on one line, cut at EXCERPT characters, "—" when empty."""
    return excerpt(str(value), EXCERPT) if value not in (None, "") and str(value).strip() else "—"


def event_summary(entry: TimelineEntry, users: dict[int, str], departments: dict[int, str],
                  categories: dict[int, str] | None = None) -> str:
    """What a timeline entry's details say, in words (the note is shown on its own)."""
    data, parts, categories = entry.data, [], categories or {}

    def who(user_id: Any) -> str:
        return users.get(user_id, f"#{user_id}") if user_id is not None else _("nobody")

    if entry.kind == "state_change" and entry.from_state is None:
        parts.append(_("{channel}, grade {grade}").format(channel=_(CHANNEL_LABELS.get(data.get("channel"), "")),
                                                          grade=data.get("grade", "")))
    if "department_id" in data:
        old, new = data["department_id"]
        if old != new:
            parts.append(_("Department: {old} → {new}").format(
                old=departments.get(old, "—") if old else "—", new=departments.get(new, "—") if new else "—"))
    if "handler_id" in data:
        old, new = data["handler_id"]
        if old != new:
            parts.append(_("Handler: {old} → {new}").format(old=who(old), new=who(new)))
    if "grade" in data and isinstance(data["grade"], list):
        parts.append(_("Grade: {old} → {new}").format(old=data["grade"][0], new=data["grade"][1]))
    if "category_id" in data and isinstance(data["category_id"], list):
        old, new = data["category_id"]
        parts.append(_("Category: {old} → {new}").format(old=categories.get(old, f"#{old}"),
                                                         new=categories.get(new, f"#{new}")))
    if "first_contact_owner_id" in data:
        old, new = data["first_contact_owner_id"]
        parts.append(_("First-contact owner: {old} → {new}").format(old=who(old), new=who(new)))
    if entry.kind == "retriage" and "first_reply_due_at" in data:
        parts.append(_("reply now due {time}").format(time=_when(data["first_reply_due_at"][1])))
    if entry.kind == "field_change":
        label = _(FIELD_LABELS.get(data.get("field", ""), data.get("field", "")))
        parts.append(_("{field}: {old} → {new}").format(field=label, old=_excerpt(data.get("old")),
                                                         new=_excerpt(data.get("new"))))
    if entry.kind == "reply":
        method = _(REPLY_METHOD_LABELS.get(data.get("method", ""), ""))
        text = _("Answer ({method}, {time})") if data.get("final") else _("Interim reply ({method}, {time})")
        parts.append(text.format(method=method, time=_when(data.get("replied_at"))))
    if entry.kind == "follow_up":
        parts.append(f"{_(FOLLOW_UP_LEVEL_LABELS.get(data.get('level'), ''))} · "
                     f"{_(SATISFACTION_LABELS.get(data.get('satisfaction', ''), ''))}")
        scores = [f"{_(SURVEY_LABELS[k])} {data[k]}" for k in SURVEY_LABELS if k in data]
        if scores:
            parts.append(", ".join(scores))
    if entry.kind == "resume":
        parts.append(_("paused for {hours} working hours").format(hours=data.get("paused_working_hours", 0)))
    if "resolution_due_at" in data and isinstance(data["resolution_due_at"], list):
        parts.append(_("resolution now due {time}").format(time=_when(data["resolution_due_at"][1])))
    if data.get("awaiting_review"):
        parts.append(_("awaits a supervisor's confirmation"))
    if entry.kind == "review":
        parts.append(_review(data))
    if entry.kind == "link":
        if ref := data.get("duplicate_of_reference"):
            parts.append(_("Duplicate of {ref}").format(ref=ref))
        if ref := data.get("duplicate_reference"):
            parts.append(_("{ref} linked to this one as a duplicate").format(ref=ref))
        if ref := data.get("incident_reference"):
            parts.append(_("Emergency incident {ref} opened for it").format(ref=ref))
    return " · ".join(p for p in parts if p)


def _review(data: dict) -> str:
    """What a supervisor's review of a closure as invalid or duplicate decided."""
    closure = _(STATE_LABELS.get(data.get("exit", ""), ""))
    if data.get("decision") == "confirmed":
        return _("Closure confirmed: {closure}").format(closure=closure)
    if data.get("decision") == "unlinked":
        return _("{ref} is no longer linked to this one: sent back to work").format(ref=data.get("duplicate_reference"))
    if ref := data.get("duplicate_of_reference"):
        return _("Closure sent back: {closure} of {ref}").format(closure=closure, ref=ref)
    return _("Closure sent back: {closure}").format(closure=closure)

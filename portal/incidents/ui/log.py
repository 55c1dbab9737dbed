"""Incident pieces shared by the board and the incident page: badges, elapsed times, the timeline, and the
entry form that keeps its text (with a retry) when the database is briefly unreachable."""
from __future__ import annotations

import os
from datetime import timedelta

import streamlit as st

from db.engine import unit_of_work
from db.incident_models import USER_ENTRY_KINDS
from portal import incidents as ix
from portal.access.auth import CurrentUser
from portal.i18n import _, fmt_datetime, pgettext
from portal.incidents.labels import ENTRY_KIND_LABELS, SEVERITY_LABELS, STATUS_LABELS
from portal.inputs import MOMENT_BOUNDS
from portal.ui.forms import (
    REFUSED,
    cleared_in_browser,
    drawn_prefix,
    forget,
    form_defaults,
    refill,
    retried,
    show_input_error,
)
from portal.ui.text import plain

SEVERITY_COLORS = {1: "red", 2: "orange", 3: "blue", 4: "gray"}
STATUS_COLORS = {"open": "red", "responding": "orange", "monitoring": "blue", "resolved": "green", "closed": "gray"}


def refresh_every() -> float:
    """Seconds between the board's (and the timeline's) own redraws: 30, or PORTAL_INCIDENT_REFRESH_SECONDS (the
    browser test shortens it to watch a refresh keep what is being typed)."""
    return float(os.environ.get("PORTAL_INCIDENT_REFRESH_SECONDS") or 30)


def elapsed(span: timedelta) -> str:
    """“3 d 4 h”, “2 h 05 min”, “12 min”."""
    minutes = max(int(span.total_seconds() // 60), 0)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return _("{d} d {h} h").format(d=days, h=hours)
    if hours:
        return _("{h} h {m} min").format(h=hours, m=f"{mins:02d}")
    return _("{m} min").format(m=mins)


def severity_badge(severity: int) -> str:
    return f":{SEVERITY_COLORS[severity]}-badge[{_(SEVERITY_LABELS[severity])}]"


def status_badge(status: str) -> str:
    return f":{STATUS_COLORS[status]}-badge[{_(STATUS_LABELS[status])}]"


def entry_markdown(e: ix.EntryView, *, star: bool = True) -> str:
    """One log entry as Markdown: number, ★, kind, when it happened (and when written, if later), who in what
    position, the text, and what corrects it or what it corrects."""
    late = e.recorded_at - e.happened_at > timedelta(minutes=5)
    written = _("written {time}").format(time=fmt_datetime(e.recorded_at))
    when = fmt_datetime(e.happened_at) + (f" · {written}" if late else "")
    mark = "★ " if star and e.significant else ""
    position = ix.position_label(e.position)
    who = plain(e.author) + (f" ({position})" if position else "")
    notes = []
    if e.corrects_entry_id:
        notes.append(_("corrects entry #{n}").format(n=e.corrects_entry_id))
    if e.corrected_by:
        notes.append(_("corrected by #{n}").format(n=", #".join(map(str, e.corrected_by))))
    extra = f" _({'; '.join(notes)})_" if notes else ""
    return f"`#{e.id}` **{mark}{_(ENTRY_KIND_LABELS[e.kind])}** · {when} · {who}  \n{plain(e.text)}{extra}"


def show_timeline(entries: list[ix.EntryView], *, newest_first: bool = True) -> None:
    """The log, one line per entry (read-only: the incident page's own log adds ★ toggles and files)."""
    if not entries:
        st.caption(_("No entries yet."))
        return
    for e in reversed(entries) if newest_first else entries:
        st.markdown(entry_markdown(e))


ENTRY_DEFAULTS = {"text": "", "kind": USER_ENTRY_KINDS[0], "happened": None, "significant": False, "corrects": None}


def _save_entry(user: CurrentUser, incident_id: int, prefix: str, *, clicked: bool) -> None:
    """Save the entry the form holds. The form empties itself in the browser at the click (`clear_on_submit`), so
    what is typed while this saves stays in the box and is never sent twice; a refused entry is drawn again in a
    form of its own (`refill`)."""
    state = st.session_state
    drawn = drawn_prefix(prefix)
    values = {name: state.get(drawn + name, default) for name, default in ENTRY_DEFAULTS.items()}
    try:
        with unit_of_work(user.id) as s:
            ix.add_entry(s, actor=user, incident_id=incident_id, text=values["text"],
                         kind=values["kind"] or "update", happened_at=values["happened"],
                         significant=bool(values["significant"]), corrects_entry_id=values["corrects"])
    except REFUSED as exc:
        refill(prefix, values)  # back in the box (the browser emptied it at the click)
        state[prefix + "refused"] = exc
        return
    if clicked:  # the browser emptied the form at the click: leave it (and what is typed since) alone
        cleared_in_browser(drawn, values)
    else:  # saved by Retry: the box still shows the text, so empty it on the next run
        forget(prefix)
    state[prefix + "saved"] = True


def entry_form(user: CurrentUser, incident_id: int, *, prefix: str, entries: list[ix.EntryView] = ()) -> None:
    """Write a timeline entry. If saving fails (bad input, or the database does not answer) the text stays on
    screen, with a Retry for the unreachable case. Saved before the form is drawn, so a refused entry can be put
    back into the box."""
    state = st.session_state
    if state.pop(prefix + "saved", False):
        st.toast(_("Entry added to the timeline."), icon=":material/check_circle:")
    form_defaults(drawn_prefix(prefix), ENTRY_DEFAULTS)  # after a save, these reach the browser too (portal.ui.forms)
    state.pop(prefix + "refused", None)
    clicked = state.get(prefix + "save") is True  # (read before the button is drawn: this run saves first)
    if retried(prefix + "save") or clicked:
        _save_entry(user, incident_id, prefix, clicked=clicked)
        if state.get(prefix + "saved"):
            st.rerun()
    drawn = drawn_prefix(prefix)  # (a new one after a refusal)
    form_defaults(drawn, ENTRY_DEFAULTS)
    with st.form(prefix + "form", border=True, clear_on_submit=True):
        # no max_chars: the browser would drop a longer paste without a word; the rule refuses it, saying why
        st.text_area(_("What happened, was decided or was done"), key=drawn + "text", height=90)
        kind_col, when_col = st.columns(2)
        kind_col.selectbox(pgettext("timeline entry", "Kind"), USER_ENTRY_KINDS,
                           format_func=lambda k: _(ENTRY_KIND_LABELS[k]), key=drawn + "kind")
        when_col.datetime_input(_("Happened at (empty: now)"), value=None, key=drawn + "happened",
                                format="YYYY-MM-DD", **MOMENT_BOUNDS)
        flag_col, fix_col = st.columns(2)
        flag_col.checkbox(_("Significant"), key=drawn + "significant",
                          help=_("Shown in the significant-events view across all open incidents."))
        fix_col.selectbox(_("Corrects entry"), [e.id for e in entries if e.kind in USER_ENTRY_KINDS], index=None,
                          format_func=lambda i: f"#{i}", placeholder=_("No correction"), key=drawn + "corrects")
        st.form_submit_button(_("Add entry"), type="primary", icon=":material/add_comment:", key=prefix + "save")
    if (refused := state.get(prefix + "refused")) is not None:
        show_input_error(refused, prefix)

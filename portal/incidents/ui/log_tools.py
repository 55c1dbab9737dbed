"""The incident page's log as ICS-214: a filter bar (kind, author, ★, search), the entries with a ★ toggle and
their files, attaching photos or files to an entry, the log's export (XLSX, print view), and the objectives the
handover brief (ICS-201) carries."""
from __future__ import annotations

import streamlit as st

from db.engine import unit_of_work
from db.incident_models import ENTRY_KINDS, MAX_ENTRY_FILE_BYTES, Incident
from portal import incidents as ix
from portal.access.auth import CurrentUser
from portal.i18n import _, pgettext
from portal.incidents.labels import ENTRY_KIND_LABELS
from portal.incidents.log_view import describe_filter
from portal.incidents.rules import utcnow
from portal.incidents.ui.log import entry_markdown
from portal.ui.forms import (
    REFUSED,
    flash,
    forget,
    form_defaults,
    guarded_callback,
    saved,
    show_input_error,
    submit_button,
)
from portal.ui.text import plain


def log_filter(entries: list[ix.EntryView], prefix: str) -> ix.LogFilter:
    """The filter bar above the log; returns what it asks for."""
    authors = ix.log_authors(entries)
    search_col, kind_col, author_col, star_col = st.columns([3, 3, 2, 1], vertical_alignment="bottom")
    search = search_col.text_input(_("Search the log"), key=prefix + "search",
                                   placeholder=_("Words, #number, name or file"))
    kinds = kind_col.multiselect(pgettext("timeline entry", "Kind"), ENTRY_KINDS, key=prefix + "kinds",
                                 format_func=lambda k: _(ENTRY_KIND_LABELS[k]), placeholder=_("All kinds"))
    author = author_col.selectbox(_("Author"), [None, *authors], key=prefix + "author",
                                  format_func=lambda a: _("Everyone") if a is None else authors.get(a, "?"))
    starred = star_col.toggle(_("★ only"), key=prefix + "starred")
    return ix.LogFilter(tuple(kinds), author if author in authors else None, starred, search)


@guarded_callback
def _toggle_star(user: CurrentUser, entry_id: int, significant: bool) -> None:
    with unit_of_work(user.id) as s:
        ix.flag_entry(s, actor=user, entry_id=entry_id, significant=significant)


def _file_bytes(user: CurrentUser, file_id: int) -> bytes:
    with unit_of_work(user.id) as s:
        return ix.entry_file_content(s, actor=user, file_id=file_id).content


def show_log(user: CurrentUser, entries: list[ix.EntryView], *, may_star: bool, prefix: str) -> None:
    """The entries, newest first: a ★ toggle for those who may star (else the ★ alone), then the entry and its
    files to download."""
    if not entries:
        st.caption(_("No entries match."))
        return
    for e in reversed(entries):
        star_col, text_col = st.columns([1, 24], gap="small")
        if may_star:
            star_col.button("★" if e.significant else "☆", key=f"{prefix}star_{e.id}", type="tertiary",
                            help=_("Unstar") if e.significant else _("Star as significant"),
                            on_click=_toggle_star, args=(user, e.id, not e.significant))
        elif e.significant:
            star_col.markdown("★")
        text_col.markdown(entry_markdown(e, star=False))
        for f in e.files:
            text_col.download_button(f"{plain(f.filename)} ({f.size_bytes // 1024 + 1} KB)", key=f"{prefix}file_{f.id}",
                                     data=lambda f=f: _file_bytes(user, f.id), file_name=f.filename,
                                     mime=f.content_type, icon=":material/attach_file:", on_click="ignore",
                                     type="tertiary")


def attach_box(user: CurrentUser, entries: list[ix.EntryView], shown: list[ix.EntryView], prefix: str) -> None:
    """Attach photos or documents to an entry: offered first are the entries shown (the filter finds the one meant),
    newest first."""
    p = prefix + "attach_"
    ids = list(dict.fromkeys([e.id for e in reversed(shown)] + [e.id for e in reversed(entries)]))
    if not ids:
        return
    with st.popover(_("Attach photos or files"), icon=":material/attach_file:"):
        texts = {e.id: e.text for e in entries}
        entry = st.selectbox(_("To entry"), ids, format_func=lambda n: f"#{n} · {texts.get(n, '')[:40]}",
                             key=p + "entry")
        files = st.file_uploader(_("Photos or documents (at most 10 MB each)"), accept_multiple_files=True,
                                 key=p + "files", max_upload_size=MAX_ENTRY_FILE_BYTES // 2**20)
        if files and st.button(_("Attach {n} files").format(n=len(files)), key=p + "save", icon=":material/upload:"):
            try:
                with unit_of_work(user.id) as s:
                    for file in files:
                        ix.attach_to_entry(s, actor=user, entry_id=entry, filename=file.name, data=file.getvalue())
            except REFUSED as exc:
                show_input_error(exc, p)
                return
            forget(p)
            flash(_("Files attached to entry #{n}.").format(n=entry))
            st.rerun()


def log_exports(view: ix.IncidentView, entries: list[ix.EntryView], wanted: ix.LogFilter,
                all_entries: list[ix.EntryView], prefix: str) -> None:
    """Export the entries shown (the whole log when nothing is filtered): XLSX, and a page to print (ICS-214)."""
    incident, note = view.incident, describe_filter(wanted, ix.log_authors(all_entries))
    position = ix.position_label(view.prepared_by_position)
    prepared_by = view.prepared_by + (f" ({position})" if position else "")
    left, right = st.columns(2)
    left.download_button(_("Export the log (XLSX)"), key=prefix + "xlsx", on_click="ignore",
                         data=lambda: ix.log_xlsx(incident, entries, note=note), icon=":material/download:",
                         file_name=f"{incident.reference}-log.xlsx", disabled=not entries,
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    right.download_button(_("Log print view"), key=prefix + "print", on_click="ignore", icon=":material/print:",
                          data=lambda: ix.log_print_html(incident, entries, prepared_by=prepared_by,
                                                         prepared_at=utcnow(), note=note),
                          file_name=f"{incident.reference}-log.html", mime="text/html", disabled=not entries,
                          help=_("The activity log as a page to print (ICS-214): the entries shown here."))


def objectives_box(user: CurrentUser, incident: Incident, *, may_edit: bool) -> None:
    """The incident's current objectives (ICS-201), and for coordinators a form to set new ones."""
    p = f"inc{incident.id}_objectives_"
    with st.expander(_("Objectives"), icon=":material/flag:", expanded=not incident.objectives and may_edit):
        st.markdown(plain(incident.objectives) if incident.objectives else _("No objectives set yet."))
        if not may_edit:
            return
        form_defaults(p, {"text": incident.objectives or ""})  # kept through an outage (portal/ui/forms.py)
        with st.form(p + "form", border=False):
            text = st.text_area(_("Current objectives"), key=p + "text", height=90)
            if submit_button(_("Save objectives"), form=p + "form"):
                try:
                    with unit_of_work(user.id) as s:
                        ix.set_objectives(s, actor=user, incident_id=incident.id, objectives=text,
                                          version=incident.version)
                except REFUSED as exc:
                    show_input_error(exc, p)
                else:
                    saved(_("Objectives saved; the timeline has them as a decision."), p)

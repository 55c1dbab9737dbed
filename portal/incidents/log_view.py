"""The incident log read as an ICS-214 activity log: filtered by kind, author or ★ and searched (a long log is one
long list otherwise), exported as XLSX (text cells, never formulas) and as a printable page. Pure functions over the
entries `queries.timeline` reads, so the screen, the file and the print show the same entries."""
from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from db.incident_models import Incident
from portal.i18n import _, fmt_datetime, pgettext
from portal.incidents.brief import STYLE, _e, _table, position_label
from portal.incidents.labels import ENTRY_KIND_LABELS
from portal.incidents.queries import EntryView

# the print's number, times, kind, author and position columns keep to one line; the entry takes the rest
NARROW = "td:nth-child(-n+4), td:nth-child(7), td:nth-child(8) { white-space: nowrap; }"


@dataclass(frozen=True)
class LogFilter:
    """What part of the log to show: kinds (none: all), one author, starred entries only, and words to find."""

    kinds: tuple[str, ...] = ()
    author_id: int | None = None
    starred_only: bool = False
    search: str = ""

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.author_id is not None or self.starred_only or self.search.strip())


def _haystack(e: EntryView) -> str:
    """Everything a search looks in: the text as shown, its number, author, position, kind and file names."""
    return " ".join([e.text, f"#{e.id}", e.author, position_label(e.position), _(ENTRY_KIND_LABELS[e.kind]),
                     *(f.filename for f in e.files)]).casefold()


def filter_log(entries: Iterable[EntryView], wanted: LogFilter) -> list[EntryView]:
    """The entries `wanted` asks for, in their order; every word searched for must appear (any case)."""
    words = wanted.search.casefold().split()
    return [e for e in entries
            if (not wanted.kinds or e.kind in wanted.kinds)
            and (wanted.author_id is None or e.author_id == wanted.author_id)
            and (not wanted.starred_only or e.significant)
            and all(word in _haystack(e) for word in words)]


def log_authors(entries: Iterable[EntryView]) -> dict[int, str]:
    """Who wrote in the log: author id -> name, in the order they first wrote."""
    return {e.author_id: e.author for e in entries if e.author_id is not None}


def describe_filter(wanted: LogFilter, authors: dict[int, str]) -> str:
    """The filter in words, for the export's and the print's heading ("" when the whole log is shown)."""
    parts = []
    if wanted.kinds:
        parts.append("、".join(_(ENTRY_KIND_LABELS[k]) for k in wanted.kinds))
    if wanted.author_id is not None:
        parts.append(_("by {name}").format(name=authors.get(wanted.author_id, "?")))
    if wanted.starred_only:
        parts.append(_("★ significant only"))
    if wanted.search.strip():
        parts.append(_("containing “{text}”").format(text=wanted.search.strip()))
    return " · ".join(parts)


def _notes(e: EntryView) -> str:
    notes = []
    if e.corrects_entry_id:
        notes.append(_("corrects entry #{n}").format(n=e.corrects_entry_id))
    if e.corrected_by:
        notes.append(_("corrected by #{n}").format(n=", #".join(map(str, e.corrected_by))))
    return "; ".join(notes)


def _headers() -> list[str]:
    return [_("No."), _("Happened"), _("Written"), pgettext("timeline entry", "Kind"), "★", _("Entry"), _("By"),
            _("Position"), _("Corrections"), _("Files")]


def _cells(e: EntryView) -> list[str]:
    return [f"#{e.id}", fmt_datetime(e.happened_at), fmt_datetime(e.recorded_at), _(ENTRY_KIND_LABELS[e.kind]),
            "★" if e.significant else "", e.text, e.author, position_label(e.position), _notes(e),
            ", ".join(f.filename for f in e.files)]


def log_xlsx(incident: Incident, entries: list[EntryView], *, note: str = "") -> bytes:
    """The log as an Excel workbook: a heading (incident, filter) and one row per entry, every text a text cell."""
    from openpyxl import Workbook

    from portal.records.exporting import xlsx_row

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=incident.reference)
    try:
        sheet.append(xlsx_row(sheet, [f"{incident.reference} · {incident.title}"]))
        sheet.append(xlsx_row(sheet, [_("Activity log (ICS-214)") + (f" · {note}" if note else "")]))
        sheet.append(xlsx_row(sheet, _headers()))
        for e in entries:
            sheet.append(xlsx_row(sheet, _cells(e)))
    except BaseException:
        sheet.close()  # (see portal.records.exporting.export_xlsx)
        raise
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def log_print_html(incident: Incident, entries: list[EntryView], *, prepared_by: str, prepared_at: datetime,
                   note: str = "") -> str:
    """The log as a page to print (ICS-214): incident, operational period, prepared by / at, the activity log."""
    period_end = incident.closed_at or incident.resolved_at
    until = fmt_datetime(period_end) if period_end else _("ongoing")
    period = f"{fmt_datetime(incident.started_at)} – {until}"
    meta = [(_("Incident"), f"{incident.reference} · {incident.title}"), (_("Operational period"), period),
            (_("Prepared by"), prepared_by), (_("Prepared at"), fmt_datetime(prepared_at))]
    if note:
        meta.append((_("Shown"), note))
    meta_rows = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in meta)
    rows, empty = [[_e(c) for c in _cells(e)] for e in entries], _("No entries.")
    for row, e in zip(rows, entries, strict=True):
        if e.significant:
            row[5] = f"<span class='significant'>{row[5]}</span>"
    title, heading = _("Activity log (ICS-214)"), _("Activity log")
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{_e(title)} {_e(incident.reference)}</title><style>{STYLE}{NARROW}</style>
</head>
<body><h1>{_e(incident.reference)} · {_e(incident.title)}</h1>
<p class="muted">{_e(title)}</p>
<table class="meta">{meta_rows}</table>
<h2>{_e(heading)}</h2>{_table(_headers(), rows, empty)}
</body></html>"""

"""Photos and documents on an incident log entry (ICS-214 attachments), kept in PostgreSQL like a complaint's:
at most 10 MB each, of the complaint attachments' types, checked by their first bytes. A file is added to the log
beside its entry; the entry itself never changes."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.orm import Session, undefer

from db.incident_models import IncidentEntryFile, IncidentTimelineEntry
from portal.access.auth import CurrentUser, require
from portal.complaints.attachments import checked_file
from portal.i18n import _
from portal.incidents.rules import VIEW, IncidentInputError, lock_incident, require_open, require_run, utcnow


def attach_to_entry(session: Session, *, actor: CurrentUser, entry_id: int, filename: str, data: bytes,
                    now: datetime | None = None) -> IncidentEntryFile:
    """Attach a photo or document (images, PDF, Word/Excel/PowerPoint; at most 10 MB) to a timeline entry of an
    incident that is not closed out."""
    require_run(actor)
    try:
        name, ctype = checked_file(filename, data)  # (the complaint attachments' check: the same 10 MB and types)
    except ValueError as exc:
        raise IncidentInputError("files", str(exc)) from None
    entry = session.get(IncidentTimelineEntry, entry_id)
    if entry is None:
        raise IncidentInputError("entry", _("That entry does not exist."))
    require_open(lock_incident(session, entry.incident_id, share=True))
    attached = IncidentEntryFile(entry_id=entry.id, incident_id=entry.incident_id, filename=name, content_type=ctype,
                                 size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), content=data,
                                 uploaded_by_id=actor.id, uploaded_at=now or utcnow())
    session.add(attached)
    session.flush()
    return attached


def entry_file_content(session: Session, *, actor: CurrentUser, file_id: int) -> IncidentEntryFile:
    """One file of a log entry with its bytes loaded (everyone who may read incidents may read their files)."""
    require(actor, VIEW)
    attached = session.get(IncidentEntryFile, file_id, options=[undefer(IncidentEntryFile.content)])
    if attached is None:
        raise IncidentInputError("files", _("That file does not exist."))
    return attached

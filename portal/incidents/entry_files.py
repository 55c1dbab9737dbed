"""Photos and documents on an incident log entry (ICS-214 attachments), kept in PostgreSQL like a complaint's:
at most 10 MB each, of the complaint attachments' types, checked by their first bytes. A file is added to the log
beside its entry; the entry itself never changes."""
from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import PurePath

from sqlalchemy.orm import Session, undefer

from db.incident_models import MAX_ENTRY_FILE_BYTES, IncidentEntryFile, IncidentTimelineEntry
from portal.access.auth import CurrentUser, require
from portal.complaints.attachments import content_type_of
from portal.i18n import _
from portal.incidents.rules import VIEW, IncidentInputError, lock_incident, require_open, require_run, utcnow


def attach_to_entry(session: Session, *, actor: CurrentUser, entry_id: int, filename: str, data: bytes,
                    now: datetime | None = None) -> IncidentEntryFile:
    """Attach a photo or document (images, PDF, Word/Excel/PowerPoint; at most 10 MB) to a timeline entry of an
    incident that is not closed out."""
    require_run(actor)
    name = PurePath((filename or "").replace("\\", "/")).name.strip()[:255]
    if not name:
        raise IncidentInputError("files", _("Attachment: the file has no name."))
    if not data:
        raise IncidentInputError("files", _("Attachment: the file is empty."))
    if len(data) > MAX_ENTRY_FILE_BYTES:
        raise IncidentInputError("files", _("Attachment: {name} is larger than 10 MB; send a smaller "
                                            "file or a photo at lower resolution.").format(name=name))
    ctype = content_type_of(name, data)
    if ctype is None:
        raise IncidentInputError("files", _("Attachment: {name} is not a photo (JPEG, PNG, GIF, WebP), "
                                            "PDF or Office document.").format(name=name))
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

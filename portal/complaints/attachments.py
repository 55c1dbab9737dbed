"""Photos and documents of a complaint, kept in PostgreSQL: size-limited and checked by content."""
from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from db.complaint_models import ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES, ComplaintAttachment
from portal.access.auth import CurrentUser
from portal.complaints.queries import get_complaint
from portal.complaints.rules import ComplaintInputError, add_event, check_move, lock_complaint, utcnow
from portal.i18n import _

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (doc, xls, ppt)
_ZIP = b"PK\x03\x04"  # Office Open XML (docx, xlsx, pptx)
# content type -> (file name extensions, what the first bytes must be)
SIGNATURES: dict[str, tuple[tuple[str, ...], tuple[bytes, ...]]] = {
    "image/jpeg": ((".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
    "image/png": ((".png",), (b"\x89PNG\r\n\x1a\n",)),
    "image/gif": ((".gif",), (b"GIF87a", b"GIF89a")),
    "image/webp": ((".webp",), (b"RIFF",)),
    "application/pdf": ((".pdf",), (b"%PDF-",)),
    "application/msword": ((".doc",), (_OLE,)),
    "application/vnd.ms-excel": ((".xls",), (_OLE,)),
    "application/vnd.ms-powerpoint": ((".ppt",), (_OLE,)),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ((".docx",), (_ZIP,)),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ((".xlsx",), (_ZIP,)),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ((".pptx",), (_ZIP,)),
}
assert set(SIGNATURES) == set(ATTACHMENT_TYPES)
EXTENSIONS = {ext: ctype for ctype, (exts, _sig) in SIGNATURES.items() for ext in exts}


def content_type_of(filename: str, data: bytes) -> str | None:
    """The allowed type a file is, judged by its extension and confirmed by its first bytes; else None."""
    ctype = EXTENSIONS.get(PurePath(filename).suffix.lower())
    if ctype is None:
        return None
    _exts, signatures = SIGNATURES[ctype]
    if not data.startswith(signatures):
        return None
    if ctype == "image/webp" and data[8:12] != b"WEBP":
        return None
    return ctype


def checked_file(filename: str, data: bytes) -> tuple[str, str]:
    """An uploaded file's name (without folders) and content type, or ValueError saying, for people, why it is
    refused: no name, empty, over 10 MB, or not a photo, PDF or Office document by its first bytes. The one check
    behind complaint attachments and incident log files."""
    name = PurePath((filename or "").replace("\\", "/")).name.strip()[:255]
    if not name:
        raise ValueError(_("Attachment: the file has no name."))
    if not data:
        raise ValueError(_("Attachment: the file is empty."))
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValueError(_("Attachment: {name} is larger than 10 MB; send a smaller file or a photo at lower "
                           "resolution.").format(name=name))
    ctype = content_type_of(name, data)
    if ctype is None:
        raise ValueError(_("Attachment: {name} is not a photo (JPEG, PNG, GIF, WebP), PDF or Office "
                           "document.").format(name=name))
    return name, ctype


def add_attachment(session: Session, *, actor: CurrentUser, complaint_id: int, filename: str, data: bytes,
                   now: datetime | None = None) -> ComplaintAttachment:
    """Attach a photo or document (images, PDF, Word/Excel/PowerPoint; at most 10 MB)."""
    now = now or utcnow()
    try:
        name, ctype = checked_file(filename, data)
    except ValueError as exc:
        raise ComplaintInputError("attachment", str(exc)) from None
    c = lock_complaint(session, complaint_id)
    check_move(actor, c, "add_attachment")
    attachment = ComplaintAttachment(complaint_id=c.id, filename=name, content_type=ctype, size_bytes=len(data),
                                     sha256=hashlib.sha256(data).hexdigest(), content=data,
                                     uploaded_by_id=actor.id, uploaded_at=now)
    session.add(attachment)
    session.flush()
    add_event(session, c, actor, now, "attachment", note=name,
              data={"attachment_id": attachment.id, "size_bytes": len(data), "content_type": ctype})
    session.flush()
    return attachment


def list_attachments(session: Session, *, actor: CurrentUser, complaint_id: int) -> list[ComplaintAttachment]:
    """The attachments of a complaint (without their bytes), oldest first."""
    get_complaint(session, actor=actor, complaint_id=complaint_id)
    return list(session.scalars(select(ComplaintAttachment).where(ComplaintAttachment.complaint_id == complaint_id)
                                .order_by(ComplaintAttachment.uploaded_at, ComplaintAttachment.id)))


def attachment_content(session: Session, *, actor: CurrentUser, attachment_id: int) -> ComplaintAttachment:
    """One attachment with its bytes loaded, if `actor` may see its complaint."""
    attachment = session.get(ComplaintAttachment, attachment_id, options=[undefer(ComplaintAttachment.content)])
    if attachment is None:
        raise ComplaintInputError("attachment", _("That attachment does not exist."))
    get_complaint(session, actor=actor, complaint_id=attachment.complaint_id)
    return attachment

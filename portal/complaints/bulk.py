"""Moves on many complaints at once (the supervisor grid's bulk actions): each complaint goes through the same
move function as on its own page, so each gets its own timeline entry and audit rows, and one that cannot
move (changed meanwhile, wrong state) is reported without stopping the others."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.complaint_models import Complaint
from portal.access.auth import CurrentUser, PermissionDenied
from portal.complaints.rules import require_text, utcnow
from portal.complaints.workflow import assign_complaint, mark_invalid
from portal.errors import InputError
from portal.i18n import _

MAX_BULK = 200  # one grid page at most


@dataclass
class BulkOutcome:
    """What a bulk move did: the references moved, and those refused with the reason."""

    moved: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _each(session: Session, versions: Mapping[int, int | None], move: Callable[[int, int | None], object]
          ) -> BulkOutcome:
    if len(versions) > MAX_BULK:
        raise InputError("complaints", _("Choose at most {n} complaints at a time.").format(n=MAX_BULK))
    references = dict(session.execute(select(Complaint.id, Complaint.reference)
                                      .where(Complaint.id.in_(list(versions)))).all())
    outcome = BulkOutcome()
    for complaint_id, version in versions.items():
        reference = references.get(complaint_id, f"#{complaint_id}")
        try:
            with session.begin_nested():  # a refused one leaves no trace; the others go on
                move(complaint_id, version)
        except InputError as exc:
            outcome.refused.append((reference, str(exc)))
        except PermissionDenied:
            outcome.refused.append((reference, _("You may not do that with this complaint.")))
        else:
            outcome.moved.append(reference)
    return outcome


def assign_complaints(session: Session, *, actor: CurrentUser, versions: Mapping[int, int | None],
                      department_id: int | None = None, handler_id: int | None = None, note: str = "",
                      now: datetime | None = None) -> BulkOutcome:
    """Supervisor: assign each complaint (id -> the version the grid showed) to a department and handler."""
    now = now or utcnow()
    return _each(session, versions, lambda cid, version: assign_complaint(
        session, actor=actor, complaint_id=cid, version=version, department_id=department_id, handler_id=handler_id,
        note=note, now=now))


def mark_complaints_invalid(session: Session, *, actor: CurrentUser, versions: Mapping[int, int | None],
                            reason: str, now: datetime | None = None) -> BulkOutcome:
    """Supervisor: close each complaint as invalid (无效投诉) with the same reason."""
    now = now or utcnow()
    reason = require_text("reason", reason, _("Reason: say why the complaints are invalid."), limit=2000)
    return _each(session, versions, lambda cid, version: mark_invalid(
        session, actor=actor, complaint_id=cid, version=version, reason=reason, now=now))

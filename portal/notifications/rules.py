"""The rules: what an event (one flush's changes, db/outbox.py) means for whom. Each rule reads what it needs and
returns notices; `record` writes them once each (the unique key: rule, record, occasion, user)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.complaint_models import Complaint
from db.models import User
from db.notification_models import Notification
from portal.i18n import N_

COMPLAINT_LINK = "pages/complaint.py?id={id}"


@dataclass(frozen=True)
class Notice:
    """A notification to be: to whom, by which rule, about which record, on which occasion, saying what."""

    user_id: int
    rule: str
    record_table: str
    record_id: str
    occasion: str
    msgid: str
    params: dict = field(default_factory=dict)
    link: str | None = None


def complaint_assigned(session: Session, event: dict) -> list[Notice]:
    """A complaint's handler set or changed -> the new handler (not when they took it themselves)."""
    notices = []
    for change in event["changes"]:
        if (change["table"], change["field"]) != ("complaints", "handler_id"):
            continue
        handler, record = change["new"], change["record"]
        if handler is None or handler == change["old"] or handler == event.get("actor"):
            continue
        reference = session.scalar(select(Complaint.reference).where(Complaint.id == int(record)))
        active = session.scalar(select(User.active).where(User.id == handler))
        if reference is None or not active:
            continue
        notices.append(Notice(handler, "complaint_assigned", "complaints", record, event["event"],
                              N_("Complaint {ref} was assigned to you"), {"ref": reference},
                              COMPLAINT_LINK.format(id=int(record))))
    return notices


RULES: tuple[Callable[[Session, dict], list[Notice]], ...] = (complaint_assigned,)


def notices_for(session: Session, event: dict) -> list[Notice]:
    """Every rule's notices for `event` (dict: event, actor, at, changes)."""
    return [notice for rule in RULES for notice in rule(session, event)]


def record(session: Session, notices: list[Notice]) -> int:
    """Write the notices that are not written yet (a retried or repeated job adds nothing); returns how many."""
    if not notices:
        return 0
    rows = [{"user_id": n.user_id, "rule": n.rule, "record_table": n.record_table, "record_id": n.record_id,
             "occasion": n.occasion, "msgid": n.msgid, "params": n.params, "link": n.link} for n in notices]
    statement = (insert(Notification).values(rows)
                 .on_conflict_do_nothing(constraint="uq_notifications_key").returning(Notification.id))
    return len(session.scalars(statement).all())


def handle_event(session: Session, event: dict) -> int:
    """Turn one event into notifications, in `session`'s transaction; returns how many were new."""
    return record(session, notices_for(session, event))

"""The complaint rules of the notifications worker (portal/notifications/rules.py finds `RULES` here)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.complaint_models import Complaint
from portal.i18n import N_
from portal.notifications.audiences import active, with_role
from portal.notifications.rules import Notice, Rule, RuleContext

COMPLAINT_LINK = "pages/complaint.py?id={id}"


def link(complaint_id: int | str) -> str:
    return COMPLAINT_LINK.format(id=int(complaint_id))


def changes_of(event: dict, field: str):
    """The event's changes of complaints.`field`."""
    return [c for c in event["changes"] if (c["table"], c["field"]) == ("complaints", field)]


def complaint_assigned(session: Session, event: dict, ctx: RuleContext) -> list[Notice]:
    """A complaint's handler set or changed -> the new handler (not when they took it themselves); or, with the
    "department_handlers" audience, the handlers of its department."""
    notices = []
    for change in changes_of(event, "handler_id"):
        handler, record = change["new"], change["record"]
        if handler is None or handler == change["old"]:
            continue
        row = session.execute(select(Complaint.reference, Complaint.department_id)
                              .where(Complaint.id == int(record))).first()
        if row is None:
            continue
        people = [handler] if "handler" in ctx.audiences else []
        if "department_handlers" in ctx.audiences and row.department_id is not None:
            people += with_role(session, "handler", department_id=row.department_id)
        for user in active(session, people):
            if user != event.get("actor"):
                notices.append(Notice(user, "complaint_assigned", "complaints", record, event["event"],
                                      N_("Complaint {ref} was assigned to you"), {"ref": row.reference},
                                      link(record)))
    return notices


RULES = (
    Rule("complaint_assigned", "complaints", N_("Complaint assigned: tell its new handler"),
         audiences=("handler", "department_handlers"), default=("handler",), on_event=complaint_assigned),
)

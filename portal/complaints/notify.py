"""The complaint rules of the notifications worker (portal/notifications/rules.py finds `RULES` here): the ones an
event starts (assigned, reopened, grade 1 registered, a key customer's complaint) are here, the ones on the clock in
notify_clock.py.

An event is one flush's changes of the complaint's `__events__` fields (handler_id, state, reopen_count; db/outbox.py).
A registration is the insert of the complaint row: its "state" change with action "insert" (old None, new
"registered"); the rule reads the rest of the complaint as it is when the job runs (committed: the outbox job is in
the same transaction). Nobody is told of what they did themselves (the event's actor).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.complaint_models import SIDE_EXITS, Complaint
from db.models import Retailer
from portal.center.sla import DUE_SOON, add_working_time
from portal.complaints import notify_clock as clock
from portal.complaints.notify_people import COLUMNS, Audiences, link, stamp
from portal.complaints.rules import limits_start
from portal.i18n import N_
from portal.notifications.audiences import active, with_role
from portal.notifications.rules import Notice, Rule, RuleContext

CALL_BACK_WITHIN = timedelta(hours=24)  # working time: key customers are called back within 24 hours (重点客户)
REOPENED = N_("Complaint {ref} was reopened after a dissatisfied follow-up: resolve it by {due}")
GRADE_ONE = N_("Major complaint {ref} (grade 1) was registered: it is to be reported at once")
RAISED_TO_ONE = N_("Complaint {ref} was re-triaged to grade 1 (major): it is to be reported at once")
CALL_BACK = N_("Key customer {shop} raised complaint {ref}: call them back by {due}")
EXIT_WAITS = {"invalid": N_("Complaint {ref} was closed as invalid by an agent: confirm it or send it back"),
              "duplicate": N_("Complaint {ref} was closed as a duplicate by an agent: confirm it or send it back")}
EXIT_SENT_BACK = N_("Your closure of complaint {ref} was sent back to work by a supervisor")


def changes_of(event: dict, field: str, action: str | None = None):
    """The event's changes of complaints.`field` (only inserts or updates, with `action`)."""
    return [c for c in event["changes"] if (c["table"], c["field"]) == ("complaints", field)
            and (action is None or c.get("action", "update") == action)]


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


def _complaint(session: Session, record: str):
    """What the event rules read of complaint `record` (None when there is none)."""
    return session.execute(
        select(*COLUMNS, Complaint.state, Complaint.grade, Complaint.created_at, Complaint.received_at,
               Complaint.resolution_due_at, Retailer.shop_name, Retailer.is_key_customer, Retailer.manager_id)
        .outerjoin(Retailer, Retailer.id == Complaint.retailer_id).where(Complaint.id == int(record))).first()


def complaint_reopened(session: Session, event: dict, ctx: RuleContext) -> list[Notice]:
    """A dissatisfied follow-up reopened the complaint (its reopen count went up) -> the handler and their
    department's supervisors; once per reopening."""
    notices = []
    for change in changes_of(event, "reopen_count", "update"):
        if change["new"] is None or change["new"] <= (change["old"] or 0):
            continue
        row = _complaint(session, change["record"])
        if row is not None:
            notices += Audiences(session, ctx.audiences, event.get("actor")).notices(
                "complaint_reopened", row, f"reopened:{change['new']}", REOPENED, due=stamp(row.resolution_due_at))
    return notices


def _registered(session: Session, event: dict):
    """The complaints `event` registered, as they are now (a duplicate linked at once is left out: its original
    was the one to tell about)."""
    rows = [_complaint(session, change["record"]) for change in changes_of(event, "state", "insert")]
    return [row for row in rows if row is not None and row.state != "duplicate"]


def complaint_grade_one(session: Session, event: dict, ctx: RuleContext) -> list[Notice]:
    """A grade 1 (major) complaint registered, or re-triaged to grade 1 by a supervisor -> every emergency
    coordinator and supervisor at once (urgent: it reaches them in their quiet hours too)."""
    people = Audiences(session, ctx.audiences, event.get("actor"))
    notices = [n for row in _registered(session, event) if row.grade == 1
               for n in people.notices("complaint_grade_one", row, "registered", GRADE_ONE, urgent=True)]
    for change in changes_of(event, "grade", "update"):
        row = _complaint(session, change["record"]) if change["new"] == 1 != change["old"] else None
        if row is not None:
            notices += people.notices("complaint_grade_one", row, f"retriaged:{event['event']}", RAISED_TO_ONE,
                                      urgent=True)
    return notices


def complaint_key_customer(session: Session, event: dict, ctx: RuleContext) -> list[Notice]:
    """A key customer's complaint registered -> a call-back task for the retailer's customer manager: call them
    back within 24 working hours of the issue (from where the time limits count: its receipt, by default; the
    notice says by when)."""
    people = Audiences(session, ctx.audiences, event.get("actor"))
    return [n for row in _registered(session, event) if row.is_key_customer
            for n in people.notices("complaint_key_customer", row, "call_back", CALL_BACK, shop=row.shop_name,
                                    due=stamp(add_working_time(ctx.calendar, limits_start(
                                        session, received_at=row.received_at, registered_at=row.created_at),
                                        CALL_BACK_WITHIN)))]


def complaint_exit_review(session: Session, event: dict, ctx: RuleContext) -> list[Notice]:
    """An agent closed a complaint as invalid or duplicate (it awaits confirmation when the job runs) -> every
    supervisor; sent back to work -> its first-contact owner. Once per closure or sending back."""
    people = Audiences(session, ctx.audiences, event.get("actor"))
    notices = []
    for change in changes_of(event, "state"):
        if change["new"] in SIDE_EXITS:
            row = _complaint(session, change["record"])
            if row is not None and row.state == change["new"] and session.scalar(
                    select(Complaint.awaiting_review).where(Complaint.id == row.id)):
                notices += people.notices("complaint_exit_review", row, f"closed:{event['event']}",
                                          EXIT_WAITS[row.state])
    return notices


def complaint_exit_sent_back(session: Session, event: dict, ctx: RuleContext) -> list[Notice]:
    """A supervisor sent an agent's closure as invalid or duplicate back to work -> its first-contact owner."""
    people = Audiences(session, ctx.audiences, event.get("actor"))
    notices = []
    for change in changes_of(event, "state", "update"):
        if change["old"] in SIDE_EXITS and change["new"] not in SIDE_EXITS:
            row = _complaint(session, change["record"])
            if row is not None:
                notices += people.notices("complaint_exit_sent_back", row, f"sent_back:{event['event']}",
                                          EXIT_SENT_BACK)
    return notices


RULES = (
    Rule("complaint_assigned", "complaints", N_("Complaint assigned: tell its new handler"),
         audiences=("handler", "department_handlers"), default=("handler",), on_event=complaint_assigned),
    Rule("complaint_reply_due", "complaints",
         N_("First reply due within 4 working hours (adjustable): tell the first-contact owner and the handler"),
         audiences=("owner", "handler", "department_handlers"), default=("owner", "handler"), scan=clock.reply_due,
         lead=DUE_SOON),
    Rule("complaint_resolution_due", "complaints",
         N_("Resolution due within 4 working hours (adjustable): tell the handler"),
         audiences=("handler", "department_handlers", "owner"), default=("handler",), scan=clock.resolution_due,
         lead=DUE_SOON),
    Rule("complaint_overdue", "complaints", N_("Overdue (first reply or resolution): tell the handler and their "
                                               "supervisor"),
         audiences=("handler", "handler_supervisors", "department_handlers", "owner"),
         default=("handler", "handler_supervisors"), scan=clock.overdue),
    Rule("complaint_escalation", "complaints",
         N_("Escalation: still overdue a further working day (adjustable) later: tell every supervisor"),
         audiences=("supervisors", "handler_supervisors", "handler"), default=("supervisors",),
         scan=clock.escalation, lead=clock.ESCALATE_AFTER),
    Rule("complaint_reopened", "complaints",
         N_("Reopened after a dissatisfied follow-up: tell the handler and their supervisor"),
         audiences=("handler", "handler_supervisors", "owner"), default=("handler", "handler_supervisors"),
         on_event=complaint_reopened),
    Rule("complaint_grade_one", "complaints",
         N_("Grade 1 (major) complaint registered: tell every emergency coordinator and supervisor at once"),
         audiences=("emergency_coordinators", "supervisors"), default=("emergency_coordinators", "supervisors"),
         on_event=complaint_grade_one),
    Rule("complaint_key_customer", "complaints",
         N_("Key customer's complaint: a call-back within 24 working hours for their customer manager"),
         audiences=("customer_manager", "owner_department"), default=("customer_manager",),
         on_event=complaint_key_customer),
    Rule("complaint_follow_up_due", "complaints",
         N_("Follow-up due a working day (adjustable) after the answer: tell the follow-up staff (the "
            "first-contact owner)"),
         audiences=("owner", "owner_department", "customer_manager"), default=("owner",), scan=clock.follow_up_due,
         lead=clock.FOLLOW_UP_AFTER),
    Rule("complaint_exit_review", "complaints",
         N_("Closed as invalid or duplicate by an agent: tell every supervisor, who confirms it or sends it back"),
         audiences=("supervisors", "handler_supervisors"), default=("supervisors",), on_event=complaint_exit_review),
    Rule("complaint_exit_sent_back", "complaints",
         N_("A closure as invalid or duplicate sent back to work: tell the first-contact owner"),
         audiences=("owner", "handler"), default=("owner",), on_event=complaint_exit_sent_back),
)

"""The complaint rules on the clock (periodic scans): first reply due soon, resolution due soon, overdue, escalation,
follow-up due. notify.py lists them in RULES.

Time is working time (portal/center/sla.py: weekends and holidays do not count, make-up days do), as the SLA clocks
count it. Each scan reads only the complaints whose due time falls in its window, from small partial indexes of the
running clocks (migration 0017: `ix_complaints_reply_clock`, `ix_complaints_resolution_clock`,
`ix_complaints_awaiting_follow_up`), leaves out the notices already written for them (a scan finds the same due
times minute after minute), and adds every row it read (complaints and notices) to `ctx.rows_read`:
- "due soon": due times from now to `lead` of working time ahead;
- "overdue" and the later ones: due times that passed within the last `CATCH_UP` of working time, so a scan that
  missed some minutes (a worker restarting, a weekend) still tells each once, and the first scan of a new
  installation does not tell of years-old complaints. A worker stopped for longer than that skips the overdue
  notices of the time it was away (the escalation, a working day later, still comes).
A paused clock (`sla_paused`) tells nobody; when it resumes its due time has moved, which is a new occasion.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session

from db.complaint_models import RUNNING_STATES, Complaint
from db.models import Retailer, User
from portal.center.sla import DUE_SOON, add_working_time, working_time_before
from portal.complaints.notify_people import COLUMNS, NO_ONE, Audiences, occasion, stamp, untold
from portal.complaints.queries import state_in
from portal.i18n import N_
from portal.notifications.rules import Notice, RuleContext

CATCH_UP = timedelta(days=1)  # working time a scan looks back for due times that passed since the last one
ESCALATE_AFTER = timedelta(days=1)  # "a further working day" (the escalation rule's default lead)
FOLLOW_UP_AFTER = timedelta(days=1)  # the follow-up is due a working day after the answer (its rule's default lead)

# what the notices say (English source text; each reader sees it in their own language)
REPLY_DUE = N_("The first reply to complaint {ref} is due by {due}")
RESOLUTION_DUE = N_("Complaint {ref} is to be resolved by {due}")
OVERDUE = {"reply": N_("Complaint {ref} is overdue: its first reply was due by {due}"),
           "resolution": N_("Complaint {ref} is overdue: it was to be resolved by {due}")}
ESCALATED = {"reply": N_("Escalation: complaint {ref} is still overdue; its first reply was due by {due} "
                         "(handler: {handler})"),
             "resolution": N_("Escalation: complaint {ref} is still overdue; it was to be resolved by {due} "
                              "(handler: {handler})")}
FOLLOW_UP_DUE = N_("Follow-up due: complaint {ref} was answered at {replied}; ask the complainant whether they are "
                   "satisfied")


def _clock_rows(session: Session, ctx: RuleContext, clock: str, window: Callable[[Any], tuple]) -> list:
    """The complaints whose `clock` ("reply" / "resolution") still runs with its due time in `window` (conditions on
    the due-time column), read from that clock's partial index; paused ones are read (and counted) but left out."""
    column = Complaint.first_reply_due_at if clock == "reply" else Complaint.resolution_due_at
    running = [state_in(RUNNING_STATES)] + ([Complaint.first_replied_at.is_(None)] if clock == "reply" else [])
    rows = session.execute(
        select(*COLUMNS, Complaint.sla_paused, column.label("due"), User.name.label("handler_name"))
        .outerjoin(User, User.id == Complaint.handler_id)
        .where(*running, *window(column)).order_by(column, Complaint.id)).all()
    ctx.rows_read += len(rows)
    return [row for row in rows if not row.sla_paused]


def _untold(session: Session, ctx: RuleContext, notices: list[Notice]) -> list[Notice]:
    fresh, read = untold(session, notices)
    ctx.rows_read += read
    return fresh


def _lead(ctx: RuleContext, default: timedelta) -> timedelta:
    return ctx.lead if ctx.lead is not None else default


def _due_soon(session: Session, ctx: RuleContext, clock: str, rule: str, msgid: str) -> list[Notice]:
    horizon = add_working_time(ctx.calendar, ctx.now, _lead(ctx, DUE_SOON))
    # a clock due this very minute is not overdue yet (sla.py counts it as due soon)
    rows = _clock_rows(session, ctx, clock, lambda due: (due >= ctx.now, due <= horizon))
    people = Audiences(session, ctx.audiences)
    return _untold(session, ctx, [n for row in rows for n in people.notices(
        rule, row, occasion(f"{clock}_due", row.due), msgid, due=stamp(row.due))])


def reply_due(session: Session, ctx: RuleContext) -> list[Notice]:
    """The first reply is due within `lead` (4 working hours) -> the first-contact owner and the handler."""
    return _due_soon(session, ctx, "reply", "complaint_reply_due", REPLY_DUE)


def resolution_due(session: Session, ctx: RuleContext) -> list[Notice]:
    """The resolution is due within `lead` (4 working hours) -> the handler."""
    return _due_soon(session, ctx, "resolution", "complaint_resolution_due", RESOLUTION_DUE)


def overdue(session: Session, ctx: RuleContext) -> list[Notice]:
    """A running clock passed its due time -> the handler and their department's supervisors; each clock (first
    reply, resolution) once per due time."""
    since = working_time_before(ctx.calendar, ctx.now, CATCH_UP)
    people = Audiences(session, ctx.audiences)
    return _untold(session, ctx, [
        n for clock in ("reply", "resolution")
        for row in _clock_rows(session, ctx, clock, lambda due: (due > since, due < ctx.now))
        for n in people.notices("complaint_overdue", row, occasion(f"overdue_{clock}", row.due), OVERDUE[clock],
                                due=stamp(row.due))])


def escalation(session: Session, ctx: RuleContext) -> list[Notice]:
    """Still overdue `lead` (a further working day) after the due time -> every supervisor."""
    upto = working_time_before(ctx.calendar, ctx.now, _lead(ctx, ESCALATE_AFTER))
    since = working_time_before(ctx.calendar, upto, CATCH_UP)
    people = Audiences(session, ctx.audiences)
    return _untold(session, ctx, [
        n for clock in ("reply", "resolution")
        for row in _clock_rows(session, ctx, clock, lambda due: (due > since, due <= upto))
        for n in people.notices("complaint_escalation", row, occasion(f"escalation_{clock}", row.due),
                                ESCALATED[clock], due=stamp(row.due), handler=row.handler_name or NO_ONE)])


def follow_up_due(session: Session, ctx: RuleContext) -> list[Notice]:
    """Answered `lead` (a working day) ago and not followed up yet -> the follow-up staff: the first-contact owner
    (首问负责: they keep it on their list until it is closed, and customer service follows complaints up) or, as the
    admin chooses, the agents of the owner's department or the retailer's customer manager (a level-1 visit)."""
    upto = working_time_before(ctx.calendar, ctx.now, _lead(ctx, FOLLOW_UP_AFTER))
    since = working_time_before(ctx.calendar, upto, CATCH_UP)
    rows = session.execute(
        select(*COLUMNS, Complaint.replied_at, Retailer.manager_id)
        .outerjoin(Retailer, Retailer.id == Complaint.retailer_id)
        .where(Complaint.state == literal_column("'replied'"), Complaint.replied_at > since,
               Complaint.replied_at <= upto)
        .order_by(Complaint.replied_at, Complaint.id)).all()
    ctx.rows_read += len(rows)
    people = Audiences(session, ctx.audiences)
    return _untold(session, ctx, [n for row in rows for n in people.notices(
        "complaint_follow_up_due", row, occasion("follow_up", row.replied_at), FOLLOW_UP_DUE,
        replied=stamp(row.replied_at))])

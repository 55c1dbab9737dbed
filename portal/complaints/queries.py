"""Reading complaints: My work, SLA list filters, one complaint with its timeline, follow-ups, duplicates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, false, func, literal_column, or_, select
from sqlalchemy.orm import Session

from db.complaint_models import OPEN_STATES, WORKING_STATES, Complaint, ComplaintEvent, FollowUp
from db.models import User
from portal.access.auth import CurrentUser, PermissionDenied, can, require
from portal.center.sla import DUE_SOON, add_working_time, local
from portal.center.workdays import WorkCalendar
from portal.complaints.rules import ComplaintInputError, can_view
from portal.i18n import _
from portal.records.query import MASK

SLA_FILTERS = ("overdue", "due_soon", "due_today")
MAX_PAGE = 200


@dataclass(frozen=True)
class WorkPage:
    """One page of a list and how many rows the whole list has."""

    complaints: list[Complaint]
    total: int


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    at: datetime
    actor_name: str
    actor_staff_id: str
    kind: str
    from_state: str | None
    to_state: str | None
    note: str
    data: dict

    @property
    def internal(self) -> bool:
        """An internal note: staff only, never part of what the complainant is told."""
        return self.kind == "note"


def state_in(states: tuple[str, ...]) -> ColumnElement[bool]:
    """`state IN (...)` written out literally, as the partial indexes of the open states are (a bound list would
    keep the planner from matching them once it caches a generic plan)."""
    return Complaint.state.in_([literal_column(f"'{state}'") for state in states])


def my_work_condition(actor: CurrentUser) -> ColumnElement[bool]:
    """Complaints `actor` owns as first-contact owner until closed, plus those assigned to them or their
    department that still need work there."""
    if actor.id is None:
        return false()
    mine = [and_(Complaint.first_contact_owner_id == actor.id, state_in(OPEN_STATES)),
            and_(Complaint.handler_id == actor.id, state_in(WORKING_STATES))]
    if actor.department_id is not None and actor.roles & {"agent", "handler", "supervisor"}:
        mine.append(and_(Complaint.department_id == actor.department_id, state_in(WORKING_STATES)))
    return or_(*mine)


def visible_condition(actor: CurrentUser | None) -> ColumnElement[bool] | None:
    """The complaints `actor` may see, as SQL (the twin of rules.can_view for lists); None: all of them."""
    roles = actor.roles if actor is not None else frozenset()
    if roles & {"supervisor", "viewer"}:
        return None
    if actor is None or actor.id is None:
        return false()
    seen = [Complaint.handler_id == actor.id]
    dept = actor.department_id
    if "handler" in roles and dept is not None:
        seen.append(Complaint.department_id == dept)
    if "agent" in roles:
        seen.append(Complaint.first_contact_owner_id == actor.id)
        if dept is not None:
            seen += [Complaint.owner_department_id == dept, Complaint.department_id == dept]
    return or_(*seen)


def my_work(session: Session, *, actor: CurrentUser, limit: int = 50, offset: int = 0) -> WorkPage:
    """My work, most urgent first (nearest due time; cases with no running clock last)."""
    require(actor, "complaints.work")
    where = my_work_condition(actor)
    total = session.scalar(select(func.count()).select_from(Complaint).where(where)) or 0
    rows = session.scalars(select(Complaint).where(where)
                           .order_by(Complaint.next_due_at.asc().nulls_last(), Complaint.received_at, Complaint.id)
                           .limit(max(1, min(limit, MAX_PAGE))).offset(max(0, offset)))
    return WorkPage(list(rows), total)


def sla_condition(kind: str, *, now: datetime, calendar: WorkCalendar) -> ColumnElement[bool]:
    """The list filter "overdue", "due_soon" (within 4 working hours) or "due_today" (center time), matching
    what `portal.center.sla.sla_status` says of each complaint. A paused clock is overdue only if it was at pausing.

    Each arm has a condition on `next_due_at` alone, which its index answers (the paused arm's "is not null" follows
    from its comparison, but the planner cannot see that): "busy OR overdue" is then a bitmap OR of index scans
    over the few running clocks, not a scan of every complaint."""
    running = ~Complaint.sla_paused
    if kind == "overdue":
        return or_(and_(running, Complaint.next_due_at < now),
                   and_(Complaint.sla_paused, Complaint.next_due_at.is_not(None),
                        Complaint.next_due_at < Complaint.paused_since))
    if kind == "due_soon":
        return and_(running, Complaint.next_due_at >= now,
                    Complaint.next_due_at <= add_working_time(calendar, now, DUE_SOON))
    if kind == "due_today":
        start = local(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return and_(running, Complaint.next_due_at >= start, Complaint.next_due_at < start + timedelta(days=1))
    raise ValueError(f"unknown SLA filter {kind!r}; use one of {SLA_FILTERS}")


def get_complaint(session: Session, *, actor: CurrentUser, complaint_id: int) -> Complaint:
    """One complaint, if `actor` may see it."""
    c = session.get(Complaint, complaint_id)
    if c is None:
        raise ComplaintInputError("complaint", _("That complaint does not exist."))
    if not can_view(actor, c):
        raise PermissionDenied("complaints.view")
    return c


def timeline(session: Session, *, actor: CurrentUser, complaint_id: int) -> list[TimelineEntry]:
    """Every event of a complaint, oldest first, with who made it."""
    get_complaint(session, actor=actor, complaint_id=complaint_id)
    rows = session.execute(select(ComplaintEvent, User.name, User.staff_id)
                           .outerjoin(User, User.id == ComplaintEvent.actor_id)
                           .where(ComplaintEvent.complaint_id == complaint_id)
                           .order_by(ComplaintEvent.at, ComplaintEvent.id))
    return [TimelineEntry(e.id, e.at, name or _("System"), staff_id or "", e.kind, e.from_state, e.to_state,
                          e.note, e.data or {}) for e, name, staff_id in rows]


def follow_ups(session: Session, *, actor: CurrentUser, complaint_id: int) -> list[FollowUp]:
    """The follow-ups of a complaint, oldest first."""
    get_complaint(session, actor=actor, complaint_id=complaint_id)
    return list(session.scalars(select(FollowUp).where(FollowUp.complaint_id == complaint_id)
                                .order_by(FollowUp.at, FollowUp.id)))


def duplicates_of(session: Session, *, actor: CurrentUser, complaint_id: int) -> list[Complaint]:
    """Complaints linked to this one as duplicates."""
    get_complaint(session, actor=actor, complaint_id=complaint_id)
    return list(session.scalars(select(Complaint).where(Complaint.duplicate_of_id == complaint_id)
                                .order_by(Complaint.received_at)))


def display_phone(actor: CurrentUser, phone: str | None) -> str:
    """A complainant's phone as `actor` may see it (viewers get 138****5678)."""
    if not phone:
        return ""
    if can(actor, "retailers.view_phone"):
        return phone
    return phone[:3] + "****" + phone[-4:] if len(phone) > 7 else "****"


def display_contact(actor: CurrentUser, value: str | None) -> str:
    """A complainant's e-mail or postal address as `actor` may see it (viewers: masked, like the grid)."""
    if not value:
        return ""
    return value if can(actor, "retailers.view_phone") else MASK


@dataclass(frozen=True)
class StaffMember:
    """Someone a complaint can be assigned to: name, staff ID and department."""

    id: int
    name: str
    staff_id: str
    department_id: int | None
    receives: bool = False  # may own complaints (an agent or supervisor: complaints.register)


def complaint_staff(session: Session) -> list[StaffMember]:
    """Active staff who work complaints (agents, handlers, supervisors), by name."""
    rows = session.execute(select(User.id, User.name, User.staff_id, User.department_id,
                                  User.roles.overlap(["agent", "supervisor"]))
                           .where(User.active, User.roles.overlap(["agent", "handler", "supervisor"]))
                           .order_by(User.name, User.staff_id))
    return [StaffMember(*row) for row in rows]


@dataclass(frozen=True)
class LinkedIncident:
    """The emergency incident opened from a major complaint: what the complaint page names and links to."""

    id: int
    reference: str
    status: str


def incident_of(session: Session, complaint_id: int) -> LinkedIncident | None:
    """The emergency incident opened from this (major) complaint, if any."""
    from db.incident_models import Incident

    row = session.execute(select(Incident.id, Incident.reference, Incident.status)
                          .where(Incident.complaint_id == complaint_id).limit(1)).first()
    return LinkedIncident(*row) if row else None


@dataclass(frozen=True)
class WaitingCounts:
    """What the home page says is waiting: my open work, of which overdue and due today; for supervisors,
    overdue complaints in the whole center."""

    mine: int
    overdue: int
    due_today: int
    center_overdue: int | None


def waiting_counts(session: Session, *, actor: CurrentUser, now: datetime, calendar: WorkCalendar) -> WaitingCounts:
    """Counts for the home page (one query for my work, one more for supervisors)."""
    require(actor, "complaints.work")
    mine = my_work_condition(actor)
    overdue, due_today = (sla_condition(k, now=now, calendar=calendar) for k in ("overdue", "due_today"))
    row = session.execute(select(func.count(), func.count().filter(overdue), func.count().filter(due_today))
                          .select_from(Complaint).where(mine)).one()
    center = None
    if can(actor, "complaints.supervise"):
        center = session.scalar(select(func.count()).select_from(Complaint).where(overdue)) or 0
    return WaitingCounts(row[0], row[1], row[2], center)


def complaint_id_of(session: Session, reference: str) -> int | None:
    """The id of the complaint with this reference number (TS-2026-000123), if there is one."""
    return session.scalar(select(Complaint.id).where(Complaint.reference == reference.strip().upper()))

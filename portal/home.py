"""What the home page shows each role: who you are and what is waiting for you."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import CalendarDay, Department, Retailer, SignInThrottle, User
from portal.access.auth import CurrentUser, can
from portal.center.reference import localized_name
from portal.center.workdays import unconfirmed_years
from portal.center_time import now as center_now
from portal.center_time import utcnow
from portal.i18n import N_
from portal.notifications.health import WorkerHealth, worker_health


@dataclass
class WorkItem:
    """One line of "waiting for you": a label (English source), a count and the page that handles it."""

    label: str
    count: int
    page: str | None = None


@dataclass
class HomeSummary:
    department: str | None
    items: dict[str, list[WorkItem]] = field(default_factory=dict)  # section title -> items
    worker: WorkerHealth | None = None  # admins: the notifications worker's heartbeat and its scans' last runs
    unconfirmed_calendar: list[int] = field(default_factory=list)  # supervisors, admins: years not yet confirmed


def home_summary(session: Session, *, actor: CurrentUser, language: str) -> HomeSummary:
    """The signed-in user's identity details and, per area their roles cover, what is waiting."""
    dept = session.get(Department, actor.department_id) if actor.department_id else None
    summary = HomeSummary(department=localized_name(dept, language) if dept else None)
    if can(actor, "complaints.work"):
        summary.items[N_("Complaints")] = _complaint_items(session, actor)
    if can(actor, "training.manage") or can(actor, "training.approve"):
        summary.items[N_("Retailer training")] = _training_items(session, actor)
    if can(actor, "training.own_retailers"):
        summary.items[N_("My retailers' training")] = _customer_manager_items(session, actor)
    if can(actor, "incidents.run"):
        summary.items[N_("Emergency incidents")] = _incident_items(session, actor)
    if can(actor, "admin.manage"):
        now = center_now()
        next_year = now.year + 1  # the center's year: on a UTC server New Year comes eight hours late
        summary.items[N_("Administration")] = [
            WorkItem(N_("Active staff accounts"), session.scalar(select(func.count()).where(User.active)) or 0,
                     "pages/admin_users.py"),
            WorkItem(N_("Logins locked after failed sign-ins"),
                     session.scalar(select(func.count()).where(SignInThrottle.locked_until > now)) or 0),
            WorkItem(N_("Holidays and make-up days set for next year"),
                     session.scalar(select(func.count()).where(func.extract("year", CalendarDay.day) == next_year))
                     or 0, "pages/admin_calendar.py"),
            WorkItem(N_("Retailers in the directory"), session.scalar(select(func.count(Retailer.id))) or 0),
        ]
        summary.worker = worker_health(session, actor=actor)
    if can(actor, "admin.manage") or can(actor, "complaints.supervise"):
        summary.unconfirmed_calendar = unconfirmed_years(session, center_now().date())
    return summary


def _complaint_items(session: Session, actor: CurrentUser) -> list[WorkItem]:
    """My open complaints (first-contact owner, handler, my department's), of which overdue and due today."""
    from portal.complaints.queries import waiting_counts
    from portal.complaints.rules import utcnow, work_calendar

    counts = waiting_counts(session, actor=actor, now=utcnow(), calendar=work_calendar(session))
    items = [WorkItem(N_("My open complaints"), counts.mine, "pages/my_complaints.py"),
             WorkItem(N_("Of these, overdue"), counts.overdue, "pages/my_complaints.py"),
             WorkItem(N_("Of these, due today"), counts.due_today, "pages/my_complaints.py")]
    if counts.center_overdue is not None:
        items.append(WorkItem(N_("Overdue complaints in the whole center"), counts.center_overdue,
                              "pages/complaints.py"))
    return items


def _training_items(session: Session, actor: CurrentUser) -> list[WorkItem]:
    """Sessions to approve (approvers), sign-ups to tell in the next two weeks, absentees still to call."""
    from datetime import timedelta

    from db.training_models import SignUp, TrainingSession

    now = utcnow()
    items = []
    if can(actor, "training.approve"):
        items.append(WorkItem(N_("Training sessions awaiting approval"), session.scalar(
            select(func.count()).where(TrainingSession.state == "submitted")) or 0, "pages/training_plan.py"))
    if can(actor, "training.manage"):
        live = (select(func.count()).select_from(SignUp).join(TrainingSession, TrainingSession.id == SignUp.session_id)
                .where(SignUp.state == "signed_up"))
        items += [
            WorkItem(N_("Sign-ups to notify for sessions in the next 14 days"), session.scalar(live.where(
                TrainingSession.state == "approved", TrainingSession.starts_at.between(now, now + timedelta(days=14)),
                (SignUp.notified_at.is_(None)) | SignUp.needs_renotify)) or 0, "pages/training_plan.py"),
            WorkItem(N_("Absentees of the last 30 days still to call"), session.scalar(live.where(
                SignUp.attended.is_(False), SignUp.follow_up_at.is_(None),
                TrainingSession.starts_at >= now - timedelta(days=30))) or 0, "pages/training_plan.py"),
        ]
    return items


def _customer_manager_items(session: Session, actor: CurrentUser) -> list[WorkItem]:
    """A customer manager's retailers seated at today's sessions (to check in), their absentees still to call."""
    from portal.training.managers import waiting_for_manager

    today, uncalled = waiting_for_manager(session, actor=actor, now=utcnow())
    page = "pages/training_my_retailers.py"
    return [WorkItem(N_("My retailers with a seat at today's sessions"), today, page),
            WorkItem(N_("My retailers' absentees of the last 30 days still to call"), uncalled, page)]


def _incident_items(session: Session, actor: CurrentUser) -> list[WorkItem]:
    """Open incidents (of which major), my open follow-up actions, supply requests awaiting a decision."""
    from portal.incidents.queries import waiting_counts

    counts = waiting_counts(session, actor=actor)
    return [WorkItem(N_("Open incidents"), counts.open, "pages/incident_board.py"),
            WorkItem(N_("Of these, major (severity 1–2)"), counts.major, "pages/incident_board.py"),
            WorkItem(N_("My open follow-up actions"), counts.my_actions, "pages/incidents.py"),
            WorkItem(N_("Supply requests awaiting approval"), counts.supply_pending, "pages/supply_requests.py")]


# The home overview: this month's headline numbers of the areas a role works in (supervisors and viewers: all
# they may see), each from that area's dashboard module, with a link to the dashboard.
OVERVIEWS: dict[str, tuple[str, str, str, str]] = {  # area -> (work permission, view permission, title, dashboard)
    "complaints": ("complaints.work", "complaints.view", N_("Complaints this month"), "pages/dashboard_complaints.py"),
    "training": ("training.manage", "training.view", N_("Training this month"), "pages/dashboard_training.py"),
    "incidents": ("incidents.run", "incidents.view", N_("Incidents this month"), "pages/dashboard_incidents.py"),
}


def overview_areas(actor: CurrentUser) -> list[str]:
    """The areas whose overview the home page shows `actor`."""
    everything = bool(actor.roles & {"supervisor", "viewer"})
    return [area for area, (work, view, _title, _page) in OVERVIEWS.items()
            if can(actor, work) or (everything and can(actor, view))]


def overview(session: Session, *, actor: CurrentUser) -> dict[str, list]:
    """area -> its headline Figures (this month against last month)."""
    import importlib

    return {area: importlib.import_module(f"portal.{area}.dashboard").overview(session, actor=actor)
            for area in overview_areas(actor)}

"""Training needs (培训需求): topics retailers ask for, collected per department and month, and each department's
monthly needs table (部门月度培训需求表) submitted by the 28th of the month before."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from db.models import Department, Retailer
from db.training_models import TrainingCourse, TrainingNeed
from portal.access.auth import CurrentUser, require
from portal.center.sla import local
from portal.errors import STALE
from portal.i18n import _
from portal.training.rules import (
    MANAGE,
    VIEW,
    TrainingInputError,
    end_of_day,
    month_start,
    optional_text,
    previous_month,
    require_text,
    utcnow,
)

DEADLINE_DAY = 28
TOPIC_MAX = 200


def needs_deadline(month: date) -> date:
    """The day a month's needs are due: the 28th of the month before."""
    return previous_month(month_start(month)).replace(day=DEADLINE_DAY)


def record_need(session: Session, *, actor: CurrentUser, retailer_id: int, topic: str, month: date,
                department_id: int | None = None, course_id: int | None = None, note: str = "",
                now: datetime | None = None) -> TrainingNeed:
    """Note a retailer's requested topic for `month` in a department's needs table (default: the actor's)."""
    require(actor, MANAGE)
    now = now or utcnow()
    month = month_start(month)
    if month < month_start(now):
        raise TrainingInputError("month", _("Month: needs are collected for this month or later."))
    topic = require_text("topic", topic, _("Topic: write what the retailer wants to learn."), limit=TOPIC_MAX)
    retailer = session.get(Retailer, retailer_id) if retailer_id else None
    if retailer is None:
        raise TrainingInputError("retailer_id", _("Retailer: choose a retailer from the directory."))
    department_id = department_id or actor.department_id
    dept = session.get(Department, department_id) if department_id else None
    if dept is None or not dept.active:
        raise TrainingInputError("department_id", _("Department: choose an active department."))
    if course_id is not None and session.get(TrainingCourse, course_id) is None:
        raise TrainingInputError("course_id", _("Course: choose a course of the catalog, or leave it empty."))
    need = TrainingNeed(retailer_id=retailer.id, topic=topic, month=month, department_id=dept.id,
                        course_id=course_id, note=optional_text("note", note, label=_("Note"), limit=2000),
                        recorded_by_id=actor.id)
    session.add(need)
    session.flush()
    return need


def withdraw_need(session: Session, *, actor: CurrentUser, need_id: int, version: int | None) -> TrainingNeed:
    """Take a need off the table (kept as history)."""
    require(actor, MANAGE)
    need = session.get(TrainingNeed, need_id, with_for_update=True, populate_existing=True)
    if need is None:
        raise TrainingInputError("need", _("That training need does not exist."))
    if version is not None and need.version != version:
        raise TrainingInputError(STALE, _("Someone else changed this need after you opened it. Reload and try "
                                          "again."))
    need.withdrawn = True
    session.flush()
    return need


def submit_needs(session: Session, *, actor: CurrentUser, month: date, department_id: int,
                 now: datetime | None = None) -> int:
    """Submit a department's needs table for `month` (every need not submitted yet); returns how many."""
    require(actor, MANAGE)
    now = now or utcnow()
    needs = list(session.scalars(select(TrainingNeed).where(
        TrainingNeed.month == month_start(month), TrainingNeed.department_id == department_id,
        TrainingNeed.submitted.is_(False), TrainingNeed.withdrawn.is_(False)).with_for_update()))
    if not needs:
        raise TrainingInputError("month", _("There are no new needs of this department for that month to submit."))
    for need in needs:
        need.submitted, need.submitted_at = True, now
    session.flush()
    return len(needs)


@dataclass(frozen=True)
class DepartmentNeeds:
    """One department's needs table for a month."""

    department_id: int
    name_en: str
    name_zh: str
    needs: int
    submitted: int
    last_submitted_at: datetime | None
    late: bool  # submitted after the deadline
    submits: bool = True  # collects needs: recorded some for this month or one of the 12 before

    @property
    def unsubmitted(self) -> int:
        return self.needs - self.submitted


@dataclass(frozen=True)
class NeedsStatus:
    """A month's needs: the deadline, each department's table, and who has not submitted yet."""

    month: date
    deadline: date
    days_left: int  # negative once the deadline has passed
    departments: list[DepartmentNeeds]

    @property
    def missing(self) -> list[DepartmentNeeds]:
        """Departments that collect needs (see `DepartmentNeeds.submits`) with nothing submitted for the month, or
        with needs still to submit. A department that never records needs is not waited for."""
        return [d for d in self.departments if d.submits and (d.submitted == 0 or d.unsubmitted > 0)]


def needs_status(session: Session, *, actor: CurrentUser, month: date, now: datetime | None = None) -> NeedsStatus:
    """Per active department: how many needs for `month`, how many submitted, when, and whether late."""
    require(actor, VIEW)
    now = now or utcnow()
    month = month_start(month)
    deadline = needs_deadline(month)
    live = TrainingNeed.withdrawn.is_(False)
    counts = (select(TrainingNeed.department_id,
                     func.count().label("needs"),
                     func.count().filter(TrainingNeed.submitted).label("submitted"),
                     func.max(TrainingNeed.submitted_at).label("last"),
                     func.bool_or(case((TrainingNeed.submitted_at >= end_of_day(deadline), True), else_=False))
                     .label("late"))
              .where(TrainingNeed.month == month, live).group_by(TrainingNeed.department_id).subquery())
    year_before = month.replace(year=month.year - 1)
    collecting = set(session.scalars(select(TrainingNeed.department_id).distinct().where(
        TrainingNeed.month >= year_before, TrainingNeed.month <= month)))  # withdrawn ones too: they collected
    rows = session.execute(select(Department.id, Department.name_en, Department.name_zh, counts.c.needs,
                                  counts.c.submitted, counts.c.last, counts.c.late)
                           .outerjoin(counts, counts.c.department_id == Department.id)
                           .where(Department.active).order_by(Department.id)).all()
    departments = [DepartmentNeeds(r.id, r.name_en, r.name_zh, r.needs or 0, r.submitted or 0, r.last,
                                   bool(r.late), r.id in collecting) for r in rows]
    days_left = (deadline - local(now).date()).days
    return NeedsStatus(month, deadline, days_left, departments)


def month_needs(session: Session, *, actor: CurrentUser, month: date,
                department_id: int | None = None) -> list[dict]:
    """The needs of a month (optionally one department's), with retailer and department names."""
    require(actor, VIEW)
    stmt = (select(TrainingNeed.id, TrainingNeed.version, TrainingNeed.topic, TrainingNeed.note,
                   TrainingNeed.submitted, TrainingNeed.submitted_at, TrainingNeed.department_id,
                   Retailer.license_no, Retailer.shop_name, Retailer.district, Department.name_zh,
                   Department.name_en, TrainingCourse.title.label("course"))
            .join(Retailer, Retailer.id == TrainingNeed.retailer_id)
            .join(Department, Department.id == TrainingNeed.department_id)
            .outerjoin(TrainingCourse, TrainingCourse.id == TrainingNeed.course_id)
            .where(TrainingNeed.month == month_start(month), TrainingNeed.withdrawn.is_(False))
            .order_by(Department.id, TrainingNeed.id))
    if department_id is not None:
        stmt = stmt.where(TrainingNeed.department_id == department_id)
    return [dict(r) for r in session.execute(stmt).mappings()]


def topic_counts(session: Session, *, actor: CurrentUser, month: date) -> list[tuple[str, int]]:
    """The month's requested topics with how many retailers asked (what the plan should cover first)."""
    require(actor, VIEW)
    topic = func.coalesce(TrainingCourse.title, TrainingNeed.topic)
    rows = session.execute(select(topic, func.count(func.distinct(TrainingNeed.retailer_id)))
                           .outerjoin(TrainingCourse, TrainingCourse.id == TrainingNeed.course_id)
                           .where(TrainingNeed.month == month_start(month), TrainingNeed.withdrawn.is_(False))
                           .group_by(topic).order_by(func.count(func.distinct(TrainingNeed.retailer_id)).desc(),
                                                     topic)).all()
    return [(t, n) for t, n in rows]



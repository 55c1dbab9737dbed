"""What the complaint rules (notify.py, notify_clock.py) share: who a complaint's audiences are, the complaint's link,
and how a due time is written into a notice.

A notice's values are shown as stored (portal/notifications/inbox.py `message`), so a time is stored already in the
center's local time ("2026-12-07 09:00", the center's wall clock: every reader works in the center's time zone), and
the occasion of a clock rule is the due time it is about, to the minute ("reply_due:2026-12-07T09:00"): a paused or
re-triaged complaint whose due time moved is a new occasion, a second scan of the same due time is not.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.complaint_models import Complaint
from db.models import User
from db.notification_models import Notification
from portal.center_time import local
from portal.notifications.rules import Notice

COMPLAINT_LINK = "pages/complaint.py?id={id}"
# every audience a complaint rule may name (a rule offers some: Rule.audiences), in the order people are listed
ORDER = ("handler", "department_handlers", "owner", "owner_department", "handler_supervisors", "supervisors",
         "emergency_coordinators", "customer_manager")
NO_ONE = "—"  # a value a notice shows for "nobody" (language-neutral: values are shown as stored)


# what a rule reads of a complaint to address its notices (Audiences' `row`)
COLUMNS = (Complaint.id, Complaint.reference, Complaint.handler_id, Complaint.department_id,
           Complaint.first_contact_owner_id, Complaint.owner_department_id)


def link(complaint_id: int | str) -> str:
    return COMPLAINT_LINK.format(id=int(complaint_id))


def stamp(moment: datetime) -> str:
    """A moment as a notice shows it: the center's wall clock, to the minute."""
    return local(moment).strftime("%Y-%m-%d %H:%M")


def occasion(kind: str, moment: datetime) -> str:
    """The occasion of a notice about the due time `moment` ("overdue_reply:2026-12-07T09:00")."""
    return f"{kind}:{local(moment).strftime('%Y-%m-%dT%H:%M')}"


def untold(session: Session, notices: list[Notice]) -> tuple[list[Notice], int]:
    """The `notices` not written yet, and how many notification rows were read to know (a scan re-finds the same
    due times minute after minute: left out here, they cost `record` nothing)."""
    if not notices:
        return [], 0
    rules = {n.rule for n in notices}
    told = set(session.execute(
        select(Notification.rule, Notification.record_id, Notification.occasion, Notification.user_id)
        .where(Notification.rule.in_(rules), Notification.record_table == "complaints",
               Notification.record_id.in_({n.record_id for n in notices}))).all())
    return [n for n in notices if (n.rule, n.record_id, n.occasion, n.user_id) not in told], len(told)


@dataclass
class Audiences:
    """The people a rule's chosen audiences are for one complaint after another: active users only, each once, never
    `actor` (who did what the notice is about). The staff (a few hundred rows) is read once, so a scan of hundreds of
    complaints asks the database nothing more; roles and departments mean what portal/notifications/audiences.py
    says (`with_role`, `supervisors_of`: the handler's department's supervisors, or all when it has none).

    A complaint row has the attributes id, reference, handler_id, department_id, first_contact_owner_id,
    owner_department_id and, for "customer_manager", manager_id (its retailer's)."""

    session: Session
    chosen: frozenset[str]
    actor: int | None = None
    _memo: dict[Any, list[int]] = field(default_factory=dict)

    @cached_property
    def _staff(self) -> dict[int, Any]:
        """Every user by id: department, roles, active."""
        return {row.id: row for row in self.session.execute(
            select(User.id, User.department_id, User.roles, User.active).order_by(User.id))}

    def _role(self, role: str, department_id: int | None = None) -> list[int]:
        key = (role, department_id)
        if key not in self._memo:
            self._memo[key] = [u.id for u in self._staff.values() if u.active and role in u.roles
                               and (department_id is None or u.department_id == department_id)]
        return self._memo[key]

    def _supervisors_of(self, user_id: int | None) -> list[int]:
        department = self._staff[user_id].department_id if user_id in self._staff else None
        return (department is not None and self._role("supervisor", department)) or self._role("supervisor")

    def _of(self, audience: str, row: Any) -> Iterable[int | None]:
        if audience == "handler":
            return [row.handler_id]
        if audience == "department_handlers":
            return self._role("handler", row.department_id) if row.department_id is not None else []
        if audience == "owner":
            return [row.first_contact_owner_id]
        if audience == "owner_department":
            return self._role("agent", row.owner_department_id) if row.owner_department_id is not None else []
        if audience == "handler_supervisors":
            return self._supervisors_of(row.handler_id)
        if audience == "supervisors":
            return self._role("supervisor")
        if audience == "emergency_coordinators":
            return self._role("emergency_coordinator")
        if audience == "customer_manager":
            return [getattr(row, "manager_id", None)]
        raise ValueError(f"a complaint rule cannot tell {audience!r}")

    def people(self, row: Any) -> list[int]:
        """The active users of the chosen audiences for complaint `row` (in `ORDER`)."""
        found = [user for audience in ORDER if audience in self.chosen for user in self._of(audience, row)]
        return [user for user in dict.fromkeys(found)
                if user is not None and user in self._staff and self._staff[user].active and user != self.actor]

    def notices(self, rule: str, row: Any, occasion: str, msgid: str, urgent: bool = False,
                **params: str) -> list[Notice]:
        """One notice of `rule` about complaint `row` to each of its people (`params` beside its reference)."""
        return [Notice(user, rule, "complaints", str(row.id), occasion, msgid, {"ref": row.reference, **params},
                       link(row.id), urgent) for user in self.people(row)]

"""What the complaint rules (notify.py, notify_clock.py) share: who a complaint's audiences are, the complaint's link,
and how a due time is written into a notice.

A notice's values are shown as stored (portal/notifications/inbox.py `message`), so a time is stored already in the
center's local time ("2026-12-07 09:00", the center's wall clock: every reader works in the center's time zone), and
the occasion of a clock rule is the due time it is about, to the minute ("reply_due:2026-12-07T09:00"): a paused or
re-triaged complaint whose due time moved is a new occasion, a second scan of the same due time is not.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.complaint_models import Complaint
from db.models import User
from portal.center_time import local
from portal.notifications.audiences import supervisors_of, with_role
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


@dataclass
class Audiences:
    """The people a rule's chosen audiences are for one complaint after another (a scan's lookups shared): active
    users only, each once, never `actor` (who did what the notice is about).

    A complaint row has the attributes id, reference, handler_id, department_id, first_contact_owner_id,
    owner_department_id and, for "customer_manager", manager_id (its retailer's)."""

    session: Session
    chosen: frozenset[str]
    actor: int | None = None
    _memo: dict[Any, Any] = field(default_factory=dict)

    def _cached(self, key: Any, make: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def _role(self, role: str, department_id: int | None = None) -> list[int]:
        return self._cached(("role", role, department_id),
                            lambda: with_role(self.session, role, department_id=department_id))

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
            return self._cached(("supervisors_of", row.handler_id), lambda: supervisors_of(self.session,
                                                                                           row.handler_id))
        if audience == "supervisors":
            return self._role("supervisor")
        if audience == "emergency_coordinators":
            return self._role("emergency_coordinator")
        if audience == "customer_manager":
            return [getattr(row, "manager_id", None)]
        raise ValueError(f"a complaint rule cannot tell {audience!r}")

    def people(self, row: Any) -> list[int]:
        """The active users of the chosen audiences for complaint `row` (in `ORDER`)."""
        live = self._cached("active", lambda: set(self.session.scalars(select(User.id).where(User.active))))
        found = [user for audience in ORDER if audience in self.chosen for user in self._of(audience, row)]
        return [user for user in dict.fromkeys(found) if user in live and user != self.actor]

    def notices(self, rule: str, row: Any, occasion: str, msgid: str, urgent: bool = False,
                **params: str) -> list[Notice]:
        """One notice of `rule` about complaint `row` to each of its people (`params` beside its reference)."""
        return [Notice(user, rule, "complaints", str(row.id), occasion, msgid, {"ref": row.reference, **params},
                       link(row.id), urgent) for user in self.people(row)]

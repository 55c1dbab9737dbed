"""Who a rule may tell: the audience keys an admin picks from on the rules page, their titles, and the queries that
find the people (active users only) for the audiences that are not a record's own field."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import User
from portal.i18n import N_

# every audience a built-in rule may name; an area's rule names the ones it can resolve
AUDIENCE_TITLES: dict[str, str] = {
    "handler": N_("the complaint's handler"),
    "department_handlers": N_("the handlers of the complaint's department"),
    "owner": N_("the first-contact owner"),
    "owner_department": N_("the agents of the first-contact owner's department"),
    "handler_supervisors": N_("the supervisors of the handler's department (all supervisors if it has none)"),
    "supervisors": N_("every supervisor"),
    "emergency_coordinators": N_("every emergency coordinator"),
    "training_coordinators": N_("every training coordinator"),
    "customer_manager": N_("the retailer's customer manager"),
    "commander": N_("the incident's commander"),
    "action_owner": N_("the action's owner"),
    "named_member": N_("the person named to the command group"),
    "trainer": N_("the session's trainer"),
    "approver": N_("the supervisor who approved the session"),
    "departments_owing": N_("the departments that owe their needs"),
    "signed_up_retailers": N_("the retailers with a seat (text message through the gateway)"),
    "promoted_retailer": N_("the retailer who moved up (text message through the gateway)"),
}


def with_role(session: Session, role: str, *, department_id: int | None = None) -> list[int]:
    """Active users holding `role` (in `department_id` when given), by id."""
    query = select(User.id).where(User.active, User.roles.contains([role]))
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    return list(session.scalars(query.order_by(User.id)))


def active(session: Session, user_ids: Iterable[int | None]) -> list[int]:
    """The active users among `user_ids` (None and repeats dropped), in the given order."""
    wanted = list(dict.fromkeys(u for u in user_ids if u is not None))
    if not wanted:
        return []
    live = set(session.scalars(select(User.id).where(User.id.in_(wanted), User.active)))
    return [u for u in wanted if u in live]


def supervisors_of(session: Session, user_id: int | None) -> list[int]:
    """The supervisors of `user_id`'s department, or every supervisor when that department has none."""
    department = session.scalar(select(User.department_id).where(User.id == user_id)) if user_id else None
    return (department is not None and with_role(session, "supervisor", department_id=department)) or \
        with_role(session, "supervisor")

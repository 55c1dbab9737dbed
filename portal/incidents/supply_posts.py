"""Who approves emergency supply requests, and when approved goods arrive: the plan's posts (客户服务部主任,
营销部副经理), each held by a named person with a quantity limit (不同职级设置数量权限), and each delivery route's
order day (订货日), which an approved request joins (在该客户订货日纳入正常的电话订货)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Retailer, User
from db.supply_models import SUPPLY_POSTS, RouteOrderDay, SupplyApprover
from portal.access.auth import CurrentUser, require
from portal.center.workdays import WorkCalendar
from portal.errors import STALE, InputError
from portal.i18n import _
from portal.incidents.rules import IncidentInputError


@dataclass(frozen=True)
class ApproverPost:
    """A post that approves supply requests: who holds it and up to how many cartons per request."""

    post: str
    holder_id: int | None
    holder: str | None
    max_quantity: int
    version: int | None  # None: never set


def supply_approvers(session: Session) -> list[ApproverPost]:
    """Every approving post in the plan's order, whether or not anyone holds it yet."""
    rows = {a.post: ApproverPost(a.post, a.holder_id, name, a.max_quantity, a.version) for a, name in session.execute(
        select(SupplyApprover, User.name).outerjoin(User, User.id == SupplyApprover.holder_id))}
    return [rows.get(post) or ApproverPost(post, None, None, 0, None) for post in SUPPLY_POSTS]


def set_supply_approver(session: Session, *, actor: CurrentUser, post: str, holder_id: int | None,
                        max_quantity: int, version: int | None = None) -> SupplyApprover:
    """Name who holds an approving post (None: vacant) and the largest request it may approve (0: none)."""
    require(actor, "admin.manage")
    if post not in SUPPLY_POSTS:
        raise IncidentInputError("post", _("Post: choose the customer-service head or the marketing deputy manager."))
    if not isinstance(max_quantity, int) or not 0 <= max_quantity <= 100_000:
        raise IncidentInputError("max_quantity", _("Limit: enter a number of cartons from 0 to 100,000."))
    if holder_id is not None and not session.scalar(select(User.active).where(User.id == holder_id)):
        raise IncidentInputError("holder_id", _("Held by: choose an active member of staff."))
    row = session.get(SupplyApprover, post, with_for_update=True)
    if row is None:
        row = SupplyApprover(post=post)
        session.add(row)
    elif version is not None and row.version != version:
        raise InputError(STALE, _("Someone changed the approvers after you opened them. Reload and try again."))
    row.holder_id, row.max_quantity = holder_id, max_quantity
    session.flush()
    return row


def approval_limit(session: Session, actor: CurrentUser) -> int | None:
    """The largest request `actor` may approve through the posts they hold; None when they hold none."""
    limits = list(session.scalars(select(SupplyApprover.max_quantity).where(SupplyApprover.holder_id == actor.id)))
    return max(limits) if actor.id is not None and limits else None


def require_approver(session: Session, actor: CurrentUser) -> int:
    """The actor's approval limit; refused (PermissionDenied) unless they hold an approving post."""
    from portal.access.auth import PermissionDenied

    limit = approval_limit(session, actor)
    if limit is None:
        raise PermissionDenied("supply.approve")
    return limit


def posts_covering(session: Session, quantity: int) -> list[ApproverPost]:
    """The held posts whose limit covers `quantity` cartons (who to ask instead)."""
    return [a for a in supply_approvers(session) if a.holder_id is not None and a.max_quantity >= quantity]


# --- order days -----------------------------------------------------------------------------------------

def route_order_days(session: Session) -> dict[str, int]:
    """Delivery route -> the weekday its retailers order (ISO: 1 Monday … 7 Sunday)."""
    return dict(session.execute(select(RouteOrderDay.route, RouteOrderDay.weekday)).all())


def set_route_order_day(session: Session, *, actor: CurrentUser, route: str, weekday: int | None) -> None:
    """Set (or, with None, clear) the weekday a delivery route's retailers order."""
    require(actor, "admin.manage")
    route = (route or "").strip()
    if not route or len(route) > 30:
        raise IncidentInputError("route", _("Route: enter the delivery route's name."))
    if weekday is not None and weekday not in range(1, 8):
        raise IncidentInputError("weekday", _("Order day: choose a day of the week."))
    row = session.get(RouteOrderDay, route, with_for_update=True)
    if weekday is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(RouteOrderDay(route=route, weekday=weekday))
    else:
        row.weekday = weekday
    session.flush()


def next_order_day(calendar: WorkCalendar, weekday: int | None, after: date) -> date:
    """The first order day after `after`: the route's weekday when it is a working day (an order day falling on a
    holiday is skipped), or, for a route without one, the next working day."""
    first = after + timedelta(days=1)
    if weekday is not None:
        for ahead in range(0, 63):  # nine weeks: past any holiday; a weekday that is never worked finds none
            day = first + timedelta(days=ahead)
            if day.isoweekday() == weekday and calendar.is_working_day(day):
                return day
    return calendar.next_working_day(first)


def retailer_order_weekday(session: Session, retailer_id: int) -> int | None:
    """The order weekday of a retailer's delivery route, if it has one."""
    return session.scalar(select(RouteOrderDay.weekday).join(Retailer, Retailer.route == RouteOrderDay.route)
                          .where(Retailer.id == retailer_id))

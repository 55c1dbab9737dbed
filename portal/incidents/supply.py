"""Emergency supply requests (客户应急货源报批表, plan §3.4): a retailer's one-off need for a wedding, funeral,
group consumption or meeting. Only retailers with the integrity flag, only ordinary brands; approved by the
holder of a post whose quantity limit covers the request (supply_posts.py); approved goods join the retailer's next
order day, their delivery route's weekday."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import String, cast, func, select, text
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from db.models import Retailer
from db.supply_models import SUPPLY_REASONS, Brand, RouteOrderDay, SupplyRequest, SupplyRequestLine
from portal.access.auth import CurrentUser, require
from portal.center.sla import local
from portal.center.workdays import load_calendar
from portal.errors import STALE, InputError
from portal.i18n import _
from portal.incidents.labels import SUPPLY_POST_LABELS
from portal.incidents.rules import IncidentInputError, optional_text, require_text, utcnow
from portal.incidents.supply_posts import (
    approval_limit,
    next_order_day,
    posts_covering,
    require_approver,
    retailer_order_weekday,
)
from portal.inputs import DAY_RANGE, day_in_range

MAX_LINE = 10_000
EVENT_HORIZON = timedelta(days=90)  # requests are for events in the coming weeks, not next year


@dataclass(frozen=True)
class RequestRow:
    """A supply request as lists show it (brands and quantities in one line)."""

    id: int
    version: int
    reference: str
    retailer_id: int
    shop_name: str
    license_no: str
    reason: str
    event_date: date
    total_quantity: int
    lines: str  # "中华(软) × 10, 利群 × 5"
    state: str
    next_order_date: date | None  # approved: the order day the goods join
    may_approve: bool  # within the reader's approval limit
    route: str | None = None
    order_weekday: int | None = None  # the route's order day (ISO weekday), if set
    order_day: date | None = None  # approved: next_order_date; awaiting: the order day it would join if approved now

    @property
    def after_event(self) -> bool:
        """The order day is after the event: too late for the normal order (a special, temporary replenishment)."""
        return self.order_day is not None and self.order_day > self.event_date


# --- brands (admin) -------------------------------------------------------------------------

def save_brand(session: Session, *, actor: CurrentUser, name: str, scarce_or_controlled: bool = False,
               active: bool = True, brand_id: int | None = None, version: int | None = None) -> Brand:
    """Add a brand, or change one (scarce or controlled brands are never supplied on request)."""
    require(actor, "admin.manage")
    name = require_text("name", name, _("Brand: enter its name."), limit=100)
    clash = session.scalar(select(Brand).where(func.lower(Brand.name) == name.lower(), Brand.id != (brand_id or -1)))
    if clash is not None:
        raise IncidentInputError("name", _("Brand “{name}” already exists.").format(name=clash.name))
    if brand_id is None:
        brand = Brand(name=name)
        session.add(brand)
    else:
        brand = session.get(Brand, brand_id, with_for_update=True)
        if brand is None:
            raise IncidentInputError("name", _("That brand does not exist."))
        if version is not None and brand.version != version:
            raise InputError(STALE, _("Someone changed this brand after you opened it. Reload and try again."))
        brand.name = name
    brand.scarce_or_controlled, brand.active = bool(scarce_or_controlled), bool(active)
    session.flush()
    return brand


def list_brands(session: Session, *, active_only: bool = False) -> list[Brand]:
    query = select(Brand).order_by(Brand.scarce_or_controlled, Brand.name)
    return list(session.scalars(query.where(Brand.active) if active_only else query))


# --- requests ------------------------------------------------------------------------------------------

def _eligible_retailer(session: Session, retailer_id: int | None) -> Retailer:
    retailer = session.get(Retailer, retailer_id) if retailer_id is not None else None
    if retailer is None:
        raise IncidentInputError("retailer_id", _("Retailer: choose the retailer who asks."))
    if retailer.status != "active":
        raise IncidentInputError("retailer_id", _("Retailer: {shop} is not active.").format(shop=retailer.shop_name))
    if not retailer.integrity_flag:
        raise IncidentInputError("retailer_id", _(
            "Retailer: {shop} does not hold the integrity flag (诚信经营·明码实价); emergency supply is only for "
            "retailers who do.").format(shop=retailer.shop_name))
    return retailer


def _check_lines(session: Session, lines: Mapping[int, int]) -> dict[int, int]:
    wanted = {int(b): q for b, q in lines.items() if q}
    if not wanted:
        raise IncidentInputError("lines", _("Brands: enter at least one brand with a quantity."))
    brands = {b.id: b for b in session.scalars(select(Brand).where(Brand.id.in_(wanted)))}
    for brand_id, quantity in wanted.items():
        brand = brands.get(brand_id)
        if brand is None or not brand.active:
            raise IncidentInputError("lines", _("Brands: choose brands from the list."))
        if brand.scarce_or_controlled:
            raise IncidentInputError("lines", _("Brands: {brand} is a scarce or controlled brand and cannot be "
                                                "supplied on an emergency request.").format(brand=brand.name))
        if not isinstance(quantity, int) or not 1 <= quantity <= MAX_LINE:
            raise IncidentInputError("lines", _("Quantity of {brand}: enter 1 to {n} cartons.").format(
                brand=brand.name, n=MAX_LINE))
    return wanted


def request_supply(session: Session, *, actor: CurrentUser, retailer_id: int | None, reason: str,
                   event_date: date | None, lines: Mapping[int, int], note: str = "",
                   incident_id: int | None = None, now: datetime | None = None) -> SupplyRequest:
    """Take down a retailer's emergency supply request (brand id -> cartons)."""
    require(actor, "supply.request")
    now = now or utcnow()
    retailer = _eligible_retailer(session, retailer_id)
    if reason not in SUPPLY_REASONS:
        raise IncidentInputError("reason", _("Reason: choose wedding, funeral, group consumption, meeting or other."))
    today = local(now).date()
    if event_date is None or event_date < today:
        raise IncidentInputError("event_date", _("Event date: enter the day of the event (today or later)."))
    if event_date > today + EVENT_HORIZON:
        raise IncidentInputError("event_date", _("Event date: more than 90 days ahead; check the date."))
    wanted = _check_lines(session, lines)
    request_id = session.scalar(text("select nextval(pg_get_serial_sequence('supply_requests', 'id'))"))
    request = SupplyRequest(id=request_id, reference=f"HY-{today.year}-{request_id:04d}", retailer_id=retailer.id,
                            reason=reason, event_date=event_date,
                            note=optional_text("note", note, label=_("Note"), limit=2000),
                            total_quantity=sum(wanted.values()), state="requested", requested_by_id=actor.id,
                            requested_at=now, incident_id=incident_id)
    session.add(request)
    session.flush()
    session.add_all(SupplyRequestLine(request_id=request.id, brand_id=b, quantity=q) for b, q in wanted.items())
    session.flush()
    return request


def _pending(session: Session, request_id: int, version: int | None) -> SupplyRequest:
    request = session.get(SupplyRequest, request_id, with_for_update=True, populate_existing=True)
    if request is None:
        raise IncidentInputError("request", _("That supply request does not exist."))
    if version is not None and request.version != version:
        raise InputError(STALE, _("Supply request {ref} was changed after you opened it. Reload and try again.")
                         .format(ref=request.reference))
    if request.state != "requested":
        raise IncidentInputError("state", _("Supply request {ref} was already decided.").format(ref=request.reference))
    return request


def approve_supply_request(session: Session, *, actor: CurrentUser, request_id: int, version: int | None = None,
                           note: str = "", now: datetime | None = None) -> SupplyRequest:
    """Approve within the quantity limit of the post the actor holds; the goods join the retailer's next order day
    (their route's weekday; the next working day for a route without one)."""
    limit = require_approver(session, actor)
    now = now or utcnow()
    request = _pending(session, request_id, version)
    if request.total_quantity > limit:
        able = [f"{_(SUPPLY_POST_LABELS[a.post])} ({a.holder})"
                for a in posts_covering(session, request.total_quantity)]
        raise IncidentInputError("total_quantity", _(
            "{n} cartons is above your approval limit of {limit}. It needs: {who}.").format(
            n=request.total_quantity, limit=limit, who=", ".join(able) or _("an administrator to raise a limit")))
    # the retailer or a brand may have changed since the request was taken down
    _eligible_retailer(session, request.retailer_id)
    _check_lines(session, dict(session.execute(select(SupplyRequestLine.brand_id, SupplyRequestLine.quantity)
                                               .where(SupplyRequestLine.request_id == request.id)).all()))
    next_order_date = next_order_day(load_calendar(session), retailer_order_weekday(session, request.retailer_id),
                                     local(now).date())
    request.state, request.decided_by_id, request.decided_at = "approved", actor.id, now
    request.next_order_date = next_order_date
    request.decision_note = optional_text("note", note, label=_("Note or reason for refusal"), limit=2000)
    session.flush()
    return request


def refuse_supply_request(session: Session, *, actor: CurrentUser, request_id: int, reason: str,
                          version: int | None = None, now: datetime | None = None) -> SupplyRequest:
    """Refuse a request, saying why (told to the retailer); by the holder of an approving post."""
    require_approver(session, actor)
    now = now or utcnow()
    reason = require_text("decision_note", reason, _("Reason: say why the request is refused."), limit=2000)
    request = _pending(session, request_id, version)
    request.state, request.decided_by_id, request.decided_at, request.decision_note = "refused", actor.id, now, reason
    session.flush()
    return request


def _rows(session: Session, actor: CurrentUser, *where, today: date | None = None) -> list[RequestRow]:
    limit = approval_limit(session, actor) or 0
    calendar, today = load_calendar(session), today or local(utcnow()).date()
    if not day_in_range(today):  # (the order day after it is computed)
        raise IncidentInputError("today", _("Enter a date from {first} to {last}.").format(
            first=DAY_RANGE[0], last=DAY_RANGE[1]))
    lines = (select(func.string_agg(Brand.name + " × " + cast(SupplyRequestLine.quantity, String),
                                    aggregate_order_by(", ", Brand.name)))
             .select_from(SupplyRequestLine).join(Brand, Brand.id == SupplyRequestLine.brand_id)
             .where(SupplyRequestLine.request_id == SupplyRequest.id).correlate(SupplyRequest).scalar_subquery())
    rows = session.execute(select(SupplyRequest, Retailer.shop_name, Retailer.license_no, lines.label("lines"),
                                  Retailer.route, RouteOrderDay.weekday)
                           .join(Retailer, Retailer.id == SupplyRequest.retailer_id)
                           .outerjoin(RouteOrderDay, RouteOrderDay.route == Retailer.route).where(*where)
                           .order_by(SupplyRequest.event_date, SupplyRequest.id))
    return [RequestRow(r.id, r.version, r.reference, r.retailer_id, shop, lic, r.reason, r.event_date,
                       r.total_quantity, line or "", r.state, r.next_order_date,
                       r.state == "requested" and r.total_quantity <= limit, route, weekday,
                       r.next_order_date if r.state == "approved" else
                       next_order_day(calendar, weekday, today) if r.state == "requested" else None)
            for r, shop, lic, line, route, weekday in rows]


def pending_supply_requests(session: Session, *, actor: CurrentUser, today: date | None = None) -> list[RequestRow]:
    """Requests awaiting a decision, soonest event first, each with the order day it would join; `may_approve` says
    which the actor's limit covers. Anyone may read them (the requests list); only post holders decide."""
    require(actor, "incidents.view")
    return _rows(session, actor, SupplyRequest.state == "requested", today=today)


def supply_for_order_day(session: Session, *, actor: CurrentUser, day: date) -> list[RequestRow]:
    """Approved requests that join the retailers' orders on `day`."""
    require(actor, "incidents.view")
    return _rows(session, actor, SupplyRequest.state == "approved", SupplyRequest.next_order_date == day)

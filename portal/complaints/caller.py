"""The call-centre screen pop: who is calling (a phone number the hotline system passes in the address, e.g.
`/complaint_new?phone=13812345678`) — the retailers with that phone, the caller's open complaints and their recent
history — so the agent sees it before the caller finishes the first sentence. Only what the agent may see: the
retailers through the records layer's permissions, the complaints through the grid's row scope."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.complaint_models import OPEN_STATES, Complaint
from portal.access.auth import CurrentUser, PermissionDenied, can
from portal.complaints.intake import excerpt, normalize_phone
from portal.complaints.queries import visible_condition
from portal.complaints.rules import utcnow
from portal.records.filters import IS, Filter
from portal.records.query import fetch_page
from portal.records.view import ViewState
from portal.retailers.table import RETAILERS

HISTORY_WINDOW = timedelta(days=365)  # "recent history": the last twelve months
PHONE = re.compile(r"\+?[0-9]{3,19}")  # ASCII digits only: not "²", not full-width "１３８"
PHONE_DIGITS = 20  # a longer "phone" is not one (the column holds 20 characters)


@dataclass(frozen=True)
class CallerRetailer:
    id: int
    license_no: str
    shop_name: str
    owner_name: str
    is_key_customer: bool


@dataclass(frozen=True)
class CallerComplaint:
    id: int
    reference: str
    received_at: datetime
    state: str
    grade: int
    excerpt: str


@dataclass(frozen=True)
class CallerHistory:
    phone: str
    retailers: list[CallerRetailer]
    open: list[CallerComplaint]  # open complaints from this phone or these retailers, newest first
    recent: list[CallerComplaint]  # finished ones of the last twelve months, newest first

    @property
    def known(self) -> bool:
        return bool(self.retailers or self.open or self.recent)


def caller_phone(value: str | None) -> str | None:
    """The phone number of a screen-pop address as a complaint stores it (digits, a leading +), or None when it is
    not one."""
    phone = normalize_phone((value or "").strip()[:40])
    if not phone or len(phone) > PHONE_DIGITS or not PHONE.fullmatch(phone):
        return None
    return phone


def caller_history(session: Session, *, actor: CurrentUser, phone: str, now: datetime | None = None,
                   limit: int = 5) -> CallerHistory:
    """Who is calling from `phone` (a `caller_phone`), as `actor` may see it."""
    if not can(actor, "complaints.register"):
        raise PermissionDenied("complaints.register")
    now = now or utcnow()
    found = fetch_page(session, actor=actor, spec=RETAILERS, view=ViewState(
        filters=(Filter("phone", IS, phone),), columns=("license_no", "shop_name", "owner_name", "is_key_customer"),
        page_size=limit)).rows if can(actor, "retailers.view") else []
    retailers = [CallerRetailer(r["id"], r["license_no"], r["shop_name"], r["owner_name"], bool(r["is_key_customer"]))
                 for r in found]
    matches = [Complaint.complainant_phone == phone]
    if retailers:
        matches.append(Complaint.retailer_id.in_([r.id for r in retailers]))
    query = select(Complaint.id, Complaint.reference, Complaint.received_at, Complaint.state, Complaint.grade,
                   Complaint.description).where(or_(*matches))
    scope = visible_condition(actor)
    if scope is not None:
        query = query.where(scope)
    newest = (Complaint.received_at.desc(), Complaint.id.desc())
    open_rows = session.execute(query.where(Complaint.state.in_(OPEN_STATES)).order_by(*newest).limit(limit))
    recent_rows = session.execute(query.where(Complaint.state.not_in(OPEN_STATES),
                                              Complaint.received_at >= now - HISTORY_WINDOW)
                                  .order_by(*newest).limit(limit))

    def shown(rows) -> list[CallerComplaint]:
        return [CallerComplaint(r.id, r.reference, r.received_at, r.state, r.grade, excerpt(r.description, 60))
                for r in rows]

    return CallerHistory(phone, retailers, shown(open_rows), shown(recent_rows))

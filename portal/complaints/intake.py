"""Taking a complaint down: validation, first-contact owner, reference number, SLA due times, duplicates."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.complaint_models import CHANNELS, OPEN_STATES, Complaint
from db.models import ComplaintCategory, Retailer, User
from portal.access.auth import CurrentUser, PermissionDenied, can, require
from portal.center.sla import due_times, local, next_due
from portal.complaints.queries import visible_condition
from portal.complaints.rules import (
    ComplaintInputError,
    add_event,
    limits_start,
    optional_text,
    require_text,
    sla_limits,
    utcnow,
    work_calendar,
)
from portal.complaints.workflow import mark_duplicate
from portal.i18n import _

PHONE_RE = re.compile(r"^\+?\d{5,15}$", re.ASCII)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
DUPLICATE_WINDOW = timedelta(days=30)
FUTURE_GRACE = timedelta(minutes=1)  # browser and server clocks differ a little
OLDEST_RECEIVED = timedelta(days=366)


@dataclass(frozen=True)
class Registration:
    """What to tell the caller once a complaint is registered (首问负责制: name, staff ID, time limits)."""

    complaint_id: int
    reference: str
    owner_name: str
    owner_staff_id: str
    reply_due_at: datetime
    resolution_due_at: datetime
    is_major: bool  # grade 1: report at once, offer to open an emergency incident
    duplicate_of_reference: str | None
    created: bool  # False: the same form was submitted again and this is the complaint it made first
    original: Registration | None = None  # a duplicate's original: the matter the caller is told about

    @property
    def told(self) -> Registration:
        """What the caller is told: for a duplicate, the original's reference, owner and time limits (the
        duplicate itself is closed at once)."""
        return self.original or self


@dataclass(frozen=True)
class DuplicateCandidate:
    """An open complaint from the last 30 days that may be the same matter."""

    id: int
    reference: str
    received_at: datetime
    state: str
    category_id: int
    grade: int
    complainant_name: str
    excerpt: str
    same_category: bool
    same_phone: bool
    same_retailer: bool


def normalize_phone(phone: str | None) -> str | None:
    """Digits only (a leading + kept), so "0571-8888 6666" and "057188886666" match."""
    if phone is None:
        return None
    phone = re.sub(r"[\s\-()（）]", "", phone)
    return phone or None


def _validate(session: Session, *, channel: str, received_at: datetime | None, complainant_name: str,
              complainant_phone: str | None, retailer_id: int | None, category_id: int | None, grade: int | None,
              description: str, remedy_sought: str, now: datetime, complainant_email: str | None = None,
              complainant_address: str | None = None) -> dict:
    if channel not in CHANNELS:
        raise ComplaintInputError("channel", _("Channel: choose how the complaint came in."))
    if received_at is None:
        raise ComplaintInputError("received_at", _("Received: enter when the complaint came in."))
    received_at = local(received_at)
    if received_at > now + FUTURE_GRACE:
        raise ComplaintInputError("received_at", _("Received: that time is in the future; enter when the "
                                                   "complaint came in."))
    if received_at < now - OLDEST_RECEIVED:
        raise ComplaintInputError("received_at", _("Received: more than a year ago; check the date."))
    name = require_text("complainant_name", complainant_name, _("Complainant: enter a name (or “anonymous”)."),
                        limit=50)
    if complainant_phone is not None and not PHONE_RE.match(complainant_phone):
        raise ComplaintInputError("complainant_phone", _("Phone: enter 5–15 digits, e.g. 13812345678 or "
                                                         "0571-88886666."))
    if channel == "hotline" and complainant_phone is None:
        raise ComplaintInputError("complainant_phone", _("Phone: required for a hotline complaint, so the "
                                                         "complainant can be called back."))
    email, address = _written_contact(channel, complainant_email, complainant_address)
    if retailer_id is not None and session.get(Retailer, retailer_id) is None:
        raise ComplaintInputError("retailer_id", _("Retailer: no such retailer; search again or leave it empty."))
    category = session.get(ComplaintCategory, category_id) if category_id is not None else None
    if category is None or not category.active:
        raise ComplaintInputError("category_id", _("Category: choose one of the offered categories."))
    if grade not in (1, 2, 3, 4):
        raise ComplaintInputError("grade", _("Grade: choose 1 (major) to 4 (simple)."))
    description = require_text("description", description, _("Description: write what the complaint is about."))
    remedy = optional_text("remedy_sought", remedy_sought, label=_("Remedy sought"), limit=2000)
    return {"received_at": received_at, "complainant_name": name, "description": description,
            "remedy_sought": remedy, "complainant_email": email, "complainant_address": address}


def _written_contact(channel: str, email: str | None, address: str | None) -> tuple[str | None, str | None]:
    """Where a written answer goes: an e-mail complaint needs the e-mail address; a letter's postal address is asked
    for but not required (an anonymous letter has none)."""
    email, address = (email or "").strip() or None, " ".join((address or "").split()) or None
    if email is not None and (len(email) > 254 or not EMAIL_RE.match(email)):
        raise ComplaintInputError("complainant_email", _("E-mail: enter an address like name@example.com."))
    if channel == "email" and email is None:
        raise ComplaintInputError("complainant_email", _("E-mail: required for an e-mail complaint, so the answer "
                                                         "can be sent back."))
    if address is not None:
        optional_text("complainant_address", address, label=_("Postal address"), limit=300)
    return email, address


def _registration(session: Session, c: Complaint, *, created: bool) -> Registration:
    owner = session.get(User, c.first_contact_owner_id)
    original = session.get(Complaint, c.duplicate_of_id) if c.duplicate_of_id else None
    return Registration(c.id, c.reference, owner.name, owner.staff_id, c.first_reply_due_at, c.resolution_due_at,
                        c.is_major, original.reference if original else None, created,
                        _registration(session, original, created=True) if original else None)


def _by_token(session: Session, actor: CurrentUser, token: str) -> Registration | None:
    c = session.scalar(select(Complaint).where(Complaint.client_token == token))
    if c is None:
        return None
    if c.first_contact_owner_id != actor.id:
        raise ComplaintInputError("client_token", _("This form was already used by someone else; reload the page."))
    return _registration(session, c, created=False)


def register_complaint(session: Session, *, actor: CurrentUser, channel: str, received_at: datetime | None,
                       complainant_name: str, complainant_phone: str | None, category_id: int | None,
                       grade: int | None, description: str, retailer_id: int | None = None,
                       remedy_sought: str = "", client_token: str | None = None,
                       duplicate_of_id: int | None = None, now: datetime | None = None,
                       complainant_email: str | None = None, complainant_address: str | None = None) -> Registration:
    """Register a complaint; the receiver (`actor`) becomes its first-contact owner (首问负责人).

    `client_token` is generated once per intake form: submitting the same form twice returns the first
    registration (`created=False`) instead of a second complaint. With `duplicate_of_id` the complaint is
    recorded and at once linked to that original as a duplicate.
    """
    require(actor, "complaints.register")
    if actor.id is None:  # first-contact responsibility needs a person, not a script
        raise PermissionDenied("complaints.register")
    now = now or utcnow()
    if client_token:
        earlier = _by_token(session, actor, client_token)
        if earlier is not None:
            return earlier
    phone = normalize_phone(complainant_phone)
    fields = _validate(session, channel=channel, received_at=received_at, complainant_name=complainant_name,
                       complainant_phone=phone, retailer_id=retailer_id, category_id=category_id, grade=grade,
                       description=description, remedy_sought=remedy_sought, now=now,
                       complainant_email=complainant_email, complainant_address=complainant_address)
    hours, days = sla_limits(session, grade)
    start = limits_start(session, received_at=fields["received_at"], registered_at=now)
    reply_due, resolution_due = due_times(work_calendar(session), start, first_reply_hours=hours,
                                          resolution_working_days=days)
    complaint_id = session.scalar(text("select nextval(pg_get_serial_sequence('complaints', 'id'))"))
    c = Complaint(id=complaint_id, reference=f"TS-{local(now).year}-{complaint_id:06d}", client_token=client_token,
                  channel=channel, complainant_phone=phone, retailer_id=retailer_id, category_id=category_id,
                  grade=grade, state="registered", first_contact_owner_id=actor.id,
                  owner_department_id=actor.department_id, first_reply_due_at=reply_due,
                  resolution_due_at=resolution_due, created_at=now, **fields)
    c.next_due_at = next_due(c)
    try:
        with session.begin_nested():  # a second submit racing this one stops at the client-token constraint
            session.add(c)
            session.flush()
    except IntegrityError:
        earlier = _by_token(session, actor, client_token) if client_token else None
        if earlier is None:
            raise
        return earlier
    add_event(session, c, actor, now, "state_change", to_state="registered",
              data={"channel": channel, "grade": grade, "major": c.is_major})
    session.flush()
    if duplicate_of_id is not None:
        mark_duplicate(session, actor=actor, complaint_id=c.id, original_id=duplicate_of_id, now=now)
    return _registration(session, c, created=True)


def find_possible_duplicates(session: Session, *, actor: CurrentUser, complainant_phone: str | None = None,
                             retailer_id: int | None = None, category_id: int | None = None,
                             exclude_id: int | None = None, now: datetime | None = None,
                             limit: int = 10) -> list[DuplicateCandidate]:
    """Open complaints of the last 30 days with the same phone or retailer and a similar category (the
    same one, or one handled by the same default department); same category first, newest first. Only
    complaints `actor` may see are offered (the complaint grid's row scope)."""
    if not (can(actor, "complaints.register") or can(actor, "complaints.work")):
        raise PermissionDenied("complaints.register")
    now = now or utcnow()
    phone = normalize_phone(complainant_phone)
    matches = []
    if phone:
        matches.append(Complaint.complainant_phone == phone)
    if retailer_id is not None:
        matches.append(Complaint.retailer_id == retailer_id)
    if not matches:
        return []
    query = select(Complaint).where(or_(*matches), Complaint.state.in_(OPEN_STATES),
                                    Complaint.received_at >= now - DUPLICATE_WINDOW)
    scope = visible_condition(actor)
    if scope is not None:
        query = query.where(scope)
    same_category = Complaint.category_id == (category_id or -1)
    if category_id is not None:
        dept = session.scalar(select(ComplaintCategory.default_department_id).where(
            ComplaintCategory.id == category_id))
        similar = [ComplaintCategory.id == category_id]
        if dept is not None:
            similar.append(ComplaintCategory.default_department_id == dept)
        query = query.where(Complaint.category_id.in_(select(ComplaintCategory.id).where(or_(*similar))))
    if exclude_id is not None:
        query = query.where(Complaint.id != exclude_id)
    query = query.order_by(case((same_category, 0), else_=1), Complaint.received_at.desc()).limit(limit)
    return [DuplicateCandidate(c.id, c.reference, c.received_at, c.state, c.category_id, c.grade,
                               c.complainant_name, excerpt(c.description), c.category_id == category_id,
                               bool(phone) and c.complainant_phone == phone,
                               retailer_id is not None and c.retailer_id == retailer_id)
            for c in session.scalars(query)]


def excerpt(description: str, length: int = 80) -> str:
    """A text on one line, cut at `length` characters (…)."""
    one_line = " ".join(description.split())
    return one_line if len(one_line) <= length else one_line[: length - 1] + "…"


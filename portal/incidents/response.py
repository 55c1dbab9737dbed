"""The response to an incident: service suspensions and resumptions, customer notices, the call list of
affected retailers, and follow-up actions. Suspensions, resumptions and notices also go on the timeline."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.incident_models import (
    BUSINESS_STEPS,
    NOTICE_METHODS,
    CustomerNotice,
    FollowUpAction,
    IncidentRetailer,
    ServiceSuspension,
)
from db.models import Retailer, User
from portal.access.auth import CurrentUser
from portal.center.sla import local
from portal.config import get_settings
from portal.errors import STALE, InputError
from portal.i18n import N_, _, fmt_date, fmt_datetime
from portal.incidents.labels import NOTICE_METHOD_LABELS, STEP_LABELS
from portal.incidents.log import _add_to_call_list
from portal.incidents.rules import (
    IncidentInputError,
    auto_entry,
    lock_incident,
    optional_text,
    past_moment,
    require_open,
    require_run,
    require_text,
    utcnow,
)
from portal.inputs import DAY_RANGE, day_in_range
from portal.notifications.channels.delivery import queue_retailer_message


def _locked(session: Session, model: type, row_id: int, version: int | None, what: str):
    row = session.get(model, row_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise IncidentInputError("id", _("That {what} does not exist.").format(what=what))
    if version is not None and row.version != version:
        raise InputError(STALE, _("Someone changed this {what} after you opened it. Nothing was saved; "
                                  "reload and try again.").format(what=what))
    return row


def record_suspension(session: Session, *, actor: CurrentUser, incident_id: int, service: str, area: str,
                      suspended_at: datetime | None = None, planned_resumption_at: datetime | None = None,
                      now: datetime | None = None) -> ServiceSuspension:
    """A service stopped for an area (e.g. delivery on routes 城东-01, 城东-02), since when (default now), and when it
    is planned to run again (what retailers are told; it may be in the future, after the suspension)."""
    require_run(actor)
    now = now or utcnow()
    if service not in BUSINESS_STEPS:
        raise IncidentInputError("service", _("Service: choose ordering, settlement, sorting or delivery."))
    area = require_text("area", area, _("Area: say where the service is stopped (district, routes)."), limit=200)
    incident = lock_incident(session, incident_id, share=True)
    require_open(incident)
    at = past_moment("suspended_at", suspended_at, now, not_before=incident.started_at,
                     before_message=_("Suspended at: that is before the incident started."))
    planned = _planned_resumption(planned_resumption_at, at)
    suspension = ServiceSuspension(incident_id=incident.id, service=service, area=area, suspended_at=at,
                                   planned_resumption_at=planned, recorded_by_id=actor.id)
    session.add(suspension)
    text = _("{service} suspended: {area}.").format(service=_(STEP_LABELS[service]), area=area)
    if planned is not None:
        text += " " + _("Planned to resume at {time}.").format(time=fmt_datetime(planned))
    auto_entry(session, incident, actor, now, "action", text,
               {"suspension": "suspended", "service": service, "area": area}, happened_at=at)
    session.flush()
    return suspension


def _planned_resumption(planned: datetime | None, suspended_at: datetime) -> datetime | None:
    if planned is None:
        return None
    if not day_in_range(planned.date()):
        raise IncidentInputError("planned_resumption_at", _("Enter a date from {first} to {last}.").format(
            first=DAY_RANGE[0], last=DAY_RANGE[1]))
    planned = local(planned)  # a naive time from a form is the center's time
    if planned <= suspended_at:
        raise IncidentInputError("planned_resumption_at", _("Planned resumption: after the suspension, please."))
    return planned


def record_resumption(session: Session, *, actor: CurrentUser, suspension_id: int, version: int | None = None,
                      resumed_at: datetime | None = None, now: datetime | None = None) -> ServiceSuspension:
    """The suspended service is running again."""
    require_run(actor)
    now = now or utcnow()
    suspension = _locked(session, ServiceSuspension, suspension_id, version, _("suspension"))
    incident = lock_incident(session, suspension.incident_id, share=True)
    require_open(incident)
    if suspension.resumed_at is not None:
        raise IncidentInputError("resumed_at", _("This service was already resumed."))
    at = past_moment("resumed_at", resumed_at, now, not_before=suspension.suspended_at,
                     before_message=_("Resumed at: that is before it was suspended."))
    suspension.resumed_at = at
    auto_entry(session, incident, actor, now, "action", _("{service} resumed: {area}.").format(
        service=_(STEP_LABELS[suspension.service]), area=suspension.area),
        {"suspension": "resumed", "service": suspension.service, "area": suspension.area}, happened_at=at)
    session.flush()
    return suspension


def suggested_notice_method(scope: str) -> str:
    """District-wide incidents are announced by broadcast or SMS; local ones by a call to each retailer."""
    return "sms" if scope == "district_wide" else "call"


NOTICE_MESSAGE = N_("Service center notice ({ref}): {text}")


def _text_call_list(session: Session, incident, notice: CustomerNotice) -> int:
    """The notice as a text message to each retailer on the call list, through the gateway, in this transaction
    (once per notice and retailer); returns how many were queued (a retailer without a phone number gets none)."""
    retailers = session.scalars(select(IncidentRetailer.retailer_id).where(
        IncidentRetailer.incident_id == incident.id).order_by(IncidentRetailer.id)).all()
    return sum(queue_retailer_message(session, retailer_id=retailer, key=f"incident:{incident.id}:notice:{notice.id}",
                                      msgid=NOTICE_MESSAGE, params={"ref": incident.reference, "text": notice.text},
                                      about_table="incidents", about_id=incident.id) is not None
               for retailer in retailers)


def record_notice(session: Session, *, actor: CurrentUser, incident_id: int, method: str, text: str,
                  audience: str = "", at: datetime | None = None, send: bool = False,
                  now: datetime | None = None) -> CustomerNotice:
    """How retailers were told (broadcast, SMS, or a call to each) and what they were told. `send` (an SMS notice,
    a gateway set up): the portal sends it itself, a text message to each retailer on the call list, queued in this
    transaction; the call list then shows each one's message (sent, on the way, failed)."""
    require_run(actor)
    now = now or utcnow()
    if method not in NOTICE_METHODS:
        raise IncidentInputError("method", _("Method: choose broadcast, SMS or a call to each retailer."))
    text = require_text("text", text, _("Notice: write what retailers were told."))
    audience = optional_text("audience", audience, label=_("Who was told"), limit=200)
    if send and method != "sms":
        raise IncidentInputError("send", _("Text messages to the call list: choose the method “Text message (SMS)”."))
    if send and not get_settings().gateway_url:
        raise IncidentInputError("send", _("Text messages to the call list: no gateway is set up "
                                           "(PORTAL_GATEWAY_URL)."))
    incident = lock_incident(session, incident_id, share=True)
    require_open(incident)
    moment = past_moment("at", at, now, not_before=incident.started_at,
                         before_message=_("Told at: that is before the incident started."))
    notice = CustomerNotice(incident_id=incident.id, method=method, at=moment, text=text, audience=audience,
                            recorded_by_id=actor.id)
    session.add(notice)
    session.flush()
    texted = _text_call_list(session, incident, notice) if send else None
    if send and not texted:
        raise IncidentInputError("send", _("Text messages to the call list: nobody on it has a phone number. Add "
                                           "retailers to the call list first."))
    entry = f"{_(NOTICE_METHOD_LABELS[method])}: {text}"
    if texted:
        entry += " " + _("(Sent by text message to {n} retailers on the call list.)").format(n=texted)
    auto_entry(session, incident, actor, now, "customer_notice", entry,
               {"method": method, "audience": audience or None, "texted": texted}, happened_at=moment)
    session.flush()
    return notice


def add_to_call_list(session: Session, *, actor: CurrentUser, incident_id: int, retailer_ids: Iterable[int] = (),
                     routes: Iterable[str] = ()) -> int:
    """Put retailers on the call list: picked ones, and every active retailer on the given routes."""
    require_run(actor)
    incident = lock_incident(session, incident_id, share=True)
    require_open(incident)
    ids = set(retailer_ids)
    if routes := [r for r in routes if r]:
        ids |= set(session.scalars(select(Retailer.id).where(Retailer.route.in_(routes),
                                                             Retailer.status == "active")))
    added = _add_to_call_list(session, incident, ids)
    session.flush()
    return added


def mark_called(session: Session, *, actor: CurrentUser, call_id: int, version: int | None = None,
                called: bool = True, note: str = "", now: datetime | None = None) -> IncidentRetailer:
    """Tick a retailer off the call list (or untick a mistaken tick), with what they said."""
    require_run(actor)
    now = now or utcnow()
    row = _locked(session, IncidentRetailer, call_id, version, _("call list entry"))
    require_open(lock_incident(session, row.incident_id, share=True))
    row.called = bool(called)
    row.called_at, row.called_by_id = (now, actor.id) if called else (None, None)
    row.call_note = optional_text("note", note, label=_("What they said"), limit=500)
    session.flush()
    return row


def add_action(session: Session, *, actor: CurrentUser, incident_id: int, text: str, owner_id: int | None,
               due_date: date | None, now: datetime | None = None) -> FollowUpAction:
    """A follow-up action (整改措施): what, who owns it, by when."""
    require_run(actor)
    now = now or utcnow()
    text = require_text("action_text", text, _("Action: say what is to be done."), limit=2000)
    owner = session.get(User, owner_id) if owner_id is not None else None
    if owner is None or not owner.active:
        raise IncidentInputError("owner_id", _("Owner: choose an active staff member who owns the action."))
    if due_date is None:
        raise IncidentInputError("due_date", _("Due date: say by when the action is to be done."))
    incident = lock_incident(session, incident_id, share=True)
    require_open(incident)
    if due_date < local(incident.started_at).date():
        raise IncidentInputError("due_date", _("Due date: that is before the incident started ({day}).").format(
            day=fmt_date(local(incident.started_at).date())))
    action = FollowUpAction(incident_id=incident.id, text=text, owner_id=owner.id, due_date=due_date,
                            created_at=now)
    session.add(action)
    session.flush()
    return action


def complete_action(session: Session, *, actor: CurrentUser, action_id: int, version: int | None = None,
                    done: bool = True, now: datetime | None = None) -> FollowUpAction:
    """Mark a follow-up action done (its owner or a coordinator), or not done after all."""
    now = now or utcnow()
    action = _locked(session, FollowUpAction, action_id, version, _("action"))
    if action.owner_id != actor.id:
        require_run(actor)
    action.done = bool(done)
    action.done_at = now if done else None
    session.flush()
    return action

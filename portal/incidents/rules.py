"""The rules every incident move shares: status transitions, locking with a version check, automatic
timeline entries, and validation of texts and moments (errors name the form field)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.incident_models import Incident, IncidentCommandMember, IncidentTimelineEntry
from db.models import User
from portal.access.auth import CurrentUser, require
from portal.center.sla import local
from portal.center_time import utcnow  # noqa: F401  (the domain's clock; callers import it from here)
from portal.errors import STALE, TOO_LONG, InputError, checked_text
from portal.i18n import _, fmt_datetime
from portal.incidents.labels import STATUS_LABELS
from portal.inputs import DAY_RANGE, day_in_range

RUN = "incidents.run"
VIEW = "incidents.view"
FUTURE_GRACE = timedelta(minutes=1)  # browser and server clocks differ a little
MAX_TEXT = 5000

# status -> the statuses it may move to; "closed" is final, "resolved" may reopen to "responding"
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"responding", "monitoring", "resolved"}),
    "responding": frozenset({"monitoring", "resolved"}),
    "monitoring": frozenset({"responding", "resolved"}),
    "resolved": frozenset({"responding", "closed"}),
    "closed": frozenset(),
}


class IncidentInputError(InputError):
    """Bad input for an incident: `field` names the form field, the message says what to do."""



def require_text(field: str, value: str | None, message: str, *, limit: int = MAX_TEXT,
                 too_long: str = TOO_LONG) -> str:
    """`value` trimmed; refused with `message` ("Field: what to write") when blank, or when longer than `limit`
    characters (portal/errors.py: `too_long`, naming the field as `message` does)."""
    return checked_text(IncidentInputError, field, value, blank=message, limit=limit, too_long=too_long)


def optional_text(field: str, value: str | None, *, label: str, limit: int = MAX_TEXT) -> str:
    """`value` trimmed ("" when blank); refused when longer than `limit` characters, naming the field by `label`."""
    return checked_text(IncidentInputError, field, value, label=label, limit=limit)


def past_moment(field: str, moment: datetime | None, now: datetime, *, not_before: datetime | None = None,
                before_message: str = "") -> datetime:
    """A user-given time (default now): not in the future, and not before `not_before` when given."""
    if moment is None:
        return now
    if not day_in_range(moment.date()):  # 9999-12-31 23:59 has no center time (and no incident is that old)
        raise IncidentInputError(field, _("Enter a date from {first} to {last}.").format(
            first=DAY_RANGE[0], last=DAY_RANGE[1]))
    moment = local(moment)  # a naive time from a form is the center's time
    if moment > now + FUTURE_GRACE:
        raise IncidentInputError(field, _("That time is in the future; enter when it happened."))
    if not_before is not None and moment < not_before:
        raise IncidentInputError(field, before_message)
    return moment


def get_incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise IncidentInputError("incident", _("That incident does not exist."))
    return incident


def lock_incident(session: Session, incident_id: int, version: int | None = None, *,
                  share: bool = False) -> Incident:
    """The incident, row-locked for this transaction (`share`: only against status changes, so many
    coordinators may write entries at once); refused when it changed since `version` was read."""
    incident = session.get(Incident, incident_id, with_for_update={"read": True} if share else True,
                           populate_existing=True)
    if incident is None:
        raise IncidentInputError("incident", _("That incident does not exist."))
    if version is not None and incident.version != version:
        raise stale(session, incident)
    return incident


def stale(session: Session, incident: Incident) -> InputError:
    """The error for an edit made on an out-of-date screen: who changed the incident last, and when."""
    last = session.execute(
        select(IncidentTimelineEntry.recorded_at, User.name)
        .outerjoin(User, User.id == IncidentTimelineEntry.author_id)
        .where(IncidentTimelineEntry.incident_id == incident.id,
               IncidentTimelineEntry.kind.in_(("status_change", "severity_change", "commander_change", "review")))
        .order_by(IncidentTimelineEntry.recorded_at.desc(), IncidentTimelineEntry.id.desc()).limit(1)).first()
    who, when = (last.name or _("System"), fmt_datetime(last.recorded_at)) if last else (_("someone else"), "")
    return InputError(STALE, _("{name} changed incident {ref} at {time} (it is now “{status}”). Nothing was "
                               "saved; your input is kept. Reload, check, and try again.").format(
        name=who, ref=incident.reference, time=when, status=_(STATUS_LABELS[incident.status])))


def require_open(incident: Incident) -> None:
    """Closed incidents take no more writes."""
    if incident.status == "closed":
        raise IncidentInputError("status", _("Incident {ref} is closed; nothing more can be recorded.").format(
            ref=incident.reference))


def require_run(actor: CurrentUser) -> None:
    require(actor, RUN)


def json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


# a member of staff outside the command group writes as their role (the first of these they hold)
POSITION_ROLES = ("emergency_coordinator", "supervisor", "training_coordinator", "handler", "agent", "admin", "viewer")


def author_position(session: Session, incident: Incident, actor: CurrentUser) -> str | None:
    """The writer's position in the incident when writing (ICS-214): commander, a command-group post, or their role."""
    if actor.id is None:
        return None
    if actor.id == incident.commander_id:
        return "commander"
    post = session.scalar(select(IncidentCommandMember.position).where(  # (one seat per person and incident)
        IncidentCommandMember.incident_id == incident.id, IncidentCommandMember.user_id == actor.id))
    return post or next((role for role in POSITION_ROLES if role in actor.roles), None)


def auto_entry(session: Session, incident: Incident, actor: CurrentUser, now: datetime, kind: str, text: str,
               data: dict | None = None, *, happened_at: datetime | None = None) -> IncidentTimelineEntry:
    """Write an automatic timeline entry (status, severity or commander change, suspension, notice)."""
    entry = IncidentTimelineEntry(incident_id=incident.id, recorded_at=now, happened_at=happened_at or now,
                                  author_id=actor.id, author_position=author_position(session, incident, actor),
                                  kind=kind, text=text,
                                  data={k: json_value(v) for k, v in data.items()} if data else None)
    session.add(entry)
    return entry


def check_commander(session: Session, commander_id: int | None) -> User | None:
    """A commander (总指挥) must be an active user holding the emergency coordinator role."""
    if commander_id is None:
        return None
    user = session.get(User, commander_id)
    if user is None or not user.active or "emergency_coordinator" not in user.roles:
        raise IncidentInputError("commander_id", _("Commander: choose an active emergency coordinator."))
    return user

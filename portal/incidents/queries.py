"""Reading incidents: the board, one incident with its timeline and response, significant events, the
handover brief, and the complaint an incident was opened from. Each list is one query."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session, aliased

from db.complaint_models import Complaint
from db.incident_models import (
    ACTIVE_STATUSES,
    CustomerNotice,
    FollowUpAction,
    Incident,
    IncidentEntryFile,
    IncidentRetailer,
    IncidentTimelineEntry,
    ServiceSuspension,
)
from db.models import Retailer, User
from portal.access.auth import SYSTEM, CurrentUser, can, require
from portal.i18n import _
from portal.incidents.checklists import item_by_code
from portal.incidents.command import GroupMember, command_group, named_text
from portal.incidents.labels import POSITION_LABELS, SEVERITY_LABELS, STATUS_LABELS
from portal.incidents.rules import VIEW, author_position, get_incident, utcnow
from portal.notifications.channels.retailer_status import message_statuses

AUTOMATIC_KINDS = ("status_change", "severity_change", "commander_change")


@dataclass(frozen=True)
class BoardRow:
    """One open incident on the board."""

    id: int
    reference: str
    title: str
    type: str
    severity: int
    status: str
    commander: str | None
    started_at: datetime
    last_update_at: datetime
    since_start: timedelta
    since_update: timedelta
    significant_count: int


@dataclass(frozen=True)
class EntryFile:
    """A photo or document on a timeline entry (its bytes are read only when downloaded)."""

    id: int
    filename: str
    content_type: str
    size_bytes: int


@dataclass(frozen=True)
class EntryView:
    """A timeline entry as shown: who wrote it (and in what position), what corrects it or what it corrects, and
    the files on it."""

    id: int
    recorded_at: datetime
    happened_at: datetime
    author: str
    kind: str
    text: str
    significant: bool
    corrects_entry_id: int | None
    corrected_by: tuple[int, ...]
    data: dict
    author_id: int | None = None
    position: str | None = None  # a POSITION_LABELS or ROLE_LABELS code
    files: tuple[EntryFile, ...] = ()


@dataclass(frozen=True)
class SignificantEvent:
    incident_id: int
    reference: str
    incident_title: str
    severity: int
    entry: EntryView
    corrections: tuple[EntryView, ...] = ()  # later entries that correct this one, oldest first


@dataclass
class IncidentView:
    """One incident with everything its page and handover brief show."""

    incident: Incident
    opened_by: str
    commander: str | None
    complaint: Complaint | None
    timeline: list[EntryView]
    suspensions: list[ServiceSuspension]
    notices: list[tuple[CustomerNotice, str]]  # (notice, recorded by)
    call_list: list[dict]  # id, version, retailer_id, shop_name, license_no, phone, called, called_by, called_at, note,
    # message (the newest text message to the retailer about the incident: a MessageStatus, or None)
    actions: list[dict]  # id, version, text, owner_id, owner, due_date, done, done_at
    generated_at: datetime = field(default_factory=utcnow)
    texting: bool = False  # a gateway is set up: notices may go to the call list by text message
    prepared_by: str = ""  # the reader, who prints the brief (ICS-201 "prepared by")
    prepared_by_position: str | None = None  # a POSITION_LABELS or ROLE_LABELS code
    command_group: list[GroupMember] = field(default_factory=list)

    @property
    def open_actions(self) -> list[dict]:
        return [a for a in self.actions if not a["done"]]

    @property
    def active_suspensions(self) -> list[ServiceSuspension]:
        return [s for s in self.suspensions if s.resumed_at is None]

    @property
    def calls_done(self) -> int:
        return sum(1 for c in self.call_list if c["called"])


def board(session: Session, *, actor: CurrentUser, now: datetime | None = None) -> list[BoardRow]:
    """Every open incident (open, responding, monitoring), most severe first, then the longest running, with
    time since start and since the last timeline entry — one query."""
    require(actor, VIEW)
    now = now or utcnow()
    entries = IncidentTimelineEntry
    last = (select(func.max(entries.recorded_at)).where(entries.incident_id == Incident.id)
            .correlate(Incident).scalar_subquery())
    flagged = (select(func.count()).where(entries.incident_id == Incident.id, entries.significant)
               .correlate(Incident).scalar_subquery())
    commander = aliased(User)
    rows = session.execute(
        select(Incident.id, Incident.reference, Incident.title, Incident.type, Incident.severity, Incident.status,
               commander.name, Incident.started_at, last.label("last"), flagged.label("flagged"))
        .outerjoin(commander, commander.id == Incident.commander_id)
        .where(Incident.status.in_(ACTIVE_STATUSES))
        .order_by(Incident.severity, Incident.started_at, Incident.id))
    return [BoardRow(r.id, r.reference, r.title, r.type, r.severity, r.status, r.name, r.started_at,
                     r.last or r.started_at, now - r.started_at, now - (r.last or r.started_at), r.flagged)
            for r in rows]


def _entry_views(rows, corrections: dict[int, list[int]],
                 files: dict[int, list[EntryFile]] | None = None) -> list[EntryView]:
    return [EntryView(e.id, e.recorded_at, e.happened_at, name or _("System"), e.kind, entry_text(e),
                      e.significant, e.corrects_entry_id, tuple(corrections.get(e.id, ())), e.data or {},
                      e.author_id, e.author_position, tuple((files or {}).get(e.id, ())))
            for e, name in rows]


def entry_text(entry: IncidentTimelineEntry) -> str:
    """An entry's text; automatic entries are said again in the reader's language from their details."""
    data = entry.data or {}
    note = f" {data['note']}" if data.get("note") else ""
    old, new = data.get("from"), data.get("to")
    if entry.kind == "status_change" and old:
        return _("Status: {old} → {new}.").format(old=_(STATUS_LABELS[old]), new=_(STATUS_LABELS[new])) + note
    if entry.kind == "severity_change":
        return _("Severity: {old} → {new}.").format(old=_(SEVERITY_LABELS[old]), new=_(SEVERITY_LABELS[new])) + note
    if entry.kind == "commander_change":
        return _("Commander: {old} → {new}.").format(old=data.get("from_name"), new=data.get("to_name")) + note
    if entry.kind == "command_group" and (code := data.get("position")) in POSITION_LABELS:
        if data.get("removed"):
            return _("Command group: {name} ({position}) stood down.").format(name=data["name"],
                                                                              position=_(POSITION_LABELS[code]))
        return named_text(data["name"], code, data.get("replaces"))
    if entry.kind == "review" and data.get("note"):
        return _("Supervision review: {note}").format(note=data["note"])
    if entry.kind == "checklist" and (item := item_by_code(data.get("item", ""))) is not None:
        return (_("Checklist: ✓ {item}") if data.get("done") else _("Checklist: unticked {item}")).format(
            item=_(item.text))
    return entry.text


def timeline(session: Session, *, actor: CurrentUser, incident_id: int) -> list[EntryView]:
    """Every entry of an incident in the order things happened (then the order they were written)."""
    require(actor, VIEW)
    rows = session.execute(
        select(IncidentTimelineEntry, User.name).outerjoin(User, User.id == IncidentTimelineEntry.author_id)
        .where(IncidentTimelineEntry.incident_id == incident_id)
        .order_by(IncidentTimelineEntry.happened_at, IncidentTimelineEntry.id)).all()
    corrections: dict[int, list[int]] = {}
    for e, _name in rows:
        if e.corrects_entry_id is not None:
            corrections.setdefault(e.corrects_entry_id, []).append(e.id)
    files: dict[int, list[EntryFile]] = {}
    for f in session.execute(select(IncidentEntryFile.entry_id, IncidentEntryFile.id, IncidentEntryFile.filename,
                                    IncidentEntryFile.content_type, IncidentEntryFile.size_bytes)
                             .where(IncidentEntryFile.incident_id == incident_id).order_by(IncidentEntryFile.id)):
        files.setdefault(f.entry_id, []).append(EntryFile(f.id, f.filename, f.content_type, f.size_bytes))
    return _entry_views(rows, corrections, files)


def significant_events(session: Session, *, actor: CurrentUser, limit: int = 200) -> list[SignificantEvent]:
    """Entries flagged significant across all open incidents, newest first, each with the entries that later
    corrected it — two queries."""
    require(actor, VIEW)
    rows = session.execute(
        select(IncidentTimelineEntry, User.name, Incident.reference, Incident.title, Incident.severity)
        .join(Incident, Incident.id == IncidentTimelineEntry.incident_id)
        .outerjoin(User, User.id == IncidentTimelineEntry.author_id)
        .where(IncidentTimelineEntry.significant, Incident.status.in_(ACTIVE_STATUSES))
        .order_by(IncidentTimelineEntry.happened_at.desc(), IncidentTimelineEntry.id.desc()).limit(limit)).all()
    flagged = [e.id for e, *_rest in rows]
    fixes = session.execute(
        select(IncidentTimelineEntry, User.name).outerjoin(User, User.id == IncidentTimelineEntry.author_id)
        .where(IncidentTimelineEntry.corrects_entry_id.in_(flagged))
        .order_by(IncidentTimelineEntry.recorded_at, IncidentTimelineEntry.id)).all() if flagged else []
    corrected: dict[int, list] = {}
    for fix, name in fixes:
        corrected.setdefault(fix.corrects_entry_id, []).append((fix, name))
    return [SignificantEvent(e.incident_id, ref, title, severity,
                             _entry_views([(e, name)], {e.id: [f.id for f, _n in corrected.get(e.id, [])]})[0],
                             tuple(_entry_views(corrected.get(e.id, []), {})))
            for e, name, ref, title, severity in rows]


def linked_complaint(session: Session, *, actor: CurrentUser, complaint_id: int) -> Complaint | None:
    """The complaint an incident is (or is to be) opened from. Incident staff see it through the incident
    even without complaint roles: the incident depends on it (phone numbers are not shown on incident pages)."""
    require(actor, VIEW)
    from portal.complaints import ComplaintInputError, get_complaint

    try:
        return get_complaint(session, actor=SYSTEM, complaint_id=complaint_id)
    except ComplaintInputError:
        return None


def incident_view(session: Session, *, actor: CurrentUser, incident_id: int) -> IncidentView:
    """One incident with its timeline, suspensions, notices, call list, actions and linked complaint."""
    require(actor, VIEW)
    incident = get_incident(session, incident_id)
    names = dict(session.execute(select(User.id, User.name)).all())
    recorder = aliased(User)
    notices = [(n, name) for n, name in session.execute(
        select(CustomerNotice, recorder.name).join(recorder, recorder.id == CustomerNotice.recorded_by_id)
        .where(CustomerNotice.incident_id == incident_id).order_by(CustomerNotice.at, CustomerNotice.id))]
    calls = session.execute(
        select(IncidentRetailer, Retailer.shop_name, Retailer.license_no, Retailer.phone)
        .join(Retailer, Retailer.id == IncidentRetailer.retailer_id)
        .where(IncidentRetailer.incident_id == incident_id).order_by(Retailer.route, Retailer.shop_name)).all()
    may_see_phone = can(actor, "retailers.view_phone")
    messages = message_statuses(session, about_table="incidents", about_id=incident_id)
    call_list = [{"id": c.id, "version": c.version, "retailer_id": c.retailer_id, "shop_name": shop,
                  "license_no": lic, "phone": phone if may_see_phone else None,
                  "called": c.called, "called_by": names.get(c.called_by_id), "called_at": c.called_at,
                  "note": c.call_note, "message": (messages or {}).get(c.retailer_id)} for c, shop, lic, phone in calls]
    actions = [{"id": a.id, "version": a.version, "text": a.text, "owner_id": a.owner_id,
                "owner": names.get(a.owner_id, "?"), "due_date": a.due_date, "done": a.done, "done_at": a.done_at}
               for a in session.scalars(select(FollowUpAction).where(FollowUpAction.incident_id == incident_id)
                                        .order_by(FollowUpAction.due_date, FollowUpAction.id))]
    return IncidentView(
        incident=incident, opened_by=names.get(incident.opened_by_id, "?"),
        commander=names.get(incident.commander_id) if incident.commander_id else None,
        complaint=linked_complaint(session, actor=actor, complaint_id=incident.complaint_id)
        if incident.complaint_id else None,
        timeline=timeline(session, actor=actor, incident_id=incident_id),
        suspensions=list(session.scalars(select(ServiceSuspension).where(ServiceSuspension.incident_id == incident_id)
                                         .order_by(ServiceSuspension.suspended_at, ServiceSuspension.id))),
        notices=notices, call_list=call_list, actions=actions, texting=messages is not None,
        prepared_by=actor.name, prepared_by_position=author_position(session, incident, actor),
        command_group=command_group(session, actor=actor, incident_id=incident_id))


def actions_due(session: Session, *, actor: CurrentUser, owner_id: int | None = None,
                by: date | None = None) -> list[tuple[FollowUpAction, str]]:
    """Open follow-up actions (of one owner, due by a day), soonest first, with their incident's reference."""
    require(actor, VIEW)
    query = (select(FollowUpAction, Incident.reference).join(Incident, Incident.id == FollowUpAction.incident_id)
             .where(~FollowUpAction.done).order_by(FollowUpAction.due_date, FollowUpAction.id))
    if owner_id is not None:
        query = query.where(FollowUpAction.owner_id == owner_id)
    if by is not None:
        query = query.where(FollowUpAction.due_date <= by)
    return [(a, ref) for a, ref in session.execute(query)]


def coordinators(session: Session) -> dict[int, str]:
    """Active emergency coordinators (who may command an incident): id -> "name (staff ID)"."""
    rows = session.execute(select(User.id, User.name, User.staff_id)
                           .where(User.active, User.roles.contains(["emergency_coordinator"])).order_by(User.name))
    return {r.id: f"{r.name} ({r.staff_id})" for r in rows}


def active_staff(session: Session) -> dict[int, str]:
    """Active staff (who may own a follow-up action): id -> "name (staff ID)"."""
    rows = session.execute(select(User.id, User.name, User.staff_id).where(User.active).order_by(User.name))
    return {r.id: f"{r.name} ({r.staff_id})" for r in rows}


def areas(session: Session) -> tuple[list[str], list[str]]:
    """The districts and delivery routes retailers are in (what an incident's area is picked from)."""
    return _distinct(session, "district"), _distinct(session, "route")


def _distinct(session: Session, column: str) -> list[str]:
    """The distinct values of an indexed retailer column, by skipping through its index one value at a time: a few
    dozen index probes instead of reading 200,000 retailers (a plain DISTINCT took over 100 ms)."""
    assert column in ("district", "route")
    return list(session.scalars(sql_text(f"""
        WITH RECURSIVE found(value) AS (
            (SELECT {column} FROM retailers WHERE {column} IS NOT NULL ORDER BY {column} LIMIT 1)
            UNION ALL
            SELECT (SELECT {column} FROM retailers WHERE {column} > found.value ORDER BY {column} LIMIT 1)
            FROM found WHERE found.value IS NOT NULL)
        SELECT value FROM found WHERE value IS NOT NULL""")))


def find_retailers(session: Session, *, actor: CurrentUser, text: str, limit: int = 20) -> dict[int, str]:
    """Retailers whose licence number, shop or owner name contains `text` (the directory's indexed quick
    search): id -> "shop name · licence number"."""
    require(actor, "retailers.view")
    from portal.records.filters import search_clause
    from portal.retailers.table import RETAILERS

    found = search_clause(RETAILERS, text, actor)
    if found is None:
        return {}
    rows = session.execute(select(Retailer.id, Retailer.shop_name, Retailer.license_no).where(found)
                           .order_by(Retailer.shop_name, Retailer.id).limit(limit))
    return {r.id: f"{r.shop_name} · {r.license_no}" for r in rows}


@dataclass(frozen=True)
class IncidentCounts:
    """What waits for a coordinator (the home page): open incidents, major ones, their own open actions,
    and supply requests awaiting a decision."""

    open: int
    major: int
    my_actions: int
    supply_pending: int


def waiting_counts(session: Session, *, actor: CurrentUser) -> IncidentCounts:
    require(actor, VIEW)
    from db.supply_models import SupplyRequest

    row = session.execute(select(func.count(), func.count().filter(Incident.severity <= 2))
                          .where(Incident.status.in_(ACTIVE_STATUSES))).one()
    mine = session.scalar(select(func.count()).where(FollowUpAction.owner_id == actor.id, ~FollowUpAction.done)) or 0
    pending = session.scalar(select(func.count()).where(SupplyRequest.state == "requested")) or 0
    return IncidentCounts(row[0], row[1], mine, pending)


@dataclass(frozen=True)
class MyAction:
    """An open follow-up action the reader owns, with the incident it belongs to."""

    id: int
    version: int
    text: str
    due_date: date
    incident_id: int
    reference: str
    incident_title: str


def my_actions(session: Session, *, actor: CurrentUser) -> list[MyAction]:
    """The open follow-up actions `actor` owns (whatever their roles), soonest due first: their home page lists
    them, since only coordinators work from the incident board."""
    require(actor, VIEW)
    rows = session.execute(
        select(FollowUpAction.id, FollowUpAction.version, FollowUpAction.text, FollowUpAction.due_date,
               Incident.id, Incident.reference, Incident.title)
        .join(Incident, Incident.id == FollowUpAction.incident_id)
        .where(FollowUpAction.owner_id == actor.id, ~FollowUpAction.done)
        .order_by(FollowUpAction.due_date, FollowUpAction.id)).all()
    return [MyAction(*row) for row in rows]

"""The incident log: opening an incident, timeline entries, and the status, severity and commander moves.

Every function takes `actor` and `now` (the clock; default the current time); edits of the incident take
`version` (what the user's screen showed; None skips the check, for scripts). Each change of status,
severity or commander writes a timeline entry by itself.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from db.complaint_models import Complaint
from db.incident_models import (
    BUSINESS_STEPS,
    INCIDENT_TYPES,
    MAJOR_SEVERITIES,
    SCOPES,
    USER_ENTRY_KINDS,
    FollowUpAction,
    Incident,
    IncidentRetailer,
    IncidentTimelineEntry,
)
from db.models import Retailer, User
from portal.access.auth import CurrentUser
from portal.center.sla import local
from portal.i18n import N_, _
from portal.incidents.command import require_group
from portal.incidents.labels import SEVERITY_LABELS, STATUS_LABELS
from portal.incidents.rules import (
    TRANSITIONS,
    IncidentInputError,
    author_position,
    auto_entry,
    check_commander,
    lock_incident,
    optional_text,
    past_moment,
    require_open,
    require_run,
    require_text,
    utcnow,
)

# a log entry too long for one: the same message as every form's (portal/errors.py), and what to do about it
ENTRY_TOO_LONG = N_("{field}: at most {n} characters, please; this text has {m}. Shorten it or split it into several "
                    "entries.")


def _names(values: Iterable[str] | None, field: str, label: str, limit: int = 30) -> list[str]:
    names = []
    for value in values or ():
        value = optional_text(field, str(value), label=label, limit=limit)
        if value and value not in names:
            names.append(value)
    return names


def _check_times(started_at: datetime | None, detected_at: datetime | None, reported_at: datetime | None,
                 now: datetime) -> tuple[datetime, datetime | None, datetime | None]:
    started = past_moment("started_at", started_at, now)
    detected = past_moment("detected_at", detected_at, now, not_before=started,
                           before_message=_("Detected: that is before the incident started.")) if detected_at else None
    reported = past_moment("reported_at", reported_at, now, not_before=detected or started,
                           before_message=_("Reported: that is before it was detected (or started).")
                           ) if reported_at else None
    return started, detected, reported


def _add_to_call_list(session: Session, incident: Incident, retailer_ids: Iterable[int]) -> int:
    """Put retailers on the incident's call list (those already on it are skipped); returns how many."""
    wanted = sorted(set(retailer_ids))
    if not wanted:
        return 0
    found = set(session.scalars(select(Retailer.id).where(Retailer.id.in_(wanted))))
    if missing := [r for r in wanted if r not in found]:
        raise IncidentInputError("retailer_ids", _("Retailers: no retailer with id {ids}.").format(
            ids=", ".join(map(str, missing))))
    listed = set(session.scalars(select(IncidentRetailer.retailer_id).where(
        IncidentRetailer.incident_id == incident.id)))
    new = [IncidentRetailer(incident_id=incident.id, retailer_id=r) for r in wanted if r not in listed]
    session.add_all(new)
    return len(new)


def open_incident(session: Session, *, actor: CurrentUser, type: str, severity: int, title: str,
                  situation: str = "", started_at: datetime | None = None, detected_at: datetime | None = None,
                  reported_at: datetime | None = None, reporter: str = "", commander_id: int | None = None,
                  scope: str = "local", casualties: bool = False, affected_steps: Iterable[str] = (),
                  affected_districts: Iterable[str] = (), affected_routes: Iterable[str] = (),
                  affected_retailers_estimate: int | None = None, retailer_ids: Iterable[int] = (),
                  complaint_id: int | None = None, now: datetime | None = None) -> Incident:
    """Open an incident: type, severity and title are all it needs (started defaults to now). A major one
    (severity 1–2) needs a commander. Listed retailers form its call list."""
    require_run(actor)
    now = now or utcnow()
    if type not in INCIDENT_TYPES:
        raise IncidentInputError("type", _("Type: choose what kind of incident this is."))
    if severity not in (1, 2, 3, 4):
        raise IncidentInputError("severity", _("Severity: choose 1 (critical) to 4 (minor)."))
    if scope not in SCOPES:
        raise IncidentInputError("scope", _("Scope: choose district-wide or local."))
    title = require_text("title", title, _("Title: say in a few words what is happening."), limit=200)
    situation = optional_text("situation", situation, label=_("What is happening"))
    reporter = optional_text("reporter", reporter, label=_("Reported by"), limit=100)
    started, detected, reported = _check_times(started_at, detected_at, reported_at, now)
    commander = check_commander(session, commander_id)
    if severity in MAJOR_SEVERITIES and commander is None:
        raise IncidentInputError("commander_id", _("Commander: a major incident (severity 1–2) needs a commander "
                                                   "(总指挥) from the emergency command group."))
    if complaint_id is not None:
        _lock_complaint(session, complaint_id)
        linked = session.scalar(select(Incident.reference).where(Incident.complaint_id == complaint_id))
        if linked is not None:
            raise IncidentInputError("complaint_id", _("This complaint has an incident already: {ref}.").format(
                ref=linked))
    steps = list(dict.fromkeys(affected_steps))
    if any(step not in BUSINESS_STEPS for step in steps):
        raise IncidentInputError("affected_steps", _("Affected steps: choose among ordering, settlement, sorting "
                                                     "and delivery."))
    if affected_retailers_estimate is not None and not 0 <= affected_retailers_estimate <= 1_000_000:
        raise IncidentInputError("affected_retailers_estimate", _("Affected retailers: enter a count of 0 or more."))
    incident_id = session.scalar(text("select nextval(pg_get_serial_sequence('incidents', 'id'))"))
    incident = Incident(
        id=incident_id, reference=f"YJ-{local(now).year}-{incident_id:04d}", type=type, scope=scope,
        casualties=bool(casualties), severity=severity, title=title, situation=situation, started_at=started,
        detected_at=detected, reported_at=reported, reporter=reporter, opened_by_id=actor.id,
        commander_id=commander.id if commander else None, affected_steps=steps,
        affected_districts=_names(affected_districts, "affected_districts", _("Affected districts")),
        affected_routes=_names(affected_routes, "affected_routes", _("Affected routes")),
        affected_retailers_estimate=affected_retailers_estimate, status="open", complaint_id=complaint_id,
        created_at=now)
    session.add(incident)
    session.flush()
    listed = _add_to_call_list(session, incident, retailer_ids)
    if affected_retailers_estimate is None and listed:
        incident.affected_retailers_estimate = listed
    auto_entry(session, incident, actor, now, "status_change",
               _("Incident opened: {title} (severity {severity}).").format(title=title, severity=severity),
               {"from": None, "to": "open", "severity": severity}, happened_at=detected or started)
    if complaint_id is not None:
        _note_on_complaint(session, incident, actor, now)
    session.flush()
    return incident


def _note_on_complaint(session: Session, incident: Incident, actor: CurrentUser, now: datetime) -> None:
    """The complaint's timeline says that an emergency incident was opened from it (which, by whom, when)."""
    from db.complaint_models import Complaint
    from portal.complaints.rules import add_event

    complaint = session.get(Complaint, incident.complaint_id)
    add_event(session, complaint, actor, now, "link",
              data={"incident_id": incident.id, "incident_reference": incident.reference})


def add_entry(session: Session, *, actor: CurrentUser, incident_id: int, text: str, kind: str = "update",
              happened_at: datetime | None = None, significant: bool = False,
              corrects_entry_id: int | None = None, now: datetime | None = None) -> IncidentTimelineEntry:
    """Append a timeline entry. Entries are never changed: a correction is a new entry pointing at the one
    it corrects. Many coordinators may write at once; every entry is kept, in order."""
    require_run(actor)
    now = now or utcnow()
    text = require_text("text", text, _("Entry: write what happened, was decided or was done."),
                         too_long=ENTRY_TOO_LONG)
    if kind not in USER_ENTRY_KINDS:
        raise IncidentInputError("kind", _("Kind: choose update, decision, action, customer notice or resource."))
    incident = lock_incident(session, incident_id, share=True)
    require_open(incident)
    happened = past_moment("happened_at", happened_at, now, not_before=incident.started_at,
                           before_message=_("Happened at: that is before the incident started."))
    if corrects_entry_id is not None:
        corrected = session.get(IncidentTimelineEntry, corrects_entry_id)
        if corrected is None or corrected.incident_id != incident.id:
            raise IncidentInputError("corrects_entry_id", _("Correction: pick an entry of this incident."))
    entry = IncidentTimelineEntry(incident_id=incident.id, recorded_at=now, happened_at=happened,
                                  author_id=actor.id, author_position=author_position(session, incident, actor),
                                  kind=kind, text=text, significant=bool(significant),
                                  flagged_by_id=actor.id if significant else None,
                                  corrects_entry_id=corrects_entry_id)
    session.add(entry)
    session.flush()
    return entry


def flag_entry(session: Session, *, actor: CurrentUser, entry_id: int, significant: bool = True) -> None:
    """Star an entry significant (it then shows in the significant-events view), or unstar it: the ★ toggle of
    the coordinators. Each change is audited (who, when, old → new); the entry's text never changes."""
    require_run(actor)
    entry = session.get(IncidentTimelineEntry, entry_id, with_for_update=True)
    if entry is None:
        raise IncidentInputError("entry", _("That entry does not exist."))
    require_open(session.get(Incident, entry.incident_id))
    entry.significant, entry.flagged_by_id = bool(significant), actor.id
    session.flush()


def set_objectives(session: Session, *, actor: CurrentUser, incident_id: int, objectives: str,
                   version: int | None = None, now: datetime | None = None) -> Incident:
    """Set the incident's current objectives (ICS-201, on the handover brief); the change is a decision on the
    timeline, so earlier objectives stay readable in the log."""
    require_run(actor)
    now = now or utcnow()
    objectives = require_text("objectives", objectives, _("Objectives: say what the response is to achieve."))
    incident = lock_incident(session, incident_id, version)
    require_open(incident)
    if objectives == incident.objectives:
        raise IncidentInputError("objectives", _("Objectives: these are the objectives already set."))
    incident.objectives = objectives
    auto_entry(session, incident, actor, now, "decision", _("Objectives: {text}").format(text=objectives))
    session.flush()
    return incident


def _open_actions(session: Session, incident_id: int) -> tuple[int, int]:
    """(all follow-up actions, those not done) of an incident."""
    row = session.execute(select(func.count(), func.count().filter(~FollowUpAction.done))
                          .where(FollowUpAction.incident_id == incident_id)).one()
    return row[0], row[1]


def change_status(session: Session, *, actor: CurrentUser, incident_id: int, status: str,
                  version: int | None = None, note: str = "", resolution: str | None = None,
                  resolved_at: datetime | None = None, root_cause: str | None = None,
                  close_with_open_actions: bool = False, now: datetime | None = None) -> Incident:
    """Move an incident along open → responding → monitoring → resolved → closed (back to responding if it
    flares up again). A major one moves past open only with its command group filled. Resolved needs a resolution
    and a time not before the start; closed needs the root cause, follow-up actions and the supervision center's
    review (recorded by a reviewer: portal/incidents/command.py), and says so when actions are open."""
    require_run(actor)
    now = now or utcnow()
    incident = lock_incident(session, incident_id, version)
    old = incident.status
    if status not in TRANSITIONS.get(old, ()):
        raise IncidentInputError("status", _("Incident {ref} is “{old}”: it cannot move to “{new}”.").format(
            ref=incident.reference, old=_(STATUS_LABELS[old]), new=_(STATUS_LABELS.get(status, status))))
    note = optional_text("note", note, label=_("Note"))
    require_group(session, incident, status)
    if status == "resolved":
        incident.resolution = require_text("resolution", resolution, _("Resolution: say how it was resolved."))
        incident.resolved_at = past_moment(
            "resolved_at", resolved_at, now, not_before=incident.started_at,
            before_message=_("Resolved at: that is before the incident started."))
    elif status == "closed":
        incident.root_cause = require_text("root_cause", root_cause, _("Root cause: say why it happened."))
        if incident.reviewed_at is None:
            raise IncidentInputError("review_note", _("Review: the supervision center reviews a resolved incident "
                                                      "before it is closed out; none has been recorded yet."))
        total, still_open = _open_actions(session, incident.id)
        if total == 0:
            raise IncidentInputError("actions", _("Follow-up actions: add at least one (with an owner and a due "
                                                  "date) before closing."))
        if still_open and not close_with_open_actions:
            raise IncidentInputError("close_with_open_actions", _(
                "{n} follow-up actions are still open. Tick “Close with open actions” to close anyway; "
                "their owners keep them.").format(n=still_open))
        incident.closed_at = now
    elif old == "resolved":  # reopened: it is no longer resolved, nor reviewed (the timeline keeps both)
        incident.resolved_at, incident.resolution = None, None
        incident.review_note, incident.reviewed_by_id, incident.reviewed_at = None, None, None
    incident.status = status
    data = {"from": old, "to": status, "note": note or None}
    if status == "resolved":
        data["resolution"] = incident.resolution
    auto_entry(session, incident, actor, now, "status_change", _("Status: {old} → {new}.").format(
        old=_(STATUS_LABELS[old]), new=_(STATUS_LABELS[status])) + (f" {note}" if note else ""), data)
    session.flush()
    return incident


def change_severity(session: Session, *, actor: CurrentUser, incident_id: int, severity: int,
                    version: int | None = None, commander_id: int | None = None, note: str = "",
                    now: datetime | None = None) -> Incident:
    """Raise or lower the severity; raising it to major (1–2) needs a commander (named here if none yet)."""
    require_run(actor)
    now = now or utcnow()
    if severity not in (1, 2, 3, 4):
        raise IncidentInputError("severity", _("Severity: choose 1 (critical) to 4 (minor)."))
    incident = lock_incident(session, incident_id, version)
    require_open(incident)
    note = optional_text("note", note, label=_("Note"))
    if severity == incident.severity:
        raise IncidentInputError("severity", _("Severity: the incident already has this severity."))
    if severity in MAJOR_SEVERITIES and incident.commander_id is None and commander_id is None:
        raise IncidentInputError("commander_id", _("Commander: a major incident (severity 1–2) needs a "
                                                   "commander (总指挥) from the emergency command group."))
    if commander_id is not None and commander_id != incident.commander_id:
        _set_commander(session, incident, actor, now, commander_id, "")
    old, incident.severity = incident.severity, severity
    auto_entry(session, incident, actor, now, "severity_change", _("Severity: {old} → {new}.").format(
        old=_(SEVERITY_LABELS[old]), new=_(SEVERITY_LABELS[severity])) + (f" {note}" if note else ""),
        {"from": old, "to": severity, "note": note or None})
    session.flush()
    return incident


def _set_commander(session: Session, incident: Incident, actor: CurrentUser, now: datetime,
                   commander_id: int | None, note: str) -> None:
    commander = check_commander(session, commander_id)
    if commander is None and incident.severity in MAJOR_SEVERITIES:
        raise IncidentInputError("commander_id", _("Commander: a major incident (severity 1–2) cannot be left "
                                                   "without a commander."))
    if (commander.id if commander else None) == incident.commander_id:
        raise IncidentInputError("commander_id", _("Commander: this person is already in charge."))
    old = session.get(User, incident.commander_id) if incident.commander_id else None
    incident.commander_id = commander.id if commander else None
    new_name, old_name = (commander.name if commander else "—"), (old.name if old else "—")
    auto_entry(session, incident, actor, now, "commander_change", _("Commander: {old} → {new}.").format(
        old=old_name, new=new_name) + (f" {note}" if note else ""),
        {"from": old.id if old else None, "to": incident.commander_id, "from_name": old_name, "to_name": new_name,
         "note": note or None})


def set_commander(session: Session, *, actor: CurrentUser, incident_id: int, commander_id: int | None,
                  version: int | None = None, note: str = "", now: datetime | None = None) -> Incident:
    """Name who is in charge (总指挥); they must hold the emergency coordinator role."""
    require_run(actor)
    now = now or utcnow()
    incident = lock_incident(session, incident_id, version)
    require_open(incident)
    _set_commander(session, incident, actor, now, commander_id, optional_text("note", note, label=_("Note")))
    session.flush()
    return incident


def _lock_complaint(session: Session, complaint_id: int) -> None:
    """Lock the complaint an incident is opened for, so two coordinators opening one at once are served in turn
    (the second sees the first's incident) instead of the second failing on the unique complaint_id."""
    if session.execute(select(Complaint.id).where(Complaint.id == complaint_id).with_for_update()).first() is None:
        raise IncidentInputError("complaint_id", _("That complaint does not exist."))


def open_incident_from_complaint(session: Session, *, actor: CurrentUser, complaint_id: int,
                                 severity: int = 2, commander_id: int | None = None,
                                 now: datetime | None = None) -> Incident:
    """A major (grade 1) complaint opens a linked incident (once: asked again, the same incident returns).
    Its retailer goes on the call list; the incident page shows the complaint."""
    require_run(actor)
    _lock_complaint(session, complaint_id)
    existing = session.scalar(select(Incident).where(Incident.complaint_id == complaint_id))
    if existing is not None:
        return existing
    from portal.incidents.queries import linked_complaint

    complaint = linked_complaint(session, actor=actor, complaint_id=complaint_id)
    if complaint is None:
        raise IncidentInputError("complaint_id", _("That complaint does not exist."))
    if complaint.grade != 1:
        raise IncidentInputError("complaint_id", _("Only a major (grade 1) complaint opens an incident."))
    return open_incident(
        session, actor=actor, type="major_complaint", severity=severity,
        commander_id=commander_id if commander_id is not None else actor.id,
        title=_("Major complaint {ref}").format(ref=complaint.reference), situation=complaint.description,
        started_at=complaint.received_at, reporter=complaint.complainant_name,
        retailer_ids=[complaint.retailer_id] if complaint.retailer_id else [], complaint_id=complaint.id, now=now)


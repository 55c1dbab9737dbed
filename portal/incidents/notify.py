"""The incident rules of the notifications worker (portal/notifications/rules.py finds `RULES` here), to staff: a
major incident (severity 1–2) opened or raised, a new commander, someone named to the command group, a follow-up
action assigned or due, and a major incident's next timeline update due.

Events come from the outbox (db/outbox.py): `Incident.__events__` (severity, commander_id) and
`FollowUpAction.__events__` (owner_id), `IncidentCommandMember.__events__` (user_id), inserts included. The
timeline is append-only and makes no insert events (`__audit_inserts__ = False`), so "no entry for N minutes" is a
scan over the major incidents still active (a partial index) and each one's last entry (an index), never an event.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.incident_models import (
    ACTIVE_STATUSES,
    MAJOR_SEVERITIES,
    FollowUpAction,
    Incident,
    IncidentCommandMember,
    IncidentTimelineEntry,
)
from portal.center_time import CENTER_TZ, WORKDAY_STARTS, local
from portal.i18n import N_
from portal.notifications.audiences import active, with_role
from portal.notifications.rules import Notice, Rule, RuleContext

INCIDENT_LINK = "pages/incident.py?id={id}"
ACTION_LEAD = timedelta(days=1)  # an action's reminder: the morning of the day before it is due
ACTION_CATCH_UP = timedelta(days=7)  # actions overdue longer than this when the worker first sees them: not reminded
UPDATE_EVERY = timedelta(minutes=30)  # a major incident's log without an entry this long: the next update is due
ACTION_TEXT_SHOWN = 80  # characters of an action's text in a notice
OPENED = {1: N_("Incident {ref} opened at severity 1 (critical): {title}"),
          2: N_("Incident {ref} opened at severity 2 (serious): {title}")}
NAMED = {"leader": N_("You are the command group's leader (组长) for incident {ref}: {title}"),
         "deputy_leader": N_("You are the command group's deputy leader (副组长) for incident {ref}: {title}"),
         "member": N_("You are in the command group of incident {ref}: {title}")}
RAISED = {1: N_("Incident {ref} raised to severity 1 (critical): {title}"),
          2: N_("Incident {ref} raised to severity 2 (serious): {title}")}


def link(incident_id: int | str) -> str:
    return INCIDENT_LINK.format(id=int(incident_id))


def changes_of(event: dict, table: str, field: str) -> list[dict]:
    """The event's changes of `table`.`field`."""
    return [c for c in event["changes"] if (c["table"], c["field"]) == (table, field)]


def _short(text: str) -> str:
    return text if len(text) <= ACTION_TEXT_SHOWN else text[:ACTION_TEXT_SHOWN - 1] + "…"


def major_incident(session: Session, event: dict, ctx: RuleContext) -> list[Notice]:
    """An incident opened at severity 1–2, or raised to 1 or 2 (2 -> 1 too) -> its commander and every emergency
    coordinator (urgent: through quiet hours), not whoever did it."""
    notices = []
    for change in changes_of(event, "incidents", "severity"):
        new, old = change["new"], change["old"]
        if new not in MAJOR_SEVERITIES or (old is not None and old <= new):
            continue
        row = session.execute(select(Incident.reference, Incident.title, Incident.commander_id)
                              .where(Incident.id == int(change["record"]))).first()
        if row is None:
            continue
        people = [row.commander_id] if "commander" in ctx.audiences else []
        if "emergency_coordinators" in ctx.audiences:
            people += with_role(session, "emergency_coordinator")
        text = (OPENED if change["action"] == "insert" else RAISED)[new]
        notices += [Notice(user, "incident_major", "incidents", change["record"], event["event"], text,
                           {"ref": row.reference, "title": row.title}, link(change["record"]), urgent=True)
                    for user in active(session, people) if user != event.get("actor")]
    return notices


def commander_changed(session: Session, event: dict, ctx: RuleContext) -> list[Notice]:
    """An incident's commander replaced or named -> the new commander (not when they took it themselves); urgent
    while the incident is major."""
    notices = []
    for change in changes_of(event, "incidents", "commander_id"):
        new = change["new"]
        if change["action"] != "update" or new is None or new == change["old"] or new == event.get("actor") or \
                "commander" not in ctx.audiences or not active(session, [new]):
            continue
        row = session.execute(select(Incident.reference, Incident.title, Incident.severity)
                              .where(Incident.id == int(change["record"]))).first()
        if row is not None:
            notices.append(Notice(new, "incident_commander", "incidents", change["record"], event["event"],
                                  N_("You are now the commander of incident {ref}: {title}"),
                                  {"ref": row.reference, "title": row.title}, link(change["record"]),
                                  urgent=row.severity in MAJOR_SEVERITIES))
    return notices


def command_named(session: Session, event: dict, ctx: RuleContext) -> list[Notice]:
    """Someone named to an incident's command group (leader, deputy leader, member) -> that person, paged (not when
    they named themselves); urgent while the incident is major."""
    notices = []
    for change in changes_of(event, "incident_command_members", "user_id"):
        person = change["new"]
        if change["action"] != "insert" or person is None or person == event.get("actor") or \
                "named_member" not in ctx.audiences or not active(session, [person]):
            continue
        row = session.execute(select(Incident.id, Incident.reference, Incident.title, Incident.severity,
                                     IncidentCommandMember.position)
                              .join(Incident, Incident.id == IncidentCommandMember.incident_id)
                              .where(IncidentCommandMember.id == int(change["record"]))).first()
        if row is not None:
            notices.append(Notice(person, "incident_command_named", "incidents", str(row.id), event["event"],
                                  NAMED[row.position], {"ref": row.reference, "title": row.title}, link(row.id),
                                  urgent=row.severity in MAJOR_SEVERITIES))
    return notices


def action_assigned(session: Session, event: dict, ctx: RuleContext) -> list[Notice]:
    """A follow-up action added with an owner, or given to another -> that owner (not when they took it
    themselves)."""
    notices = []
    for change in changes_of(event, "incident_actions", "owner_id"):
        owner = change["new"]
        if owner is None or owner == change["old"] or owner == event.get("actor") or \
                "action_owner" not in ctx.audiences or not active(session, [owner]):
            continue
        row = session.execute(select(FollowUpAction.incident_id, FollowUpAction.text, FollowUpAction.due_date,
                                     Incident.reference)
                              .join(Incident, Incident.id == FollowUpAction.incident_id)
                              .where(FollowUpAction.id == int(change["record"]))).first()
        if row is not None:
            notices.append(Notice(owner, "incident_action_assigned", "incident_actions", change["record"],
                                  event["event"], N_("A follow-up action of incident {ref} is yours, due {due}: "
                                                     "{action}"),
                                  {"ref": row.reference, "due": row.due_date.isoformat(), "action": _short(row.text)},
                                  link(row.incident_id)))
    return notices


def _last_reminded_day(now: datetime, lead: timedelta) -> date:
    """The last due day whose reminder (its morning minus `lead`) has come at `now`."""
    reach = local(now + lead)
    return reach.date() - timedelta(days=1 if reach.time() < WORKDAY_STARTS else 0)


def action_due(session: Session, ctx: RuleContext) -> list[Notice]:
    """An open follow-up action from the morning of its due day minus the lead (as built: the morning of the day
    before) -> its owner, once per due date (a new due date reminds again). Read from the open actions' partial
    index by due date; actions overdue for more than ACTION_CATCH_UP are not reminded."""
    if "action_owner" not in ctx.audiences:
        return []
    lead = ctx.lead if ctx.lead is not None else ACTION_LEAD
    today = local(ctx.now).date()
    rows = session.execute(select(FollowUpAction.id, FollowUpAction.incident_id, FollowUpAction.owner_id,
                                  FollowUpAction.text, FollowUpAction.due_date, Incident.reference)
                           .join(Incident, Incident.id == FollowUpAction.incident_id)
                           .where(~FollowUpAction.done,  # the open actions' partial index
                                  FollowUpAction.due_date >= today - ACTION_CATCH_UP,
                                  FollowUpAction.due_date <= _last_reminded_day(ctx.now, lead))
                           .order_by(FollowUpAction.due_date, FollowUpAction.id)).all()
    ctx.rows_read += len(rows)
    owners = set(active(session, [r.owner_id for r in rows]))
    return [Notice(r.owner_id, "incident_action_due", "incident_actions", str(r.id), f"due:{r.due_date}",
                   N_("A follow-up action of incident {ref} is due {due}: {action}"),
                   {"ref": r.reference, "due": r.due_date.isoformat(), "action": _short(r.text)},
                   link(r.incident_id)) for r in rows if r.owner_id in owners]


def update_due(session: Session, ctx: RuleContext) -> list[Notice]:
    """An active major incident (severity 1–2) whose last timeline entry is older than the lead (as built: 30
    minutes) -> its commander, "next update due", once per quiet stretch (the occasion is the last entry's time:
    an entry starts a new stretch). Urgent."""
    if "commander" not in ctx.audiences:
        return []
    lead = ctx.lead if ctx.lead is not None else UPDATE_EVERY
    last_entry = (select(func.max(IncidentTimelineEntry.recorded_at))
                  .where(IncidentTimelineEntry.incident_id == Incident.id).correlate(Incident).scalar_subquery())
    since = func.coalesce(last_entry, Incident.created_at)
    majors = session.execute(select(Incident.id, Incident.reference, Incident.commander_id, since.label("since"))
                             .where(Incident.status.in_(ACTIVE_STATUSES), Incident.severity.in_(MAJOR_SEVERITIES))
                             .order_by(Incident.id)).all()
    ctx.rows_read += 2 * len(majors)  # each active major incident and its last entry
    rows = [r for r in majors if r.since <= ctx.now - lead]
    commanders = set(active(session, [r.commander_id for r in rows]))
    return [Notice(r.commander_id, "incident_update_due", "incidents", str(r.id),
                   f"quiet:{r.since.astimezone(CENTER_TZ).isoformat()}",
                   N_("Incident {ref}: the next update is due, no timeline entry since {time}."),
                   {"ref": r.reference, "time": local(r.since).strftime("%Y-%m-%d %H:%M")}, link(r.id), urgent=True)
            for r in rows if r.commander_id in commanders]


RULES = (
    Rule("incident_major", "incidents",
         N_("Incident opened at or raised to severity 1–2: tell the commander and every emergency coordinator"),
         audiences=("commander", "emergency_coordinators"), default=("commander", "emergency_coordinators"),
         on_event=major_incident),
    Rule("incident_commander", "incidents", N_("Incident commander changed: tell the new commander"),
         audiences=("commander",), default=("commander",), on_event=commander_changed),
    Rule("incident_command_named", "incidents", N_("Named to an incident's command group: page that person"),
         audiences=("named_member",), default=("named_member",), on_event=command_named),
    Rule("incident_action_assigned", "incidents", N_("Follow-up action assigned: tell its owner"),
         audiences=("action_owner",), default=("action_owner",), on_event=action_assigned),
    Rule("incident_action_due", "incidents",
         N_("Follow-up action due: remind its owner (lead time: before the due day's morning)"),
         audiences=("action_owner",), default=("action_owner",), scan=action_due, lead=ACTION_LEAD),
    Rule("incident_update_due", "incidents",
         N_("No timeline entry on a major incident for the lead time: tell the commander the next update is due"),
         audiences=("commander",), default=("commander",), scan=update_due, lead=UPDATE_EVERY),
)

"""The emergency command group of an incident (客户服务应急指挥领导小组, plan §2.1.1): leader (组长), deputy leader
(副组长), the commander (总指挥, kept on the incident itself) and members (成员) from the departments; and the
supervision center's review (督察考评中心, plan §2.1.2.8), recorded by its reviewers under their own name.

A major incident (severity 1–2: the plan's command post) moves past "open" only with its group filled
(`require_group`); naming someone pages them (portal/incidents/notify.py, `command_named`).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.incident_models import GROUP_POSITIONS, MAJOR_SEVERITIES, Incident, IncidentCommandMember
from db.models import Department, User
from portal.access.auth import CurrentUser, can, require
from portal.i18n import _, current_language, pgettext
from portal.incidents.labels import POSITION_LABELS
from portal.incidents.rules import (
    VIEW,
    IncidentInputError,
    auto_entry,
    lock_incident,
    require_open,
    require_run,
    require_text,
    utcnow,
)

REVIEW = "incidents.review"
ORDER = ("leader", "deputy_leader", "commander", "member")  # how the group is listed (the plan's order)
SINGLE = ("leader", "deputy_leader")  # one person each; "member" may be many


@dataclass(frozen=True)
class GroupMember:
    """One person of an incident's command group as shown (the board, the incident page, the handover brief)."""

    position: str  # leader, deputy_leader, commander, member (label: POSITION_LABELS)
    user_id: int
    name: str
    staff_id: str
    department: str  # in the reader's language ("" when the user has none)


def command_groups(session: Session, *, actor: CurrentUser,
                   incident_ids: Iterable[int]) -> dict[int, list[GroupMember]]:
    """The command groups of several incidents (commander included), each in the plan's order — one query."""
    require(actor, VIEW)
    wanted = sorted(set(incident_ids))
    if not wanted:
        return {}
    dept = Department.name_zh if current_language() == "zh_CN" else Department.name_en
    named = (select(IncidentCommandMember.incident_id, IncidentCommandMember.position, IncidentCommandMember.user_id)
             .where(IncidentCommandMember.incident_id.in_(wanted)))
    commanders = (select(Incident.id, Incident.commander_id).where(Incident.id.in_(wanted),
                                                                   Incident.commander_id.is_not(None)))
    rows = [(r.incident_id, r.position, r.user_id) for r in session.execute(named)]
    rows += [(r.id, "commander", r.commander_id) for r in session.execute(commanders)]
    people = {u.id: u for u in session.execute(
        select(User.id, User.name, User.staff_id, dept.label("department"))
        .outerjoin(Department, Department.id == User.department_id)
        .where(User.id.in_({user for _i, _p, user in rows})))} if rows else {}
    groups: dict[int, list[GroupMember]] = {i: [] for i in wanted}
    for incident_id, position, user_id in sorted(rows, key=lambda r: (ORDER.index(r[1]), people[r[2]].name)):
        u = people[user_id]
        groups[incident_id].append(GroupMember(position, user_id, u.name, u.staff_id, u.department or ""))
    return groups


def command_group(session: Session, *, actor: CurrentUser, incident_id: int) -> list[GroupMember]:
    """One incident's command group: leader, deputy leader, commander, then members by name (the handover brief's
    “command group” section reads this)."""
    return command_groups(session, actor=actor, incident_ids=[incident_id])[incident_id]


def group_gaps(session: Session, incident: Incident) -> list[str]:
    """The positions of the group still empty (leader, deputy_leader, commander, member), in the plan's order."""
    held = set(session.scalars(select(IncidentCommandMember.position)
                               .where(IncidentCommandMember.incident_id == incident.id)))
    if incident.commander_id is not None:
        held.add("commander")
    return [p for p in ORDER if p not in held]


def require_group(session: Session, incident: Incident, status: str) -> None:
    """A major incident (severity 1–2) moves past "open" only with its command group filled (plan §2.1.1: the group
    sets up a command post): leader, deputy leader, commander and at least one member."""
    if incident.severity not in MAJOR_SEVERITIES or status == "open":
        return
    if gaps := group_gaps(session, incident):
        raise IncidentInputError("command_group", _(
            "Command group: a major incident (severity 1–2) needs its leader (组长), deputy leader (副组长), "
            "commander (总指挥) and at least one member before it moves on. Still missing: {missing}.").format(
            missing=pgettext("list separator", ", ").join(_(POSITION_LABELS[p]) for p in gaps)))


def named_text(name: str, position: str, replaces: str | None) -> str:
    """“Command group: 孙浩 named Group leader (replaces 张华).” in the reader's language."""
    label = _(POSITION_LABELS[position])
    if replaces:
        return _("Command group: {name} named {position} (replaces {old}).").format(name=name, position=label,
                                                                                 old=replaces)
    return _("Command group: {name} named {position}.").format(name=name, position=label)


def _staff(session: Session, user_id: int | None) -> User:
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or not user.active:
        raise IncidentInputError("user_id", _("Person: choose an active member of staff."))
    return user


def name_to_group(session: Session, *, actor: CurrentUser, incident_id: int, user_id: int, position: str,
                  now: datetime | None = None) -> IncidentCommandMember:
    """Name a member of staff to the command group as leader, deputy leader or member. A leader or deputy named
    where one is already in place replaces them; someone already in the group changes position. On the timeline."""
    require_run(actor)
    now = now or utcnow()
    if position not in GROUP_POSITIONS:
        raise IncidentInputError("position", _("Position: choose leader, deputy leader or member."))
    incident = lock_incident(session, incident_id)
    require_open(incident)
    user = _staff(session, user_id)
    rows = list(session.scalars(select(IncidentCommandMember).where(IncidentCommandMember.incident_id == incident.id)))
    mine = next((r for r in rows if r.user_id == user.id), None)
    if mine is not None and mine.position == position:
        raise IncidentInputError("user_id", _("{name} already holds this position.").format(name=user.name))
    replaced = next((r for r in rows if position in SINGLE and r.position == position), None)
    replaced_name = session.get(User, replaced.user_id).name if replaced else None
    for row in filter(None, (replaced, mine)):
        session.delete(row)
    session.flush()
    member = IncidentCommandMember(incident_id=incident.id, user_id=user.id, position=position, named_by_id=actor.id,
                                   named_at=now)
    session.add(member)
    text = named_text(user.name, position, replaced_name)
    auto_entry(session, incident, actor, now, "command_group", text,
               {"position": position, "user_id": user.id, "name": user.name, "replaces": replaced_name})
    session.flush()
    return member


def remove_from_group(session: Session, *, actor: CurrentUser, incident_id: int, user_id: int,
                      now: datetime | None = None) -> None:
    """Take someone out of the command group (on the timeline). A major incident past "open" keeps its group
    filled: name the replacement instead."""
    require_run(actor)
    now = now or utcnow()
    incident = lock_incident(session, incident_id)
    require_open(incident)
    row = session.scalar(select(IncidentCommandMember).where(IncidentCommandMember.incident_id == incident.id,
                                                             IncidentCommandMember.user_id == user_id))
    if row is None:
        raise IncidentInputError("user_id", _("That person is not in the command group."))
    name, position = session.get(User, row.user_id).name, row.position
    session.delete(row)
    session.flush()
    if incident.status != "open" and incident.severity in MAJOR_SEVERITIES and group_gaps(session, incident):
        raise IncidentInputError("user_id", _("Command group: a major incident under way keeps its group filled; "
                                              "name someone else to this position instead."))
    auto_entry(session, incident, actor, now, "command_group", _("Command group: {name} ({position}) stood down.")
               .format(name=name, position=_(POSITION_LABELS[position])),
               {"position": position, "user_id": user_id, "name": name, "removed": True})
    session.flush()


def may_review(actor: CurrentUser, incident: Incident) -> bool:
    """Whether `actor` may record the supervision review of `incident` now (the page shows the form by this; the
    rule itself is `record_review`'s)."""
    return can(actor, REVIEW) and incident.status == "resolved" and actor.id not in (
        incident.commander_id, incident.opened_by_id)


def record_review(session: Session, *, actor: CurrentUser, incident_id: int, note: str, version: int | None = None,
                  now: datetime | None = None) -> Incident:
    """The supervision center's review of a resolved incident (督察考评, plan §2.1.2.8): the reviewer and the time are
    the signed-in reviewer's and now, never typed. Only reviewers record it — not the coordinators who ran the
    incident, nor its commander or whoever opened it. Recorded again, the newer review replaces it (audited)."""
    require(actor, REVIEW)
    now = now or utcnow()
    note = require_text("review_note", note, _("Review: write the supervision center's findings."))
    incident = lock_incident(session, incident_id, version)
    if incident.status != "resolved":
        raise IncidentInputError("review_note", _("Review: incident {ref} is reviewed once it is resolved, before it "
                                                  "is closed out.").format(ref=incident.reference))
    if actor.id in (incident.commander_id, incident.opened_by_id):
        raise IncidentInputError("review_note", _("Review: the review is independent; the commander or whoever "
                                                  "opened the incident cannot record it."))
    incident.review_note, incident.reviewed_by_id, incident.reviewed_at = note, actor.id, now
    auto_entry(session, incident, actor, now, "review", _("Supervision review: {note}").format(note=note),
               {"note": note})
    session.flush()
    return incident


def reviewer_name(session: Session, incident: Incident) -> str | None:
    """Who recorded the incident's review (None when nobody has)."""
    return session.scalar(select(User.name).where(User.id == incident.reviewed_by_id)) \
        if incident.reviewed_by_id else None

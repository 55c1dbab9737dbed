"""Emergency incident tables (客户服务应急预案): the incident log, its append-only timeline, the call list,
service suspensions, customer notices, follow-up actions, and emergency supply requests (客户应急货源报批表).

The rules live in portal/incidents/; this module says what is stored and what the database itself refuses
(CHECK constraints mirror the tuples below).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Audited, Base, Versioned, one_of

INCIDENT_TYPES = ("system_failure", "severe_weather", "vehicle_breakdown", "traffic_accident", "sudden_demand",
                  "supply_anomaly", "safety", "public_opinion", "major_complaint")
SCOPES = ("district_wide", "local")  # 全区 / 局部: how far it reaches (decides how retailers are told)
BUSINESS_STEPS = ("ordering", "settlement", "sorting", "delivery")  # 订货、结算、分拣、送货
STATUSES = ("open", "responding", "monitoring", "resolved", "closed")
ACTIVE_STATUSES = ("open", "responding", "monitoring")  # on the board: still unfolding
MAJOR_SEVERITIES = (1, 2)  # 重大: the command group is involved and a commander (总指挥) is named
ENTRY_KINDS = ("update", "decision", "action", "customer_notice", "resource", "status_change", "severity_change",
               "commander_change", "command_group", "checklist", "review")
USER_ENTRY_KINDS = ("update", "decision", "action", "customer_notice", "resource")  # the rest are automatic
NOTICE_METHODS = ("broadcast", "sms", "call")
GROUP_POSITIONS = ("leader", "deputy_leader", "member")  # 组长, 副组长, 成员 (the commander 总指挥 is on the incident)
MAX_ENTRY_FILE_BYTES = 10 * 1024 * 1024


def _subset(column: str, values: tuple[str, ...]) -> str:
    return f"{column} <@ ARRAY[{', '.join(repr(v) for v in values)}]::varchar[]"


class Incident(Audited, Versioned, Base):
    """One emergency incident log, from the first report to the supervision center's review."""

    __tablename__ = "incidents"
    __events__ = frozenset({"severity", "commander_id"})  # major incidents and new commanders: the notification rules

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # YJ-2026-0042
    type: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(15), default="local", server_default="local")
    casualties: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    severity: Mapped[int] = mapped_column(SmallInteger)  # 1 critical … 4 minor; 1–2 major (重大)
    title: Mapped[str] = mapped_column(String(200))
    situation: Mapped[str] = mapped_column(Text, default="", server_default="")
    objectives: Mapped[str] = mapped_column(Text, default="", server_default="")  # ICS-201: current objectives
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reporter: Mapped[str] = mapped_column(String(100), default="", server_default="")  # who raised it
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    commander_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    affected_steps: Mapped[list[str]] = mapped_column(ARRAY(String(12)), default=list, server_default="{}")
    affected_districts: Mapped[list[str]] = mapped_column(ARRAY(String(30)), default=list, server_default="{}")
    affected_routes: Mapped[list[str]] = mapped_column(ARRAY(String(30)), default=list, server_default="{}")
    affected_retailers_estimate: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="open", server_default="open")
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    root_cause: Mapped[str | None] = mapped_column(Text)
    review_note: Mapped[str | None] = mapped_column(Text)  # by the supervision center (督察考评中心)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the signed-in reviewer, never typed
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __table_args__ = (
        CheckConstraint(r"reference ~ '^YJ-\d{4}-\d{4,}$'", name="reference_format"),
        CheckConstraint(one_of("type", INCIDENT_TYPES), name="type"),
        CheckConstraint(one_of("scope", SCOPES), name="scope"),
        CheckConstraint("severity between 1 and 4", name="severity"),
        CheckConstraint("severity > 2 or commander_id is not null", name="major_has_commander"),
        CheckConstraint(one_of("status", STATUSES), name="status"),
        CheckConstraint(_subset("affected_steps", BUSINESS_STEPS), name="affected_steps"),
        CheckConstraint("affected_retailers_estimate >= 0", name="affected_retailers_estimate"),
        CheckConstraint("length(btrim(title)) > 0", name="title_not_blank"),
        CheckConstraint("status not in ('resolved', 'closed') or (resolution is not null and resolved_at is not null)",
                        name="resolved_has_resolution"),
        CheckConstraint("resolved_at >= started_at", name="resolved_after_start"),
        CheckConstraint("status <> 'closed' or (root_cause is not null and review_note is not null "
                        "and closed_at is not null)", name="closed_has_review"),
        Index("ix_incidents_board", "severity", "started_at", "id",
              postgresql_where=sql_text(one_of("status", ACTIVE_STATUSES))),
        Index("ix_incidents_status_id", "status", "id"),
        Index("ix_incidents_type_id", "type", "id"),
        Index("ix_incidents_severity_id", "severity", "id"),
        Index("ix_incidents_started_at_id", "started_at", "id"),
        Index("ix_incidents_updated_at_id", "updated_at", "id"),
        Index("ix_incidents_commander_id", "commander_id"),
        Index("ix_incidents_reference_trgm", "reference", postgresql_using="gin",
              postgresql_ops={"reference": "gin_trgm_ops"}),
        Index("ix_incidents_title_grams", sql_text("portal_grams(title)"), postgresql_using="gin"),
    )

    @property
    def is_major(self) -> bool:
        return self.severity in MAJOR_SEVERITIES

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class IncidentTimelineEntry(Audited, Base):
    """One line of the incident log (ICS-214 style): who, when it happened, when it was written, what.

    Append-only: the database refuses to change what an entry says or to delete it. A correction is a new
    entry pointing at the one it corrects; only the "significant" flag (a judgement about the entry) may be
    set or cleared later, and each such change is audited (who, when, old → new); the entry itself is not.
    """

    __tablename__ = "incident_timeline_entries"
    __audit_inserts__ = False

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    happened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the author's position in this incident when writing (ICS-214): "commander", a command-group post, or a role
    author_position: Mapped[str | None] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    significant: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    flagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    corrects_entry_id: Mapped[int | None] = mapped_column(ForeignKey("incident_timeline_entries.id"))
    data: Mapped[dict | None] = mapped_column(JSONB)  # automatic entries: {"from": …, "to": …}

    __table_args__ = (
        CheckConstraint(one_of("kind", ENTRY_KINDS), name="kind"),
        CheckConstraint("length(btrim(text)) > 0", name="text_not_blank"),
        CheckConstraint("corrects_entry_id <> id", name="not_own_correction"),
        Index("ix_incident_timeline_entries_incident", "incident_id", "happened_at", "id"),
        Index("ix_incident_timeline_entries_last", "incident_id", "recorded_at"),
        Index("ix_incident_timeline_entries_significant", "incident_id", "happened_at",
              postgresql_where=sql_text("significant")),
        # time to respond (portal/incidents/dashboard.py::first_response): the move out of "open"
        Index("ix_incident_timeline_entries_first_move", "incident_id", "happened_at",
              postgresql_where=sql_text("kind = 'status_change' and (data ->> 'from') = 'open'")),
    )


class IncidentCommandMember(Audited, Base):
    """One person in an incident's emergency command group (应急指挥领导小组): leader (组长), deputy leader (副组长)
    or member (成员). Naming someone pages them (the notification rules); removing them deletes the row (audited)."""

    __tablename__ = "incident_command_members"
    __events__ = frozenset({"user_id"})  # someone named to the group: the notification rules' input

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    position: Mapped[str] = mapped_column(String(15))
    named_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    named_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("incident_id", "user_id", name="uq_incident_command_members_incident_user"),
        CheckConstraint(one_of("position", GROUP_POSITIONS), name="position"),
        Index("ix_incident_command_members_one_leader", "incident_id", "position", unique=True,
              postgresql_where=sql_text("position <> 'member'")),
        Index("ix_incident_command_members_user_id", "user_id"),
    )


class IncidentChecklistTick(Audited, Base):
    """A ticked item of an incident's checklist (portal/incidents/checklists.py holds the items per incident type):
    who ticked it and when. Unticking deletes the row (audited); both land on the timeline."""

    __tablename__ = "incident_checklist_ticks"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    item: Mapped[str] = mapped_column(String(40))
    ticked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ticked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("incident_id", "item", name="uq_incident_checklist_ticks_incident_item"),
    )


class IncidentEntryFile(Audited, Base):
    """A photo or document attached to a timeline entry, kept in the database (bytea), at most 10 MB, of the
    complaint attachments' types. Attaching adds to the log; the entry itself is not changed."""

    __tablename__ = "incident_entry_files"
    __audit_skip__ = frozenset({"content"})

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("incident_timeline_entries.id"))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only when downloaded
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(f"size_bytes between 1 and {MAX_ENTRY_FILE_BYTES}", name="size_bytes"),
        CheckConstraint("octet_length(content) = size_bytes", name="content_size"),
        Index("ix_incident_entry_files_incident", "incident_id", "entry_id"),
    )


class IncidentRetailer(Audited, Versioned, Base):
    """A retailer on an incident's call list (局部: a call to each affected retailer), ticked off when called."""

    __tablename__ = "incident_retailers"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"))
    called: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    called_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    called_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    call_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        UniqueConstraint("incident_id", "retailer_id", name="uq_incident_retailers_incident_retailer"),
        CheckConstraint("called = (called_at is not null)", name="called_at"),
        Index("ix_incident_retailers_retailer_id", "retailer_id"),
    )


class ServiceSuspension(Audited, Versioned, Base):
    """A service stopped for an area (e.g. delivery on route 城东-03) and when it resumed."""

    __tablename__ = "incident_suspensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    service: Mapped[str] = mapped_column(String(12))
    area: Mapped[str] = mapped_column(String(200))
    suspended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    planned_resumption_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # what retailers are told
    resumed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        CheckConstraint(one_of("service", BUSINESS_STEPS), name="service"),
        CheckConstraint("length(btrim(area)) > 0", name="area_not_blank"),
        CheckConstraint("resumed_at >= suspended_at", name="resumed_after_suspended"),
        CheckConstraint("planned_resumption_at > suspended_at", name="planned_after_suspended"),
        Index("ix_incident_suspensions_incident_id", "incident_id"),
    )


class CustomerNotice(Audited, Base):
    """How retailers were told: broadcast or SMS (district-wide), or a call to each (local)."""

    __tablename__ = "incident_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    method: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(200), default="", server_default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        CheckConstraint(one_of("method", NOTICE_METHODS), name="method"),
        CheckConstraint("length(btrim(text)) > 0", name="text_not_blank"),
        Index("ix_incident_notices_incident_id", "incident_id", "at"),
    )


class FollowUpAction(Audited, Versioned, Base):
    """A follow-up action (整改措施) from an incident: what, who owns it, by when, done or not."""

    __tablename__ = "incident_actions"
    __events__ = frozenset({"owner_id"})  # an action given to someone: the notification rules' input

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("length(btrim(text)) > 0", name="text_not_blank"),
        CheckConstraint("done = (done_at is not null)", name="done_at"),
        Index("ix_incident_actions_incident_id", "incident_id"),
        Index("ix_incident_actions_open_owner", "owner_id", "due_date", postgresql_where=sql_text("not done")),
    )

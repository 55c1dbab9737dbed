"""SQLAlchemy models shared by every area (staff, sessions, reference data, retailers, history, saved views); each
workflow's tables are in a module of its own, and db/schema.py gathers them all (migrations are written to match it)."""
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
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("agent", "handler", "supervisor", "training_coordinator", "emergency_coordinator", "viewer", "admin",
         "reviewer", "customer_manager")
BUSINESS_TYPES = ("convenience", "supermarket", "tobacco_liquor", "grocery", "other")
RETAILER_STATUSES = ("active", "suspended", "closed")
RETAILER_SORT_INDEXES = ("shop_name", "owner_name", "district", "route", "business_type", "star_rating", "status",
                         "is_key_customer", "updated_at")
RETAILER_ROLLUPS = ("complaints_90d", "sessions_attended_year", "open_supply_requests")  # migration 0030
RETAILER_TRGM_INDEXES = ("license_no", "phone")  # digits: pg_trgm finds 3+ character substrings
RETAILER_GRAM_INDEXES = ("shop_name", "owner_name", "address")  # Chinese: 1–2 character words need grams
RETAILER_PINYIN_INDEXES = ("shop_name", "owner_name")  # Chinese names sorted by pinyin (portal_pinyin, 0031)


def one_of(column: str, values: tuple) -> str:
    """SQL for a CHECK (or partial-index condition) that `column` holds one of `values`."""
    return f"{column} in ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Audited:
    """Mixin: inserts, updates and deletes of these rows are written to the audit log (see db/audit.py)."""

    __audit_skip__: frozenset[str] = frozenset({"version", "updated_at", "created_at"})
    __audit_redact__: frozenset[str] = frozenset()
    __audit_inserts__: bool = True  # False: an append-only log whose new rows are their own record
    __events__: frozenset[str] = frozenset()  # fields whose changes are events for the worker (db/outbox.py)


class Versioned:
    """Mixin: optimistic concurrency; a stale UPDATE raises StaleDataError instead of overwriting."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


class Department(Audited, Versioned, Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(100))
    name_zh: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")


class User(Audited, Versioned, Base):
    __tablename__ = "users"
    __audit_redact__ = frozenset({"password_hash"})
    __audit_skip__ = frozenset({"version", "updated_at", "created_at", "last_login_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    staff_id: Mapped[str] = mapped_column(String(20), unique=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(30)), default=list, server_default="{}")
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    language: Mapped[str] = mapped_column(String(10), default="zh_CN", server_default="zh_CN")
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # the address a single-sign-on provider must verify to sign this user in (set by an admin; never guessed)
    sso_email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # where the notifications worker sends this person's e-mail and text messages (set by an admin)
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(20))
    __table_args__ = (
        CheckConstraint("login = lower(login)", name="login_lowercase"),
        CheckConstraint("sso_email = lower(sso_email)", name="sso_email_lowercase"),
        CheckConstraint("language in ('zh_CN', 'en')", name="language"),
        CheckConstraint(
            "roles <@ ARRAY['agent','handler','supervisor','training_coordinator',"
            "'emergency_coordinator','viewer','admin','reviewer','customer_manager']::varchar[]", name="known_roles"),
    )


class UserSession(Base):
    """A signed-in browser: the cookie holds a random token, the table its hash (revocable)."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignInThrottle(Base):
    """Failed sign-ins per login name, kept whether or not the login exists (so locks reveal nothing)."""

    __tablename__ = "sign_in_throttle"

    login: Mapped[str] = mapped_column(String(60), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


SECURITY_EVENT_KINDS = ("sign_in", "sign_in_failed", "locked", "sign_out", "session_ended", "permission_denied",
                        "role_change", "password_change", "sso_refused")


class SecurityEvent(Base):
    """Sign-ins, failures, locks, sign-outs, refusals and account changes: append-only (triggers refuse the rest)."""

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    kind: Mapped[str] = mapped_column(String(30))
    login: Mapped[str | None] = mapped_column(String(60))  # as typed (cut to 60), also for logins that do not exist
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # who did it, when not the user
    detail: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint(one_of("kind", SECURITY_EVENT_KINDS), name="kind"),
        Index("ix_security_events_at", "at"),
        Index("ix_security_events_user_at", "user_id", "at"),
    )


class ComplaintCategory(Audited, Versioned, Base):
    __tablename__ = "complaint_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(100))
    name_zh: Mapped[str] = mapped_column(String(100))
    default_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")


class SlaLimit(Audited, Versioned, Base):
    """Time limits per complaint grade (1 major … 4 simple), admin-editable."""

    __tablename__ = "sla_limits"

    grade: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    first_reply_hours: Mapped[int] = mapped_column(Integer)
    resolution_working_days: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        CheckConstraint("grade between 1 and 4", name="grade"),
        CheckConstraint("first_reply_hours between 1 and 720", name="first_reply_hours"),
        CheckConstraint("resolution_working_days between 1 and 60", name="resolution_working_days"),
    )


class CalendarDay(Audited, Base):
    """An exception to the Mon–Fri week: a holiday on a weekday, or a make-up working day (调休)."""

    __tablename__ = "calendar_days"
    __audit_skip__ = frozenset()

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    source: Mapped[str] = mapped_column(String(10), default="admin", server_default="admin")
    __table_args__ = (CheckConstraint("source in ('library', 'admin')", name="source"),)


class ChangeSet(Base):
    """The audit rows one bulk change, import, restore or undo wrote, under one id (so they can be undone together).

    Append-only like the audit log: an undo is a change set of its own that names the one it undid (`undoes_id`,
    unique, so a change set is undone at most once)."""

    __tablename__ = "change_sets"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    table_name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))  # field and value, version, …
    records: Mapped[int] = mapped_column(Integer, server_default="0")  # how many records it changed
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # None: a queued one still running
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("change_sets.id"), unique=True)
    __table_args__ = (
        CheckConstraint("kind in ('bulk', 'import', 'restore', 'undo')", name="kind"),
        Index("ix_change_sets_table_kind_at", "table_name", "kind", "at"),
    )


class AuditLog(Base):
    """Every write made through the portal: who, when, table, record, field, old → new."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    table_name: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(20))
    field: Mapped[str | None] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    change_set_id: Mapped[int | None] = mapped_column(ForeignKey("change_sets.id"))  # a bulk change, import, …
    __table_args__ = (
        Index("ix_audit_log_record", "table_name", "record_id", "at"),
        Index("ix_audit_log_change_set", "change_set_id", postgresql_where=text("change_set_id is not null")),
        Index("ix_audit_log_actor_at", "actor_id", "at"),
    )


class Retailer(Audited, Versioned, Base):
    """A licensed retailer (持证零售客户); the licence number is the natural key."""

    __tablename__ = "retailers"

    id: Mapped[int] = mapped_column(primary_key=True)
    license_no: Mapped[str] = mapped_column(String(20), unique=True)
    shop_name: Mapped[str] = mapped_column(String(100))
    owner_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(30))
    route: Mapped[str | None] = mapped_column(String(30))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    business_type: Mapped[str] = mapped_column(String(20))
    is_key_customer: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    star_rating: Mapped[int] = mapped_column(SmallInteger, default=3, server_default="3")
    integrity_flag: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    status: Mapped[str] = mapped_column(String(12), default="active", server_default="active")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())
    # rollups kept by triggers (migration 0030, portal/retailers/rollups.py); never written through the ORM
    complaints_90d: Mapped[int] = mapped_column(Integer, server_default="0")
    sessions_attended_year: Mapped[int] = mapped_column(Integer, server_default="0")
    open_supply_requests: Mapped[int] = mapped_column(Integer, server_default="0")
    __table_args__ = (
        CheckConstraint("star_rating between 1 and 5", name="star_rating"),
        CheckConstraint("status in ('active','suspended','closed')", name="status"),
        CheckConstraint("business_type in ('convenience','supermarket','tobacco_liquor','grocery','other')",
                        name="business_type"),
        Index("ix_retailers_district_route", "district", "route"),
        Index("ix_retailers_manager_id", "manager_id"),
        # training coverage (migration 0007): the untrained list by district and business type, in licence order
        Index("ix_retailers_active_coverage", "district", "business_type", "license_no",
              postgresql_include=["id", "manager_id", "star_rating"], postgresql_where=text("status = 'active'")),
        # complaints per 10,000 active retailers by district (migration 0012)
        Index("ix_retailers_active_district", "district", postgresql_where=text("status = 'active'")),
        # records layer (migration 0002): sort/keyset indexes end in id; trigram indexes serve quick search
        *(Index(f"ix_retailers_{c}_id", c, "id") for c in RETAILER_SORT_INDEXES + RETAILER_ROLLUPS),
        *(Index(f"ix_retailers_{c}_trgm", c, postgresql_using="gin", postgresql_ops={c: "gin_trgm_ops"})
          for c in RETAILER_TRGM_INDEXES),
        *(Index(f"ix_retailers_{c}_grams", text(f"portal_grams({c})"), postgresql_using="gin")
          for c in RETAILER_GRAM_INDEXES),
        # pinyin order (migration 0031): names sort by portal_pinyin, the sort index ends in id for keyset paging
        *(Index(f"ix_retailers_{c}_pinyin", text(f"portal_pinyin({c})"), "id") for c in RETAILER_PINYIN_INDEXES),
    )


class SavedView(Audited, Versioned, Base):
    """A named grid view of one table (search, filters, sort, columns): personal, or shared by a supervisor.

    `is_default` on a personal view makes it its owner's default; on a shared view, everyone's default. A shared
    view others may work on unless `locked` (then only its owner or a supervisor changes it).
    """

    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_name: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(80))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")  # shared: owner/supervisors
    state: Mapped[dict] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())
    __table_args__ = (
        UniqueConstraint("table_name", "owner_id", "name", name="uq_saved_views_owner_name"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        Index("ix_saved_views_personal_default", "table_name", "owner_id", unique=True,
              postgresql_where=text("is_default AND NOT shared")),
        Index("ix_saved_views_shared_default", "table_name", unique=True,
              postgresql_where=text("is_default AND shared")),
    )


class AppState(Base):
    """Small key/value facts about this installation (e.g. that demo data was seeded)."""

    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict] = mapped_column(JSONB)

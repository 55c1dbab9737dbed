"""Notifications: what the worker (portal/notifications/) tells a person, kept until they read it.

The message is stored as its English source text (`msgid`) and the values to put in it (`params`), so each reader
sees it in their own language. `(rule, record_table, record_id, occasion, user_id)` is unique: the worker inserts
with ON CONFLICT DO NOTHING, so a retried job, or a second worker, never tells anyone twice.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Audited, Base, Versioned


class Notification(Base):
    """One notice to one user, about one record, on one occasion (an event's id, or a due date's)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(60))
    record_table: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[str] = mapped_column(String(60))
    occasion: Mapped[str] = mapped_column(String(120))
    msgid: Mapped[str] = mapped_column(Text)  # English source, translated when shown (portal.i18n._)
    params: Mapped[dict] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    link: Mapped[str | None] = mapped_column(String(300))  # "pages/complaint.py?id=12"
    # grade 1, severity 1-2: reaches the person in their quiet hours too
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("rule", "record_table", "record_id", "occasion", "user_id", name="uq_notifications_key"),
        # the bell: a user's unread count, from this small partial index alone
        Index("ix_notifications_unread", "user_id", postgresql_where=text("read_at IS NULL")),
        # the page: a user's notices, unread first, newest first, paged in SQL
        Index("ix_notifications_user_list", "user_id", text("(read_at IS NOT NULL)"), text("created_at DESC"),
              text("id DESC")),
    )


class NotificationRuleSetting(Audited, Versioned, Base):
    """An admin's change to a built-in rule (portal/notifications/rules.py): on or off, who is told (some of the
    audiences the rule offers), its lead time. A rule without a row runs as built (on, its default audiences)."""

    __tablename__ = "notification_rule_settings"

    rule: Mapped[str] = mapped_column(String(60), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    audiences: Mapped[list[str] | None] = mapped_column(ARRAY(String(40)))  # None: the rule's defaults
    lead_minutes: Mapped[int | None] = mapped_column(Integer)  # None: the rule's default lead time
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())


class ScanRun(Base):
    """The last run of each periodic scan (a time rule, a watched view): when it started and ended, how long it took,
    how many rows it read and notices it made, and its error if it failed (the admin home shows these)."""

    __tablename__ = "notification_scan_runs"

    scan: Mapped[str] = mapped_column(String(80), primary_key=True)  # a rule's key, or "view:<id>"
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration_ms: Mapped[float | None] = mapped_column()
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    made: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    runs: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class ViewAutomation(Audited, Versioned, Base):
    """A watched saved view (portal/notifications/automations.py): when a record enters it ("enter"), or every
    morning as a digest of what is in it ("digest"), tell a user, a role, a department, or the person in one of the
    record's user fields, with a message made from a template over the record's fields."""

    __tablename__ = "view_automations"

    id: Mapped[int] = mapped_column(primary_key=True)
    view_id: Mapped[int] = mapped_column(ForeignKey("saved_views.id", ondelete="CASCADE"))
    table_name: Mapped[str] = mapped_column(String(60))  # the view's table (who may manage it depends on it)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # who made it
    trigger: Mapped[str] = mapped_column(String(10))  # "enter" | "digest"
    recipient_kind: Mapped[str] = mapped_column(String(12))  # "user" | "role" | "department" | "field"
    recipient: Mapped[str] = mapped_column(String(60))  # a user's id, a role, a department's id, a user field's name
    template: Mapped[str] = mapped_column(Text)  # "{reference} is overdue, handler {handler}"
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __table_args__ = (
        CheckConstraint("trigger in ('enter','digest')", name="trigger"),
        CheckConstraint("recipient_kind in ('user','role','department','field')", name="recipient_kind"),
        Index("ix_view_automations_view", "view_id"),
    )


class ViewAutomationScan(Base):
    """Where a watched view's scan stands (not history, not audited: it moves every minute): the database time up to
    which changed records were read, the scan's own time (for conditions that move with the clock), the center day of
    the last full pass, the day of the last digest."""

    __tablename__ = "view_automation_scans"

    automation_id: Mapped[int] = mapped_column(ForeignKey("view_automations.id", ondelete="CASCADE"),
                                               primary_key=True)
    watermark: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # database time (updated_at's clock)
    scanned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the scan's clock (time conditions)
    full_pass_on: Mapped[date | None] = mapped_column(Date)
    digest_on: Mapped[date | None] = mapped_column(Date)


class ViewAutomationMember(Base):
    """A record a watched view holds, or held: `inside` now or not, and how many times it entered (each entry is one
    occasion, "enter:<entries>", so an entry is told once and a new entry after leaving is told again)."""

    __tablename__ = "view_automation_members"

    automation_id: Mapped[int] = mapped_column(ForeignKey("view_automations.id", ondelete="CASCADE"),
                                               primary_key=True)
    record_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    inside: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    entries: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


DELIVERY_CHANNELS = ("email", "gateway")
DELIVERY_STATUSES = ("queued", "retrying", "sent", "failed", "skipped")
DELIVERY_KINDS = ("notification", "digest", "test", "retailer")
RECIPIENT_KINDS = ("user", "retailer", "address")


class Delivery(Base):
    """One message to send on one channel: a notification (or a day's digest of them) to a user, a test message to
    an address an admin typed, a message to a retailer. `key` is its idempotency key, unique: a notification is
    queued once per channel however often `record` runs, and the gateway and the mail's Message-ID carry it, so a
    message sent again after a worker died between sending and saving "sent" can be recognised by the receiver.
    Sent at least once: the worker sends first and then marks it sent (portal/notifications/channels/)."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))
    recipient_kind: Mapped[str] = mapped_column(String(10))
    recipient_id: Mapped[int | None] = mapped_column(BigInteger)  # a user's or a retailer's id
    address: Mapped[str | None] = mapped_column(String(254))  # e-mail address or mobile number, as sent to
    language: Mapped[str] = mapped_column(String(10))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    about_table: Mapped[str | None] = mapped_column(String(60))
    about_id: Mapped[str | None] = mapped_column(String(60))
    msgid: Mapped[str] = mapped_column(Text)  # English source, put in the recipient's language when sent
    params: Mapped[dict] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    link: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default="queued", server_default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)  # why the last attempt failed, or why it was skipped
    reason: Mapped[dict | None] = mapped_column(JSONB)  # the same, to show translated: {"msgid": …, "params": {…}}
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # quiet hours, a digest's hour
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # a test's admin
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("channel in ('email','gateway')", name="channel"),
        CheckConstraint("status in ('queued','retrying','sent','failed','skipped')", name="status"),
        CheckConstraint("kind in ('notification','digest','test','retailer')", name="kind"),
        CheckConstraint("recipient_kind in ('user','retailer','address')", name="recipient_kind"),
        # the admin's log: newest first, by status
        Index("ix_deliveries_created", text("created_at DESC"), text("id DESC")),
        Index("ix_deliveries_status_created", "status", text("created_at DESC")),
        # a record's messages (a session's reminders to its retailers: who was told)
        Index("ix_deliveries_about", "about_table", "about_id"),
        Index("ix_deliveries_notification", "notification_id"),
    )


class NotificationPreference(Audited, Versioned, Base):
    """How a user wants to be told besides the portal (a user without a row: e-mail on, nothing else): by e-mail
    (each notice, or one digest a day at `digest_hour`), by text message through the gateway, and quiet hours in the
    center's time, during which only urgent notices are sent (the others wait for the end)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    gateway: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    digest: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    digest_hour: Mapped[int] = mapped_column(SmallInteger, default=8, server_default="8")
    quiet_from: Mapped[time | None] = mapped_column(Time)
    quiet_until: Mapped[time | None] = mapped_column(Time)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __table_args__ = (
        CheckConstraint("digest_hour between 0 and 23", name="digest_hour"),
        CheckConstraint("(quiet_from is null) = (quiet_until is null) and (quiet_from is null or "
                        "quiet_from <> quiet_until)", name="quiet_hours"),
    )

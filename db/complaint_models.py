"""Complaint tables (客户投诉): the complaint, its append-only timeline, follow-ups and attachments.

The rules that move a complaint live in portal/complaints.py; this module only says what is stored and
what the database itself refuses (CHECK constraints mirror the tuples below).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Interval,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Audited, Base, Versioned, one_of

CHANNELS = ("hotline", "walk_in", "letter", "email", "web", "manager_visit", "suggestion_box", "transferred",
            "follow_up")
STATES = ("registered", "assigned", "in_progress", "replied", "followed_up", "closed", "invalid", "duplicate")
WRITTEN_CHANNELS = ("letter", "email", "web", "transferred")  # the intake asks for an e-mail / postal address
OPEN_STATES = ("registered", "assigned", "in_progress", "replied", "followed_up")  # loop not closed yet
WORKING_STATES = ("assigned", "in_progress")  # a department's or handler's part is still to do
RUNNING_STATES = ("registered", "assigned", "in_progress")  # the SLA clocks run (portal/center/sla.py)
REPLY_METHODS = ("phone", "sms", "visit", "letter", "email")
SATISFACTION = ("satisfied", "basically_satisfied", "dissatisfied")
FOLLOW_UP_METHODS = ("visit", "phone", "sms", "spot_check")
EVENT_KINDS = ("state_change", "field_change", "note", "reply", "follow_up", "pause", "resume", "link",
               "attachment", "retriage", "transfer", "review")
SIDE_EXITS = ("invalid", "duplicate")  # an agent's closure as one of these waits for a supervisor's confirmation
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = (
    "image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
)



class Complaint(Audited, Versioned, Base):
    """One complaint, from intake to closed loop; `state` moves only through portal/complaints.py."""

    __tablename__ = "complaints"
    __audit_skip__ = frozenset({"version", "updated_at", "created_at", "next_due_at", "client_token"})
    # the notification rules' input (portal/complaints/notify.py): assignments, moves, reopenings
    __events__ = frozenset({"handler_id", "state", "reopen_count", "grade"})

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # TS-2026-000123
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)  # one form submit = one complaint
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    complainant_name: Mapped[str] = mapped_column(String(50))
    complainant_phone: Mapped[str | None] = mapped_column(String(20))
    # written channels: where the answer goes (a letter's postal address, an e-mail's address)
    complainant_email: Mapped[str | None] = mapped_column(String(254))
    complainant_address: Mapped[str | None] = mapped_column(String(300))
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailers.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("complaint_categories.id"))
    grade: Mapped[int] = mapped_column(SmallInteger)
    description: Mapped[str] = mapped_column(Text)
    remedy_sought: Mapped[str] = mapped_column(Text, default="", server_default="")
    state: Mapped[str] = mapped_column(String(20), default="registered", server_default="registered")
    # 首问负责人: whoever received it owns it until it is closed; their department at the time
    first_contact_owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # gave the answer: may not follow up
    # SLA clocks (portal/center/sla.py): due times move later by the working time spent paused
    first_reply_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolution_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # nearest running clock
    first_replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the answer (resolution)
    followed_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    satisfaction: Mapped[str | None] = mapped_column(String(20))  # of the latest follow-up
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    paused_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paused_working_time: Mapped[timedelta] = mapped_column(Interval, default=timedelta(0), server_default="0")
    reopen_count: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    # investigation (处理中)
    verification_result: Mapped[str | None] = mapped_column(Text)
    responsibility_analysis: Mapped[str | None] = mapped_column(Text)
    root_cause: Mapped[str | None] = mapped_column(Text)
    corrective_action: Mapped[str | None] = mapped_column(Text)
    responsible_person: Mapped[str | None] = mapped_column(String(100))
    # the answer given to the complainant (已答复)
    reply_text: Mapped[str | None] = mapped_column(Text)
    reply_method: Mapped[str | None] = mapped_column(String(20))
    invalid_reason: Mapped[str | None] = mapped_column(Text)
    # an agent closed it as invalid or duplicate: a supervisor confirms it or sends it back (portal/complaints/exits.py)
    awaiting_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __table_args__ = (
        CheckConstraint(one_of("channel", CHANNELS), name="channel"),
        CheckConstraint(one_of("state", STATES), name="state"),
        CheckConstraint("grade between 1 and 4", name="grade"),
        CheckConstraint(one_of("reply_method", REPLY_METHODS), name="reply_method"),
        CheckConstraint(one_of("satisfaction", SATISFACTION), name="satisfaction"),
        CheckConstraint(r"reference ~ '^TS-\d{4}-\d{6,}$'", name="reference_format"),
        CheckConstraint("channel <> 'hotline' or complainant_phone is not null", name="hotline_has_phone"),
        CheckConstraint("length(btrim(description)) > 0", name="description_not_blank"),
        CheckConstraint("length(btrim(complainant_name)) > 0", name="complainant_name_not_blank"),
        CheckConstraint("sla_paused = (paused_since is not null)", name="paused_since"),
        CheckConstraint("reopen_count >= 0", name="reopen_count"),
        CheckConstraint("(state = 'invalid') = (invalid_reason is not null)", name="invalid_reason"),
        CheckConstraint("(state = 'duplicate') = (duplicate_of_id is not null)", name="duplicate_of"),
        CheckConstraint("duplicate_of_id <> id", name="not_own_duplicate"),
        CheckConstraint("not awaiting_review or state in ('invalid', 'duplicate')", name="awaiting_review_side_exit"),
        CheckConstraint("state not in ('closed', 'invalid', 'duplicate') or closed_at is not null",
                        name="closed_at"),
        # the triage order, state then highest grade first then oldest first: a page of it is read off the index
        # (migration 0032; state leads, so it is also the state's index)
        Index("ix_complaints_triage_order", "state", text("grade DESC"), "received_at", "id"),
        # the grid grouped by department then state, with average grade and handlers filled, and a department's
        # kanban counts per state: index-only scans (migration 0029)
        Index("ix_complaints_department_state", "department_id", "state", postgresql_include=["grade", "handler_id"]),
        Index("ix_complaints_handler_id", "handler_id"),
        Index("ix_complaints_first_contact_owner_id", "first_contact_owner_id"),
        Index("ix_complaints_first_reply_due_at", "first_reply_due_at"),
        Index("ix_complaints_resolution_due_at", "resolution_due_at"),
        Index("ix_complaints_retailer_id", "retailer_id"),
        Index("ix_complaints_category_id", "category_id"),
        Index("ix_complaints_grade_id", "grade", "id"),  # "highest grade first" pages off the index (0032)
        Index("ix_complaints_complainant_phone", "complainant_phone"),
        Index("ix_complaints_duplicate_of_id", "duplicate_of_id"),
        # lists at a million complaints (migration 0006): grid sorts end in id (keyset paging); My work reads
        # small partial indexes of the open states; quick search uses pairs of characters for Chinese text
        # (portal_grams, words of any length) and trigrams for reference numbers and phone numbers
        Index("ix_complaints_received_at_id", "received_at", "id"),
        # the complaint dashboard (migration 0008) reads a period's figures from this index alone
        Index("ix_complaints_dashboard", "received_at", postgresql_include=[
            "state", "category_id", "grade", "channel", "department_id", "retailer_id", "complainant_phone",
            "first_replied_at", "first_reply_due_at", "replied_at", "resolution_due_at", "followed_up_at",
            "satisfaction", "reopen_count", "paused_since", "root_cause"]),
        # the figures that change with the clock (migrations 0010, 0012): complaints whose first reply or answer is
        # due (not invalid ones or duplicates), and the open complaints by receipt (the backlog by age)
        Index("ix_complaints_unanswered", "received_at", postgresql_include=[
            "state", "department_id", "retailer_id", "first_replied_at", "first_reply_due_at", "replied_at",
            "resolution_due_at", "paused_since"], postgresql_where=text(
                "(first_replied_at IS NULL OR replied_at IS NULL) AND state IN ('registered', 'assigned', "
                "'in_progress', 'replied', 'followed_up', 'closed')")),
        Index("ix_complaints_open_received", "received_at", postgresql_include=["department_id", "retailer_id"],
              postgresql_where=text("state IN ('registered', 'assigned', 'in_progress', 'replied', 'followed_up')")),
        Index("ix_complaints_phone_received", "received_at", postgresql_include=["complainant_phone", "state"],
              postgresql_where=text("complainant_phone IS NOT NULL")),  # repeat complainants (migration 0010)
        Index("ix_complaints_next_due_at_id", "next_due_at", "id"),
        Index("ix_complaints_updated_at_id", "updated_at", "id"),  # watched views read what changed (0019)
        Index("ix_complaints_awaiting_review", "closed_at", postgresql_where=text("awaiting_review")),  # 0022
        Index("ix_complaints_open_owner", "first_contact_owner_id", "next_due_at",
              postgresql_where=text(one_of("state", OPEN_STATES))),
        Index("ix_complaints_working_handler", "handler_id", "next_due_at",
              postgresql_where=text(one_of("state", WORKING_STATES))),
        Index("ix_complaints_working_department", "department_id", "next_due_at",
              postgresql_where=text(one_of("state", WORKING_STATES))),
        # the notification scans (migration 0017, portal/complaints/notify_clock.py): the running clocks by due time,
        # and the answered complaints awaiting their follow-up by answer time
        Index("ix_complaints_reply_clock", "first_reply_due_at",
              postgresql_where=text(f"{one_of('state', RUNNING_STATES)} AND first_replied_at IS NULL")),
        Index("ix_complaints_resolution_clock", "resolution_due_at",
              postgresql_where=text(one_of("state", RUNNING_STATES))),
        Index("ix_complaints_awaiting_follow_up", "replied_at", postgresql_where=text("state = 'replied'")),
        Index("ix_complaints_description_grams", text("portal_grams(description)"), postgresql_using="gin"),
        Index("ix_complaints_complainant_name_grams", text("portal_grams(complainant_name)"),
              postgresql_using="gin"),
        Index("ix_complaints_reference_trgm", "reference", postgresql_using="gin",
              postgresql_ops={"reference": "gin_trgm_ops"}),
        Index("ix_complaints_complainant_phone_trgm", "complainant_phone", postgresql_using="gin",
              postgresql_ops={"complainant_phone": "gin_trgm_ops"}),
    )

    @property
    def is_major(self) -> bool:
        """Grade 1 (group complaint, media, mass impact): reported at once; may open an incident."""
        return self.grade == 1

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ComplaintEvent(Base):
    """One timeline entry: who did what when (from → to, note, details). Append-only: never updated."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    data: Mapped[dict | None] = mapped_column(JSONB)

    __table_args__ = (
        CheckConstraint(one_of("kind", EVENT_KINDS), name="kind"),
        CheckConstraint(one_of("from_state", STATES), name="from_state"),
        CheckConstraint(one_of("to_state", STATES), name="to_state"),
        Index("ix_complaint_events_complaint_at", "complaint_id", "at", "id"),
    )


class FollowUp(Audited, Base):
    """A follow-up (回访): level 1 customer-manager visit, 2 phone survey, 3 supervision spot check."""

    __tablename__ = "complaint_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    level: Mapped[int] = mapped_column(SmallInteger)
    method: Mapped[str] = mapped_column(String(20))
    result: Mapped[str] = mapped_column(Text, default="", server_default="")
    satisfaction: Mapped[str] = mapped_column(String(20))
    # survey dimensions, 1 (poor) … 5 (excellent); a complainant may skip any of them
    score_attitude: Mapped[int | None] = mapped_column(SmallInteger)
    score_phrasing: Mapped[int | None] = mapped_column(SmallInteger)
    score_speed: Mapped[int | None] = mapped_column(SmallInteger)
    score_no_buck_passing: Mapped[int | None] = mapped_column(SmallInteger)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("level between 1 and 3", name="level"),
        CheckConstraint(one_of("method", FOLLOW_UP_METHODS), name="method"),
        CheckConstraint(one_of("satisfaction", SATISFACTION), name="satisfaction"),
        CheckConstraint("score_attitude between 1 and 5", name="score_attitude"),
        CheckConstraint("score_phrasing between 1 and 5", name="score_phrasing"),
        CheckConstraint("score_speed between 1 and 5", name="score_speed"),
        CheckConstraint("score_no_buck_passing between 1 and 5", name="score_no_buck_passing"),
        Index("ix_complaint_follow_ups_complaint_id", "complaint_id"),
        Index("ix_complaint_follow_ups_at", "at"),
    )


class ComplaintAttachment(Audited, Base):
    """A photo or document kept in the database (bytea), at most 10 MB, of an allowed type."""

    __tablename__ = "complaint_attachments"
    __audit_skip__ = frozenset({"content"})

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only when downloaded
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(one_of("content_type", ATTACHMENT_TYPES), name="content_type"),
        CheckConstraint(f"size_bytes between 1 and {MAX_ATTACHMENT_BYTES}", name="size_bytes"),
        CheckConstraint("octet_length(content) = size_bytes", name="content_size"),
        Index("ix_complaint_attachments_complaint_id", "complaint_id"),
    )


class ComplaintDashboardDay(Base):
    """One center day's complaint figures that do not depend on "now" (migration 0010: a cache the triggers keep
    exact; portal/complaints/day_figures.py fills and reads it). `level` 0: the whole center (key ""), 1: per
    handling department (key: its id, "" for none yet), 2: per retailer district (key: the district, "" for none).
    `counts` maps "category:<id>", "grade:<n>", "channel:<code>", "cause:<root cause>" to complaints."""

    __tablename__ = "complaint_dashboard_days"

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)  # the center time zone the days are cut in
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    complaints: Mapped[int] = mapped_column(Integer)
    first_replied: Mapped[int] = mapped_column(Integer)
    replied_in_time: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    resolved_in_time: Mapped[int] = mapped_column(Integer)
    followed_up: Mapped[int] = mapped_column(Integer)
    surveyed: Mapped[int] = mapped_column(Integer)
    satisfied: Mapped[int] = mapped_column(Integer)
    reopened: Mapped[int] = mapped_column(Integer)
    handling: Mapped[list[float]] = mapped_column(ARRAY(Float))  # working days to answer, ascending
    handling_sum: Mapped[float] = mapped_column(Float)
    counts: Mapped[dict] = mapped_column(JSONB)

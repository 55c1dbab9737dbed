"""Retailer training tables (零售客户培训): course catalog and materials, monthly needs, sessions of the monthly
plan, sign-ups with their waiting list, attendance and evaluations.

The rules live in portal/training/; this module says what is stored and what the database itself refuses
(CHECK constraints mirror the tuples below; capacity is also enforced by the sign-up functions under a row lock).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
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
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Audited, Base, Versioned, one_of

COURSE_KINDS = ("knowledge", "skill")
SESSION_FORMATS = ("lecture", "discussion", "on_site")
SESSION_STATES = ("draft", "submitted", "approved", "held", "cancelled")
SIGN_UP_STATES = ("signed_up", "waitlisted", "cancelled")
SIGN_UP_CHANNELS = ("phone", "visit", "walk_in", "other")
NOTIFY_METHODS = ("phone", "sms", "visit", "wechat")
MAX_CAPACITY = 100  # 每期培训不超过100人
MAX_MATERIAL_BYTES = 20 * 1024 * 1024
MATERIAL_TYPES = (
    "image/jpeg", "image/png", "application/pdf",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
)



class TrainingCourse(Audited, Versioned, Base):
    """A course of the catalog (培训库目录): knowledge or skill, for which business types and star levels."""

    __tablename__ = "training_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    target_business_types: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list, server_default="{}")
    target_star_levels: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger), default=list, server_default="{}")
    duration_minutes: Mapped[int] = mapped_column(SmallInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __table_args__ = (
        CheckConstraint(one_of("kind", COURSE_KINDS), name="kind"),
        CheckConstraint("length(btrim(title)) > 0", name="title_not_blank"),
        CheckConstraint("duration_minutes between 15 and 480", name="duration_minutes"),
        CheckConstraint("target_star_levels <@ ARRAY[1,2,3,4,5]::smallint[]", name="target_star_levels"),
        CheckConstraint("target_business_types <@ ARRAY['convenience','supermarket','tobacco_liquor','grocery',"
                        "'other']::varchar[]", name="target_business_types"),
        Index("ix_training_courses_title_id", "title", "id"),
        Index("ix_training_courses_kind_id", "kind", "id"),
    )


class CourseMaterial(Audited, Base):
    """A course's handout or slides kept in the database (bytea); "removed" hides it, nothing is deleted."""

    __tablename__ = "training_course_materials"
    __audit_skip__ = frozenset({"content"})

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only when downloaded
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    removed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")

    __table_args__ = (
        CheckConstraint(one_of("content_type", MATERIAL_TYPES), name="content_type"),
        CheckConstraint(f"size_bytes between 1 and {MAX_MATERIAL_BYTES}", name="size_bytes"),
        CheckConstraint("octet_length(content) = size_bytes", name="content_size"),
        Index("ix_training_course_materials_course_id", "course_id"),
    )


class TrainingNeed(Audited, Versioned, Base):
    """A retailer's requested topic for a month (培训需求), collected by a department and submitted by the 28th
    of the month before."""

    __tablename__ = "training_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"))
    topic: Mapped[str] = mapped_column(String(200))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("training_courses.id"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month the training is wanted in
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("extract(day from month) = 1", name="month_first_day"),
        CheckConstraint("length(btrim(topic)) > 0", name="topic_not_blank"),
        CheckConstraint("submitted = (submitted_at is not null)", name="submitted_at"),
        Index("ix_training_needs_month_department", "month", "department_id"),
        Index("ix_training_needs_retailer_id", "retailer_id"),
    )


class TrainingSession(Audited, Versioned, Base):
    """One session of a monthly plan (月度培训计划): draft → submitted → approved → held, or cancelled."""

    __tablename__ = "training_sessions"
    __events__ = frozenset({"state"})  # approved -> submitted: moved after approval, the approver is told

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"))
    title: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(20))
    trainer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # 内训师
    capacity: Mapped[int] = mapped_column(SmallInteger)
    audience: Mapped[str] = mapped_column(String(200), default="", server_default="")
    content: Mapped[str] = mapped_column(Text, default="", server_default="")
    state: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    held_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    return_note: Mapped[str | None] = mapped_column(Text)  # why a supervisor sent it back to draft
    # the coordinator's choice: its evaluation forms are anonymous (no link to the retailer is stored)
    anonymous_evaluation: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __table_args__ = (
        CheckConstraint(one_of("format", SESSION_FORMATS), name="format"),
        CheckConstraint(one_of("state", SESSION_STATES), name="state"),
        CheckConstraint(f"capacity between 1 and {MAX_CAPACITY}", name="capacity"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("length(btrim(title)) > 0", name="title_not_blank"),
        CheckConstraint("length(btrim(place)) > 0", name="place_not_blank"),
        CheckConstraint("state not in ('approved', 'held') or approved_at is not null", name="approved_at"),
        CheckConstraint("(state = 'cancelled') = (cancel_reason is not null)", name="cancel_reason"),
        Index("ix_training_sessions_starts_at_id", "starts_at", "id"),
        Index("ix_training_sessions_state_starts_at", "state", "starts_at"),
        Index("ix_training_sessions_course_id", "course_id"),
        Index("ix_training_sessions_trainer_id", "trainer_id"),
        Index("ix_training_sessions_title_id", "title", "id"),
    )


class SignUp(Audited, Versioned, Base):
    """A retailer's place at a session (报名): signed up, on the waiting list (in `waitlist_position` order),
    or cancelled; then notification, attendance (签到) and the absentee's follow-up call."""

    __tablename__ = "training_sign_ups"
    __events__ = frozenset({"promoted_at"})  # set once, when moved up from the waiting list: the notification rules

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"))
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"))
    state: Mapped[str] = mapped_column(String(20))
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20), default="phone", server_default="phone")
    signed_up_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    signed_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    promoted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # off the waiting list
    notified_method: Mapped[str | None] = mapped_column(String(20))
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    needs_renotify: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    attended: Mapped[bool | None] = mapped_column(Boolean)  # None: not marked yet
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    absence_reason: Mapped[str | None] = mapped_column(Text)
    follow_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the absentee's call
    follow_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the check-in desk (migration 0023): seated at the door on the day, checked in after the start, or excused
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    excused: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # a seat given from the waiting list is the retailer's once confirmed (by phone, recorded by staff) by `confirm_by`
    confirm_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        CheckConstraint("not late or attended", name="late_attended"),
        CheckConstraint("not excused or attended is false", name="excused_absent"),
        CheckConstraint("confirmed_at is null or confirm_by is not null", name="confirmed_promotion"),
        # the seats given from a waiting list and not confirmed yet: what the release scan reads (migration 0023)
        Index("ix_training_sign_ups_unconfirmed", "confirm_by",
              postgresql_where=text("confirm_by is not null and confirmed_at is null and state = 'signed_up'")),
        CheckConstraint(one_of("state", SIGN_UP_STATES), name="state"),
        CheckConstraint(one_of("channel", SIGN_UP_CHANNELS), name="channel"),
        CheckConstraint(one_of("notified_method", NOTIFY_METHODS), name="notified_method"),
        CheckConstraint("(state = 'waitlisted') = (waitlist_position is not null)", name="waitlist_position"),
        CheckConstraint("(state = 'cancelled') = (cancel_reason is not null)", name="cancel_reason"),
        CheckConstraint("attended is null or state = 'signed_up'", name="attended_signed_up"),
        CheckConstraint("absence_reason is null or attended is false", name="absence_reason"),
        # one live sign-up per retailer and session (cancelled ones are history)
        Index("ix_training_sign_ups_one_active", "session_id", "retailer_id", unique=True,
              postgresql_where=text("state <> 'cancelled'")),
        Index("ix_training_sign_ups_session_state", "session_id", "state", "waitlist_position"),
        Index("ix_training_sign_ups_retailer_id", "retailer_id"),
        Index("ix_training_sign_ups_attended", "retailer_id", "session_id", postgresql_where=text("attended")),
        # a year's attendees from its sessions' index entries alone (coverage, migration 0011)
        Index("ix_training_sign_ups_attended_session", "session_id", "retailer_id", postgresql_where=text("attended")),
    )


class Evaluation(Audited, Versioned, Base):
    """An attendee's evaluation of a session (培训效果评价表): scores 1–5 and comments. An anonymous one (the session's
    choice) names no sign-up, so nothing leads from it to the retailer."""

    __tablename__ = "training_evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"))
    sign_up_id: Mapped[int | None] = mapped_column(ForeignKey("training_sign_ups.id"), unique=True)
    score_content: Mapped[int] = mapped_column(SmallInteger)
    score_trainer: Mapped[int] = mapped_column(SmallInteger)
    score_usefulness: Mapped[int] = mapped_column(SmallInteger)
    comments: Mapped[str] = mapped_column(Text, default="", server_default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("score_content between 1 and 5", name="score_content"),
        CheckConstraint("score_trainer between 1 and 5", name="score_trainer"),
        CheckConstraint("score_usefulness between 1 and 5", name="score_usefulness"),
        Index("ix_training_evaluations_session_id", "session_id"),
    )

"""The training tables as the records layer shows them (grids, filters, sorting, export, history), and the
training record card on the retailer page. Grids here are read-only: every change goes through the rules in
plan.py, signups.py and attendance.py."""
from __future__ import annotations

from sqlalchemy import func, select

from db.training_models import SignUp, TrainingCourse, TrainingSession
from portal.i18n import N_
from portal.records.fields import Choice, Field, FieldType, TableSpec, register
from portal.records.linked import LinkedSection, register_linked
from portal.retailers.table import BUSINESS_TYPE_CHOICES
from portal.training.labels import (
    CHANNEL_LABELS,
    FORMAT_LABELS,
    KIND_LABELS,
    NOTIFY_METHOD_LABELS,
    SESSION_STATE_LABELS,
    SIGN_UP_STATE_LABELS,
)
from portal.training.reports import retailer_record_card
from portal.training.rules import VIEW


def _choices(labels: dict[str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(value, label) for value, label in labels.items())


COURSES = register(TableSpec(
    name="training_courses", label=N_("Courses"), record_label=N_("Course"),
    model=TrainingCourse,
    title_field="title", view_permission=VIEW, default_sort=(("title", False),),
    fields=(
        Field("title", N_("Title"), FieldType.TEXT, required=True, max_length=120, sortable=True, searchable=True),
        Field("kind", N_("Kind"), FieldType.SINGLE_SELECT, choices=_choices(KIND_LABELS), sortable=True),
        Field("duration_minutes", N_("Duration (minutes)"), FieldType.INTEGER),
        Field("target_business_types", N_("For business types"), FieldType.MULTI_SELECT,
              choices=BUSINESS_TYPE_CHOICES),
        Field("active", N_("Active"), FieldType.CHECKBOX),
        Field("description", N_("Description"), FieldType.LONG_TEXT, visible=False, searchable=True),
    ),
))

def _places(state: str):
    """A session's sign-ups in `state` (a computed field: one index lookup per row shown, from the session's own
    sign-ups by state, ix_training_sign_ups_session_state)."""
    return lambda: (select(func.count()).where(SignUp.session_id == TrainingSession.id, SignUp.state == state)
                    .correlate(TrainingSession).scalar_subquery())


SESSIONS = register(TableSpec(
    name="training_sessions", label=N_("Training sessions"), record_label=N_("Training session"),
    model=TrainingSession,
    title_field="title", view_permission=VIEW, default_sort=(("starts_at", False),),
    fields=(
        Field("starts_at", N_("Start"), FieldType.DATETIME, sortable=True),
        Field("title", N_("Session"), FieldType.TEXT, sortable=True, searchable=True),
        Field("format", N_("Format"), FieldType.SINGLE_SELECT, choices=_choices(FORMAT_LABELS)),
        Field("place", N_("Place"), FieldType.TEXT, searchable=True),
        Field("trainer_id", N_("Trainer"), FieldType.USER),
        Field("seats_taken", N_("Seats taken"), FieldType.INTEGER, compute=_places("signed_up"), sortable=True),
        Field("capacity", N_("Capacity"), FieldType.INTEGER),
        Field("waiting", N_("Waiting"), FieldType.INTEGER, compute=_places("waitlisted"), sortable=True,
              help=N_("Retailers on the session's waiting list.")),
        Field("state", N_("State"), FieldType.SINGLE_SELECT, choices=_choices(SESSION_STATE_LABELS)),
        Field("audience", N_("Audience"), FieldType.TEXT, searchable=True),
        Field("course_id", N_("Course"), FieldType.LINK, link_table="training_courses", visible=False),
        Field("ends_at", N_("End"), FieldType.DATETIME, visible=False),
        Field("approved_at", N_("Approved at"), FieldType.DATETIME, visible=False),
        Field("cancel_reason", N_("Cancellation reason"), FieldType.TEXT, visible=False),
    ),
))

SIGN_UPS = register(TableSpec(
    name="training_sign_ups", label=N_("Sign-ups"), record_label=N_("Sign-up"),
    model=SignUp,
    title_field="id", view_permission=VIEW, default_sort=(("signed_up_at", False),),
    fields=(
        Field("retailer_id", N_("Retailer"), FieldType.LINK, link_table="retailers"),
        Field("session_id", N_("Session"), FieldType.LINK, link_table="training_sessions", visible=False),
        Field("state", N_("State"), FieldType.SINGLE_SELECT, choices=_choices(SIGN_UP_STATE_LABELS)),
        Field("waitlist_position", N_("Waiting list position"), FieldType.INTEGER),
        Field("signed_up_at", N_("Signed up at"), FieldType.DATETIME, sortable=True),
        Field("channel", N_("Channel"), FieldType.SINGLE_SELECT, choices=_choices(CHANNEL_LABELS), visible=False),
        Field("promoted_at", N_("Promoted from the waiting list"), FieldType.DATETIME, visible=False),
        Field("notified_method", N_("Notified by"), FieldType.SINGLE_SELECT, choices=_choices(NOTIFY_METHOD_LABELS)),
        Field("notified_at", N_("Notified at"), FieldType.DATETIME),
        Field("needs_renotify", N_("Notify again"), FieldType.CHECKBOX),
        Field("attended", N_("Attended"), FieldType.CHECKBOX),
        Field("absence_reason", N_("Absence reason"), FieldType.TEXT),
        Field("cancel_reason", N_("Cancellation reason"), FieldType.TEXT, visible=False),
    ),
))

register_linked("retailers", LinkedSection("training_record_card", N_("Training record card"), retailer_record_card,
                                           permission=VIEW, empty_text=N_("No training sign-ups yet."),
                                           record_page="pages/training_session.py"))

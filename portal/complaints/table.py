"""Complaints as the records layer shows them: the supervisor grid (every field filterable, SLA filters, saved
views), the department and category tables its links name, and the retailer's complaint history.

The grid is read-only: complaints change only through the moves in workflow.py (bulk.py for many at once).
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, literal, not_, or_, select
from sqlalchemy.orm import Session

import portal.retailers.table  # noqa: F401  (registers the retailers spec that the retailer link names)
from db.complaint_models import Complaint
from db.engine import get_engine, unit_of_work
from db.models import AppState, ComplaintCategory, Department, Retailer, SavedView, User
from portal.access.auth import CurrentUser
from portal.center.sla import DUE_SOON, add_working_time, local
from portal.center.workdays import WorkCalendar, load_calendar
from portal.complaints.display import SLA_COLORS
from portal.complaints.labels import CHANNEL_LABELS, REPLY_METHOD_LABELS, SATISFACTION_LABELS, STATE_LABELS
from portal.complaints.queries import SLA_FILTERS, sla_condition, visible_condition
from portal.complaints.rules import utcnow
from portal.config import get_settings
from portal.i18n import N_, _, catalog, current_language, fmt_datetime
from portal.records.fields import Choice, Field, FieldType, TableSpec, register
from portal.records.filters import EMPTY, IS, IS_NOT, NOT_CONTAINS, NOT_EMPTY, Filter, column_clause
from portal.records.linked import LinkedSection, opens, register_linked
from portal.records.view import ViewState

VIEW = "complaints.view"
CALENDAR_TTL = 10.0  # seconds the grid reuses the working-day calendar (a handful of rows, changed by admins)
SLA_LABELS: dict[str, str] = {
    "overdue": N_("⚠ Overdue"),
    "due_soon": N_("◔ Due within 4 working hours"),
    "due_today": N_("○ Due today"),
    "on_time": N_("On time"),
    "paused": N_("‖ Paused"),
}
SLA_CHOICES = tuple(Choice(value, label, color=SLA_COLORS.get(value)) for value, label in SLA_LABELS.items())


def _choices(labels: dict[Any, str]) -> tuple[Choice, ...]:
    return tuple(Choice(str(value), label) for value, label in labels.items())


def _localized_name(table: Any) -> Any:
    """A department's or category's name in the reader's language, as SQL."""
    return table.c.name_zh if current_language() == "zh_CN" else table.c.name_en


DEPARTMENTS = register(TableSpec(
    name="departments", label=N_("Departments"), record_label=N_("Department"), model=Department,
    title_field="name_zh", title_sql=_localized_name, key_field="code", view_permission="dashboards.view",
    fields=(Field("code", N_("Code"), FieldType.TEXT), Field("name_en", N_("English name"), FieldType.TEXT),
            Field("name_zh", N_("Chinese name"), FieldType.TEXT), Field("active", N_("Active"), FieldType.CHECKBOX)),
))
CATEGORIES = register(TableSpec(
    name="complaint_categories", label=N_("Complaint categories"), record_label=N_("Complaint category"),
    model=ComplaintCategory, title_field="name_zh", title_sql=_localized_name, key_field="code",
    view_permission="dashboards.view",
    fields=(Field("code", N_("Code"), FieldType.TEXT), Field("name_en", N_("English name"), FieldType.TEXT),
            Field("name_zh", N_("Chinese name"), FieldType.TEXT), Field("active", N_("Active"), FieldType.CHECKBOX)),
))

# --- the SLA status, a computed field ------------------------------------------------------------------

_calendar_cache: dict[str, tuple[float, WorkCalendar]] = {}


def _calendar() -> WorkCalendar:
    """The working-day calendar, read at most every CALENDAR_TTL seconds (filters are built without a session)."""
    url = str(get_engine().url)
    cached = _calendar_cache.get(url)
    if cached is None or time.monotonic() - cached[0] > CALENDAR_TTL:
        with unit_of_work() as s:
            cached = (time.monotonic(), load_calendar(s))
        _calendar_cache[url] = cached
    return cached[1]


def forget_calendar() -> None:
    """Read the calendar afresh next time (after an admin changed it, and in tests)."""
    _calendar_cache.clear()


def sla_expression() -> ColumnElement[Any]:
    """Each complaint's SLA status now, as `portal.center.sla.sla_status` would say (no status: no running clock)."""
    now = utcnow()
    soon = add_working_time(_calendar(), now, DUE_SOON)
    tomorrow = local(now).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    due = Complaint.next_due_at
    return case(
        (due.is_(None), literal(None)),
        (Complaint.sla_paused, case((due < Complaint.paused_since, "overdue"), else_="paused")),
        (due < now, "overdue"),
        (due <= soon, "due_soon"),
        (due < tomorrow, "due_today"),
        else_="on_time")


def sla_filter(op: str, value: Any) -> ColumnElement[bool]:
    """The SLA filters as indexable conditions (overdue, due within 4 working hours, due today: see
    queries.sla_condition); a due-today complaint may also be due soon, as on My work."""
    running = Complaint.next_due_at.is_not(None)
    if op in (EMPTY, NOT_EMPTY):
        return ~running if op == EMPTY else running
    values = value if isinstance(value, list) else [value]
    now, calendar = utcnow(), _calendar()
    parts = [sla_condition(v, now=now, calendar=calendar) if v in SLA_FILTERS else sla_expression() == v
             for v in values]
    matched = or_(*parts) if parts else false()
    return and_(running, not_(matched)) if op == IS_NOT else matched


def sla_changes_between(before: datetime, after: datetime) -> ColumnElement[bool]:
    """The complaints whose SLA status may have moved from `before` to `after` with no write: their due time passed
    one of the moving boundaries (now, within 4 working hours); the day's boundary moves once a day."""
    return Complaint.next_due_at.between(before, add_working_time(_calendar(), after, DUE_SOON))


# --- the retailer's district, a computed field -------------------------------------------------------------

def retailer_district() -> ColumnElement[Any]:
    """The district of the complaint's retailer (none when the complaint names no retailer)."""
    return select(Retailer.district).where(Retailer.id == Complaint.retailer_id).scalar_subquery()


def retailer_district_filter(op: str, value: Any) -> ColumnElement[bool]:
    """A district filter as "the complaint's retailer is one of the retailers it selects" (one set, hashed once),
    not a lookup per complaint; complaints without a retailer have no district."""
    selected = Complaint.retailer_id.in_(
        select(Retailer.id).where(column_clause(COMPLAINTS.field("retailer_district"), Retailer.district, op, value)))
    return or_(Complaint.retailer_id.is_(None), selected) if op in (IS_NOT, NOT_CONTAINS, EMPTY) else selected


# --- the complaints table ---------------------------------------------------------------------------------

def _scope(actor: CurrentUser | None) -> ColumnElement[bool] | None:
    return visible_condition(actor)


COMPLAINTS = register(TableSpec(
    name="complaints",
    label=N_("Complaints"),
    record_label=N_("Complaint"),
    model=Complaint,
    title_field="reference",
    key_field="reference",
    view_permission=VIEW,
    default_sort=(("received_at", True),),
    row_scope=_scope,
    fields=(
        Field("reference", N_("Reference"), FieldType.TEXT, sortable=True, searchable=True),
        Field("received_at", N_("Received"), FieldType.DATETIME, sortable=True),
        Field("state", N_("State"), FieldType.SINGLE_SELECT, choices=_choices(STATE_LABELS), sortable=True),
        Field("sla", N_("Time limit"), FieldType.SINGLE_SELECT, choices=SLA_CHOICES,
              compute=sla_expression, condition=sla_filter, changes_between=sla_changes_between,
              help=N_("Overdue, due within 4 working hours, due today; paused while waiting on the complainant.")),
        Field("next_due_at", N_("Due"), FieldType.DATETIME, sortable=True,
              help=N_("When the nearest running time limit ends (first reply or resolution).")),
        Field("grade", N_("Grade"), FieldType.INTEGER, min_value=1, max_value=4, sortable=True,
              help=N_("1 major · 2 serious · 3 general · 4 simple")),
        Field("category_id", N_("Category"), FieldType.LINK, link_table="complaint_categories", suggest=True,
              sortable=True),
        Field("department_id", N_("Department"), FieldType.LINK, link_table="departments", suggest=True,
              sortable=True),
        Field("handler_id", N_("Handler"), FieldType.USER, sortable=True),
        Field("first_contact_owner_id", N_("First-contact owner"), FieldType.USER, sortable=True),
        Field("complainant_name", N_("Complainant"), FieldType.TEXT, sortable=True, searchable=True,
              search_index="grams"),
        Field("complainant_phone", N_("Phone"), FieldType.PHONE, view_permission="retailers.view_phone",
              searchable=True),
        Field("complainant_email", N_("E-mail"), FieldType.EMAIL, view_permission="retailers.view_phone",
              visible=False),
        Field("complainant_address", N_("Postal address"), FieldType.TEXT, view_permission="retailers.view_phone",
              visible=False),
        Field("retailer_id", N_("Retailer"), FieldType.LINK, link_table="retailers"),
        Field("retailer_district", N_("Retailer district"), FieldType.TEXT, compute=retailer_district,
              condition=retailer_district_filter, suggest=True, suggest_from=lambda: Retailer.district, visible=False),
        Field("description", N_("Description"), FieldType.LONG_TEXT, searchable=True, search_index="grams"),
        Field("channel", N_("Received via"), FieldType.SINGLE_SELECT, choices=_choices(CHANNEL_LABELS), sortable=True,
              visible=False),
        Field("remedy_sought", N_("Remedy sought"), FieldType.LONG_TEXT, visible=False),
        Field("owner_department_id", N_("Owner's department"), FieldType.LINK, link_table="departments",
              suggest=True, visible=False),
        Field("first_reply_due_at", N_("First reply due"), FieldType.DATETIME, sortable=True, visible=False),
        Field("first_replied_at", N_("First replied"), FieldType.DATETIME, visible=False),
        Field("resolution_due_at", N_("Resolution due"), FieldType.DATETIME, sortable=True, visible=False),
        Field("replied_at", N_("Replied"), FieldType.DATETIME, sortable=True, visible=False),
        Field("reply_method", N_("Reply method"), FieldType.SINGLE_SELECT, choices=_choices(REPLY_METHOD_LABELS),
              visible=False),
        Field("reply_text", N_("Reply"), FieldType.LONG_TEXT, visible=False),
        Field("followed_up_at", N_("Followed up"), FieldType.DATETIME, sortable=True, visible=False),
        Field("satisfaction", N_("Satisfaction"), FieldType.SINGLE_SELECT, choices=_choices(SATISFACTION_LABELS),
              visible=False),
        Field("closed_at", N_("Closed"), FieldType.DATETIME, sortable=True, visible=False),
        Field("sla_paused", N_("SLA paused"), FieldType.CHECKBOX, visible=False),
        Field("reopen_count", N_("Times reopened"), FieldType.INTEGER, sortable=True, visible=False),
        Field("duplicate_of_id", N_("Duplicate of"), FieldType.LINK, link_table="complaints", visible=False),
        Field("verification_result", N_("Verification result"), FieldType.LONG_TEXT, visible=False),
        Field("responsibility_analysis", N_("Responsibility analysis"), FieldType.LONG_TEXT, visible=False),
        Field("root_cause", N_("Root cause"), FieldType.LONG_TEXT, visible=False),
        Field("corrective_action", N_("Corrective action"), FieldType.LONG_TEXT, visible=False),
        Field("responsible_person", N_("Responsible person"), FieldType.TEXT, visible=False),
        Field("invalid_reason", N_("Reason invalid"), FieldType.LONG_TEXT, visible=False),
        Field("awaiting_review", N_("Closure awaiting confirmation"), FieldType.CHECKBOX, visible=False),
        Field("updated_at", N_("Last changed"), FieldType.DATETIME, sortable=True, visible=False),
    ),
))

# --- saved views every installation starts with -------------------------------------------------------------

SHARED_VIEWS: tuple[tuple[str, ViewState], ...] = (
    (N_("Overdue by department"), ViewState(filters=(Filter("sla", IS, "overdue"),),
                                            sort=(("department_id", False), ("next_due_at", False)))),
    (N_("Awaiting follow-up"), ViewState(filters=(Filter("state", IS, "replied"),), sort=(("replied_at", False),))),
    (N_("Dissatisfied this month"), ViewState(
        filters=(Filter("satisfaction", IS, "dissatisfied"),
                 Filter("followed_up_at", "between", ("month_start", "today"))),
        sort=(("followed_up_at", True),))),
)
VIEWS_SEEDED = "complaint_views_seeded"


def ensure_shared_views(session: Session, *, actor: CurrentUser) -> None:
    """Create the shared complaint views once per installation (owned by the first admin; supervisors may change
    or delete them like any shared view, and they do not come back)."""
    if session.get(AppState, VIEWS_SEEDED) is not None:
        return
    owner = session.scalar(select(User.id).where(User.roles.contains(["admin"])).order_by(User.id).limit(1))
    owner = owner or actor.id
    if owner is None:
        return
    names = catalog(get_settings().default_language)
    for label, state in SHARED_VIEWS:
        name = names.get(label, label)
        exists = session.scalar(select(SavedView.id).where(SavedView.table_name == COMPLAINTS.name,
                                                           SavedView.owner_id == owner, SavedView.name == name))
        if exists is None:
            session.add(SavedView(table_name=COMPLAINTS.name, owner_id=owner, name=name, shared=True, locked=True,
                                  state=state.to_json()))
    session.add(AppState(key=VIEWS_SEEDED, value={"views": len(SHARED_VIEWS)}))
    session.flush()


# --- the retailer's complaint history ------------------------------------------------------------------------

HISTORY_LIMIT = 50


def retailer_complaints(session: Session, actor: CurrentUser, retailer_id: int) -> list[dict[str, Any]]:
    """The retailer's complaints the actor may see (the grid's row scope, in SQL), newest first (at most
    HISTORY_LIMIT), each opening its complaint."""
    category = _localized_name(ComplaintCategory.__table__)
    stmt = (select(Complaint.id, Complaint.reference, Complaint.received_at, Complaint.state, Complaint.grade, category,
                   Complaint.description)
            .join(ComplaintCategory, ComplaintCategory.id == Complaint.category_id)
            .where(Complaint.retailer_id == retailer_id).order_by(Complaint.received_at.desc()).limit(HISTORY_LIMIT))
    scope = visible_condition(actor)
    if scope is not None:
        stmt = stmt.where(scope)
    return [{_("Reference"): ref, _("Received"): fmt_datetime(received), _("State"): _(STATE_LABELS[state]),
             _("Grade"): str(grade), _("Category"): cat, _("Description"): _short(text), **opens(cid)}
            for cid, ref, received, state, grade, cat, text in session.execute(stmt)]


def _short(text: str, length: int = 40) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= length else one_line[: length - 1] + "…"


register_linked("retailers", LinkedSection("complaints", N_("Complaint history"), retailer_complaints,
                                           permission=VIEW, empty_text=N_("No complaints from this retailer."),
                                           record_page="pages/complaint.py"))

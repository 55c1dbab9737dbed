"""Administration of reference data: departments, complaint categories, SLA limits per grade and where they count
from.

Reads are open to every signed-in user (forms everywhere need them); every write needs `admin.manage`,
is validated with an InputError naming the field, and is refused when the row changed since the form read it.
"""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.models import AppState, ComplaintCategory, Department, SlaLimit
from portal.access.auth import CurrentUser, require
from portal.errors import STALE, InputError, checked_text
from portal.i18n import _

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
NAME_MAX = 100
SORT_ORDER_MAX = 999
FIRST_REPLY_HOURS = (1, 720)  # the same bounds as the schema's CHECK constraints
RESOLUTION_DAYS = (1, 60)
# where a complaint's time limits count from: its receipt (ISO 10002: a letter dated 12-02 registered 12-06 is
# four days late already) or its registration in the portal (a center whose written rules say so)
CLOCK_STARTS = ("received", "registered")
CLOCK_START_KEY = "sla_clock_start"


def sla_clock_start(session: Session) -> str:
    """"received" (the default) or "registered": where the time limits of a new complaint count from."""
    row = session.get(AppState, CLOCK_START_KEY)
    return row.value.get("from", CLOCK_STARTS[0]) if row is not None else CLOCK_STARTS[0]


def set_sla_clock_start(session: Session, *, actor: CurrentUser, start: str) -> None:
    """Admin: count the limits of complaints registered from now on from their receipt or their registration."""
    require(actor, "admin.manage")
    if start not in CLOCK_STARTS:
        raise InputError("clock_start", _("Count the limits from: choose the receipt or the registration."))
    value = {"from": start, "by": actor.id}
    session.execute(insert(AppState).values(key=CLOCK_START_KEY, value=value)
                    .on_conflict_do_update(index_elements=["key"], set_={"value": value}))


def list_departments(session: Session, *, active_only: bool = False) -> list[Department]:
    """Departments, active first, by English name."""
    query = select(Department).order_by(Department.active.desc(), Department.name_en)
    if active_only:
        query = query.where(Department.active)
    return list(session.scalars(query))


def list_categories(session: Session) -> list[ComplaintCategory]:
    """Complaint categories in their sort order (as complaint forms offer them)."""
    return list(session.scalars(select(ComplaintCategory).order_by(ComplaintCategory.sort_order,
                                                                   ComplaintCategory.name_en)))


def list_sla_limits(session: Session) -> list[SlaLimit]:
    """The time limits of grades 1 (major) to 4 (simple)."""
    return list(session.scalars(select(SlaLimit).order_by(SlaLimit.grade)))


def _code(code: str, name_en: str) -> str:
    """The code as given, or derived from the English name when left empty."""
    code = code.strip().lower() or re.sub(r"[^a-z0-9]+", "_", name_en.strip().lower()).strip("_")[:40]
    if not CODE_RE.match(code):
        raise InputError("code", _("Code: use 2–40 lowercase letters, digits or underscores, starting with a letter."))
    return code


def _names(session: Session, model: type, *, name_en: str, name_zh: str, record_id: int | None) -> tuple[str, str]:
    """Both names stripped, present, short enough and not used by another row of `model`."""
    labels = {"name_en": _("English name"), "name_zh": _("Chinese name")}
    names = {field: checked_text(InputError, field, value, label=labels[field], limit=NAME_MAX,
                                 blank=_("{field} is required.").format(field=labels[field]))
             for field, value in (("name_en", name_en), ("name_zh", name_zh))}
    for field, value in names.items():
        column = getattr(model, field)
        clash = session.scalar(select(model).where(func.lower(column) == value.lower(), model.id != (record_id or -1)))
        if clash is not None:
            raise InputError(field, _("{field} “{name}” is already used.").format(field=labels[field], name=value))
    return names["name_en"], names["name_zh"]


def _unique_code(session: Session, model: type, code: str) -> None:
    if session.scalar(select(model.id).where(model.code == code)) is not None:
        raise InputError("code", _("Code “{code}” is already used.").format(code=code))


def _locked(session: Session, model: type, key: int, version: int, gone: str, stale: str):
    """The row to change, locked; refused when it is gone or someone saved it since `version` was read."""
    row = session.get(model, key, with_for_update=True)
    if row is None:
        raise InputError("id", gone)
    if row.version != version:
        raise InputError(STALE, stale)
    return row


def create_department(session: Session, *, actor: CurrentUser, name_en: str, name_zh: str,
                      code: str = "") -> Department:
    """Add a department (admin only); the code is derived from the English name when empty."""
    require(actor, "admin.manage")
    name_en, name_zh = _names(session, Department, name_en=name_en, name_zh=name_zh, record_id=None)
    code = _code(code, name_en)
    _unique_code(session, Department, code)
    department = Department(code=code, name_en=name_en, name_zh=name_zh, active=True)
    session.add(department)
    session.flush()
    return department


def update_department(session: Session, *, actor: CurrentUser, department_id: int, version: int,
                      name_en: str, name_zh: str, active: bool) -> Department:
    """Rename or (de)activate a department; an active category's default department stays active."""
    require(actor, "admin.manage")
    department = _locked(session, Department, department_id, version, _("That department no longer exists."),
                         _("Someone else changed this department meanwhile. Reload and try again."))
    name_en, name_zh = _names(session, Department, name_en=name_en, name_zh=name_zh, record_id=department.id)
    if not active and department.active:
        defaults = session.scalars(select(ComplaintCategory.name_en).where(
            ComplaintCategory.default_department_id == department.id, ComplaintCategory.active)).all()
        if defaults:
            raise InputError("active", _("This department handles the categories {categories} by default: "
                                         "choose another default department for them first.").format(
                categories=", ".join(defaults)))
    department.name_en, department.name_zh, department.active = name_en, name_zh, active
    session.flush()
    return department


def _sort_order(value: int) -> int:
    if not isinstance(value, int) or not 0 <= value <= SORT_ORDER_MAX:
        raise InputError("sort_order", _("Sort order: a whole number from 0 to {max}.").format(max=SORT_ORDER_MAX))
    return value


def _default_department(session: Session, department_id: int | None, current: int | None = None) -> int:
    """A category's handling department: it must exist and be active (unless it is the one it already has)."""
    department = session.get(Department, department_id) if department_id is not None else None
    if department is None or (not department.active and department_id != current):
        raise InputError("default_department_id", _("Default department: choose an active department."))
    return department.id


def create_category(session: Session, *, actor: CurrentUser, name_en: str, name_zh: str,
                    default_department_id: int | None, sort_order: int = 0, code: str = "") -> ComplaintCategory:
    """Add a complaint category with its default handling department (admin only)."""
    require(actor, "admin.manage")
    name_en, name_zh = _names(session, ComplaintCategory, name_en=name_en, name_zh=name_zh, record_id=None)
    code = _code(code, name_en)
    department_id = _default_department(session, default_department_id)
    sort_order = _sort_order(sort_order)
    _unique_code(session, ComplaintCategory, code)
    category = ComplaintCategory(code=code, name_en=name_en, name_zh=name_zh, default_department_id=department_id,
                                 sort_order=sort_order, active=True)
    session.add(category)
    session.flush()
    return category


def update_category(session: Session, *, actor: CurrentUser, category_id: int, version: int, name_en: str,
                    name_zh: str, default_department_id: int | None, sort_order: int,
                    active: bool) -> ComplaintCategory:
    """Change a complaint category's names, default department, place in lists, or retire it."""
    require(actor, "admin.manage")
    category = _locked(session, ComplaintCategory, category_id, version, _("That category no longer exists."),
                       _("Someone else changed this category meanwhile. Reload and try again."))
    name_en, name_zh = _names(session, ComplaintCategory, name_en=name_en, name_zh=name_zh, record_id=category.id)
    department_id = _default_department(session, default_department_id, current=category.default_department_id)
    category.name_en, category.name_zh, category.default_department_id = name_en, name_zh, department_id
    category.sort_order, category.active = _sort_order(sort_order), active
    session.flush()
    return category


def update_sla_limit(session: Session, *, actor: CurrentUser, grade: int, version: int, first_reply_hours: int,
                     resolution_working_days: int) -> SlaLimit:
    """Set the first-reply time (hours) and resolution time (working days) of one complaint grade."""
    require(actor, "admin.manage")
    low, high = FIRST_REPLY_HOURS
    if not isinstance(first_reply_hours, int) or not low <= first_reply_hours <= high:
        raise InputError("first_reply_hours", _("First reply: a whole number of hours from {low} to {high}.")
                         .format(low=low, high=high))
    low, high = RESOLUTION_DAYS
    if not isinstance(resolution_working_days, int) or not low <= resolution_working_days <= high:
        raise InputError("resolution_working_days",
                         _("Resolution: a whole number of working days from {low} to {high}.").format(low=low,
                                                                                                    high=high))
    limit = _locked(session, SlaLimit, grade, version, _("There is no grade {grade}.").format(grade=grade),
                    _("Someone else changed the limits of grade {grade} meanwhile. Reload and try again.")
                    .format(grade=grade))
    limit.first_reply_hours, limit.resolution_working_days = first_reply_hours, resolution_working_days
    session.flush()
    return limit

"""Automations on saved views (Airtable's "when a record matches conditions"), as people make and keep them: watch a
saved view — when a record enters it, or every morning as a digest of what is in it — and tell a user, a role, a
department, or the person in one of the record's user fields, with a message template over the record's fields
("{reference} is overdue, handler {handler}").

Who may: supervisors for the complaints area (views they see: their own and shared ones), admins for any table's
views; checked here. The scan that runs them is portal/notifications/watch.py.
"""
from __future__ import annotations

import importlib
import string
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from db.models import ROLES, Department, SavedView, User
from db.notification_models import ScanRun, ViewAutomation, ViewAutomationMember, ViewAutomationScan
from portal.access.auth import ROLE_LABELS, CurrentUser, PermissionDenied, can
from portal.errors import STALE, InputError
from portal.i18n import N_, _, current_language
from portal.records.fields import FieldType, TableSpec, get_spec

# the modules that register each area's tables with the records layer (by name: this shared package imports no area)
SPEC_MODULES = ("portal.retailers.table", "portal.complaints.table", "portal.training.tables",
                "portal.incidents.records")
ENTER, DIGEST = "enter", "digest"
TRIGGERS = {ENTER: N_("when a record enters the view"), DIGEST: N_("every morning, a digest of what is in it")}
RECIPIENT_KINDS = {"user": N_("a user"), "role": N_("everyone with a role"), "department": N_("a department"),
                   "field": N_("the person in a field of the record")}
SUPERVISED_TABLES = frozenset({"complaints"})  # what supervisors may automate (admins: every table)
TEMPLATE_LIMIT = 500


def spec_of(table: str) -> TableSpec:
    """The records layer's description of `table` (its area's module imported first)."""
    for module in SPEC_MODULES:
        importlib.import_module(module)
    return get_spec(table)


def may_automate(actor: CurrentUser | None, table: str) -> bool:
    """Whether `actor` may make automations on views of `table`: admins any, supervisors the complaints area."""
    return can(actor, "admin.manage") or (table in SUPERVISED_TABLES and can(actor, "complaints.supervise"))


def _require(actor: CurrentUser | None, table: str) -> None:
    if not may_automate(actor, table):
        raise PermissionDenied("automations.manage")


def watchable_views(session: Session, *, actor: CurrentUser) -> list[SavedView]:
    """The saved views `actor` may watch: their own and shared ones, of tables they may automate."""
    views = session.scalars(select(SavedView).where(or_(SavedView.owner_id == actor.id, SavedView.shared))
                            .order_by(SavedView.table_name, SavedView.name))
    return [v for v in views if may_automate(actor, v.table_name)]


# --- the template ----------------------------------------------------------------------------------------------

def template_names(spec: TableSpec) -> dict[str, str]:
    """The names a template may use -> the field they show: every field's name, and a user or link field's name
    without "_id" ({handler} for handler_id)."""
    names = {f.name: f.name for f in spec.fields}
    for f in spec.fields:
        if f.type in (FieldType.USER, FieldType.LINK) and f.name.endswith("_id"):
            names.setdefault(f.name.removesuffix("_id"), f.name)
    return names


def template_fields(spec: TableSpec, template: str) -> list[str]:
    """The fields `template` shows, in order; InputError naming what is wrong (a missing field, a stray brace)."""
    template = template.strip()
    if not template:
        raise InputError("template", _("Write the message."))
    if len(template) > TEMPLATE_LIMIT:
        raise InputError("template", _("At most {limit} characters (this has {length}).")
                         .format(limit=TEMPLATE_LIMIT, length=len(template)))
    if "\x00" in template:
        raise InputError("template", _("The message cannot hold a NUL character."))
    names, used = template_names(spec), []
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        raise InputError("template", _("A brace is not closed: name a field as {reference}; write {{ or }} for a "
                                       "brace itself.")) from None
    for _literal, name, spec_text, conversion in parts:
        if name is None:
            continue
        if name not in names:
            raise InputError("template", _("The message names “{name}”, but {table} have no such field.")
                             .format(name=name, table=_(spec.label)))
        if spec_text or conversion:
            raise InputError("template", _("Write a field as {{{name}}}, without “:” or “!”.").format(name=name))
        used.append(names[name])
    return list(dict.fromkeys(used))


# --- making, listing, switching, deleting -------------------------------------------------------------------------

@dataclass(frozen=True)
class AutomationRow:
    """An automation as its list shows it."""

    automation: ViewAutomation
    view_name: str
    recipient_label: str


def _recipient(session: Session, spec: TableSpec, kind: str, recipient: str) -> str:
    """The recipient as stored; InputError when it names nobody."""
    if kind not in RECIPIENT_KINDS:
        raise InputError("recipient_kind", _("Choose whom to tell."))
    recipient = str(recipient or "").strip()
    if kind == "user" and recipient.isdigit() and session.get(User, int(recipient)) is not None:
        return recipient
    if kind == "role" and recipient in ROLES:
        return recipient
    if kind == "department" and recipient.isdigit() and session.get(Department, int(recipient)) is not None:
        return recipient
    if kind == "field" and spec.has_field(recipient) and spec.field(recipient).type is FieldType.USER:
        return recipient
    raise InputError("recipient", _("Choose whom to tell."))


def create_automation(session: Session, *, actor: CurrentUser, view_id: int, trigger: str, recipient_kind: str,
                      recipient: str, template: str) -> ViewAutomation:
    """Watch a saved view the actor sees (their own or a shared one) of a table they may automate."""
    view = session.get(SavedView, view_id)
    if view is None or not (view.owner_id == actor.id or view.shared):
        raise InputError("view", _("This view no longer exists."))
    _require(actor, view.table_name)
    if trigger not in TRIGGERS:
        raise InputError("trigger", _("Choose when to tell."))
    spec = spec_of(view.table_name)
    if trigger == ENTER and "updated_at" not in spec.model.__table__.c:
        raise InputError("trigger", _("{table} keep no time of their last change: watch them with a morning digest.")
                         .format(table=_(spec.label)))
    template_fields(spec, template)
    automation = ViewAutomation(view_id=view.id, table_name=view.table_name, owner_id=actor.id, trigger=trigger,
                                recipient_kind=recipient_kind,
                                recipient=_recipient(session, spec, recipient_kind, recipient),
                                template=template.strip())
    session.add(automation)
    session.flush()
    return automation


def list_automations(session: Session, *, actor: CurrentUser) -> list[AutomationRow]:
    """The automations the actor may manage (admins: all; supervisors: the complaints area's), newest first."""
    rows = session.execute(select(ViewAutomation, SavedView.name)
                           .join(SavedView, SavedView.id == ViewAutomation.view_id)
                           .order_by(ViewAutomation.id.desc())).all()
    users = dict(session.execute(select(User.id, User.name)).all())
    name = Department.name_zh if current_language() == "zh_CN" else Department.name_en
    departments = {str(i): n for i, n in session.execute(select(Department.id, name)).all()}
    shown = []
    for automation, view_name in rows:
        if not may_automate(actor, automation.table_name):
            continue
        kind, who = automation.recipient_kind, automation.recipient
        if kind == "user":
            label = users.get(int(who), who)
        elif kind == "department":
            label = departments.get(who, who)
        elif kind == "role":
            label = _(ROLE_LABELS.get(who, who))
        else:
            spec = spec_of(automation.table_name)
            label = _(spec.field(who).label) if spec.has_field(who) else who
        shown.append(AutomationRow(automation, view_name, label))
    return shown


def _locked(session: Session, actor: CurrentUser, automation_id: int, version: int) -> ViewAutomation:
    automation = session.get(ViewAutomation, automation_id, with_for_update=True)
    if automation is None:
        raise InputError("automation", _("This automation no longer exists."))
    _require(actor, automation.table_name)
    if automation.version != version:
        raise InputError(STALE, _("Someone else changed this automation meanwhile. Reload and try again."))
    return automation


def set_automation_enabled(session: Session, *, actor: CurrentUser, automation_id: int, version: int,
                           enabled: bool) -> ViewAutomation:
    """Switch an automation on or off (refused when stale)."""
    automation = _locked(session, actor, automation_id, version)
    if enabled and not automation.enabled:  # switched on again: start afresh (what changed meanwhile is not news)
        session.execute(delete(ViewAutomationScan).where(ViewAutomationScan.automation_id == automation.id))
        session.execute(delete(ViewAutomationMember).where(ViewAutomationMember.automation_id == automation.id))
    automation.enabled = bool(enabled)
    session.flush()
    return automation


def delete_automation(session: Session, *, actor: CurrentUser, automation_id: int, version: int) -> None:
    """Remove an automation (its members and scan state go with it, and its last run from the admin's list)."""
    session.delete(_locked(session, actor, automation_id, version))
    session.execute(delete(ScanRun).where(ScanRun.scan == f"view:{automation_id}"))
    session.flush()


@dataclass(frozen=True)
class RecipientChoices:
    """Whom an automation on a table may tell, for the page's pickers: value -> label (in the reader's language)."""

    users: dict[str, str]
    roles: dict[str, str]
    departments: dict[str, str]
    fields: dict[str, str]


def recipient_choices(session: Session, *, actor: CurrentUser, table: str) -> RecipientChoices:
    """The active users, the roles, the active departments and the table's user fields (automation makers only)."""
    _require(actor, table)
    spec = spec_of(table)
    users = {str(i): f"{n} ({s})" for i, n, s in session.execute(
        select(User.id, User.name, User.staff_id).where(User.active).order_by(User.staff_id))}
    name = Department.name_zh if current_language() == "zh_CN" else Department.name_en
    departments = {str(i): n for i, n in session.execute(select(Department.id, name).where(Department.active)
                                                         .order_by(Department.id))}
    return RecipientChoices(users, {r: _(ROLE_LABELS[r]) for r in ROLES}, departments,
                            {f.name: _(f.label) for f in spec.fields if f.type is FieldType.USER})

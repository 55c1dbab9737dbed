"""Saved views: named search/filter/sort/column states per table, personal or shared (supervisors share).

The default view a grid opens with: the user's own default, else the table's shared default, else the
table's built-in default.

Who changes a view (updates it in place, renames it): a personal view only its owner (nobody else sees it); a shared
view its owner and supervisors, and, unless it is locked, anyone who works with the table (`views.edit_shared`: not
the read-only roles), like Airtable's collaborative views. Deleting a shared view, locking it and making it
everyone's default stay with its owner and supervisors. An update in place is version-checked.
"""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models import AuditLog, SavedView, User
from portal.access.auth import CurrentUser, can, require
from portal.i18n import _, fmt_datetime
from portal.records.fields import TableSpec
from portal.records.validation import FieldError, RecordInputError
from portal.records.view import ViewState

SHARE = "views.share"
EDIT_SHARED = "views.edit_shared"  # update or rename a shared view that is not locked
MAX_NAME = 80


def _refuse(field: str, message: str) -> RecordInputError:
    return RecordInputError([FieldError(field, message)])


def visible_views(session: Session, *, actor: CurrentUser, spec: TableSpec) -> list[SavedView]:
    """The actor's own views and every shared view of the table, shared ones first, then by name."""
    require(actor, spec.view_permission)
    stmt = (select(SavedView).where(SavedView.table_name == spec.name,
                                    or_(SavedView.owner_id == actor.id, SavedView.shared))
            .order_by(SavedView.shared.desc(), SavedView.name))
    return list(session.scalars(stmt))


def _clear_default(session: Session, spec: TableSpec, actor: CurrentUser, shared: bool) -> None:
    """Unmark the current default (the actor's personal one, or the table's shared one)."""
    stmt = select(SavedView).where(SavedView.table_name == spec.name, SavedView.is_default,
                                   SavedView.shared.is_(shared))
    if not shared:
        stmt = stmt.where(SavedView.owner_id == actor.id)
    for view in session.scalars(stmt):
        view.is_default = False
    session.flush()


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise _refuse("name", _("Give the view a name."))
    if len(name) > MAX_NAME:
        raise _refuse("name", _("At most {limit} characters (this has {length}).").format(limit=MAX_NAME,
                                                                                         length=len(name)))
    return name


def save_view(session: Session, *, actor: CurrentUser, spec: TableSpec, name: str, state: ViewState,
              shared: bool = False, is_default: bool = False, locked: bool = False) -> SavedView:
    """Save the current view under `name` as a view of yours (saving an existing name of yours replaces it); a
    shared one may be `locked` (only you and supervisors then change it)."""
    require(actor, spec.view_permission)
    name = _clean_name(name)
    if shared and not can(actor, SHARE):
        raise _refuse("shared", _("Only supervisors may share views."))
    view = session.scalar(select(SavedView).where(SavedView.table_name == spec.name,
                                                  SavedView.owner_id == actor.id, SavedView.name == name))
    if is_default:
        _clear_default(session, spec, actor, shared)
    if view is None:
        view = SavedView(table_name=spec.name, owner_id=actor.id, name=name)
        session.add(view)
    view.state, view.shared, view.is_default, view.locked = state.to_json(), shared, is_default, shared and locked
    session.flush()
    return view


def manages(actor: CurrentUser, view: SavedView) -> bool:
    """Whether `actor` owns the view, or is a supervisor and it is shared (delete, lock, everyone's default)."""
    return view.owner_id == actor.id or (view.shared and can(actor, SHARE))


def may_change(actor: CurrentUser, view: SavedView) -> bool:
    """Whether `actor` may update `view` in place or rename it (see the module's docstring)."""
    return manages(actor, view) or (view.shared and not view.locked and can(actor, EDIT_SHARED))


def _for_update(session: Session, view_id: int) -> SavedView:
    view = session.get(SavedView, view_id, with_for_update=True)
    if view is None:
        raise _refuse("view", _("This view no longer exists."))
    return view


def _own_or_shared_managed(session: Session, actor: CurrentUser, view_id: int) -> SavedView:
    view = _for_update(session, view_id)
    if not manages(actor, view):
        raise _refuse("view", _("Only its owner or a supervisor may do that to this view."))
    return view


def _last_changed_by(session: Session, view: SavedView) -> str:
    """“by 张华 2026-12-06 16:05”: who last changed the view and when, from the audit log."""
    row = session.execute(
        select(User.name, AuditLog.at).outerjoin(User, User.id == AuditLog.actor_id)
        .where(AuditLog.table_name == SavedView.__tablename__, AuditLog.record_id == str(view.id))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(1)).first()
    who, when = (row.name, row.at) if row else (None, None)
    return _("by {who} {when}").format(who=who or _("someone else"), when=fmt_datetime(when) if when else "").strip()


def _changeable(session: Session, actor: CurrentUser, view_id: int, version: int) -> SavedView:
    """The view, locked for the change; refused unless `actor` may change it and it is still at `version`."""
    view = _for_update(session, view_id)
    if not may_change(actor, view):
        if view.shared and view.locked:
            raise _refuse("view", _("“{name}” is locked: only its owner or a supervisor changes it. Save your "
                                    "version as a new view.").format(name=view.name))
        raise _refuse("view", _("Only its owner may change this view."))
    if view.version != version:
        raise _refuse("view", _("“{name}” was changed {by} after you opened it. Nothing was saved: open it again "
                                "to see their version, or save yours as a new view.").format(
            name=view.name, by=_last_changed_by(session, view)))
    return view


def update_view(session: Session, *, actor: CurrentUser, spec: TableSpec, view_id: int, version: int,
                state: ViewState) -> SavedView:
    """Save `state` into an existing view in place ("update this view"), if it is still at `version`."""
    require(actor, spec.view_permission)
    view = _changeable(session, actor, view_id, version)
    if view.table_name != spec.name:
        raise _refuse("view", _("This view belongs to another table."))
    view.state = state.to_json()
    session.flush()
    return view


def rename_view(session: Session, *, actor: CurrentUser, view_id: int, version: int, name: str) -> SavedView:
    """Give an existing view a new name (refused when its owner already has a view of that name)."""
    view = _changeable(session, actor, view_id, version)
    name = _clean_name(name)
    clash = session.scalar(select(SavedView.id).where(SavedView.table_name == view.table_name, SavedView.id != view.id,
                                                      SavedView.owner_id == view.owner_id, SavedView.name == name))
    if clash is not None:
        raise _refuse("name", _("There is already a view called “{name}”.").format(name=name))
    view.name = name
    session.flush()
    return view


def lock_view(session: Session, *, actor: CurrentUser, view_id: int, locked: bool) -> SavedView:
    """Lock a shared view (only its owner and supervisors then change it), or unlock it."""
    view = _own_or_shared_managed(session, actor, view_id)
    if locked and not view.shared:
        raise _refuse("view", _("Only shared views are locked: a personal view is yours alone anyway."))
    view.locked = locked
    session.flush()
    return view


def delete_view(session: Session, *, actor: CurrentUser, view_id: int) -> None:
    """Remove a saved view (yours; supervisors may also remove shared ones, locked or not)."""
    session.delete(_own_or_shared_managed(session, actor, view_id))
    session.flush()


def set_default_view(session: Session, *, actor: CurrentUser, spec: TableSpec, view_id: int | None) -> None:
    """Make a view your default (a shared view: everyone's default; supervisors only); None clears yours."""
    require(actor, spec.view_permission)
    if view_id is None:
        _clear_default(session, spec, actor, shared=False)
        return
    view = _own_or_shared_managed(session, actor, view_id)
    if view.shared and not can(actor, SHARE):
        raise _refuse("shared", _("Only supervisors may set the default view for everyone."))
    _clear_default(session, spec, actor, view.shared)
    view.is_default = True
    session.flush()


def default_view(session: Session, *, actor: CurrentUser, spec: TableSpec) -> SavedView | None:
    """The view a grid opens with when the URL says nothing: the actor's default, else the shared default."""
    stmt = (select(SavedView).where(SavedView.table_name == spec.name, SavedView.is_default,
                                    or_(SavedView.owner_id == actor.id, SavedView.shared))
            .order_by((SavedView.owner_id == actor.id).desc(), SavedView.shared))
    return session.scalars(stmt.limit(1)).first()

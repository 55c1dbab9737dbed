"""Saved views: named search/filter/sort/column states per table, personal or shared (supervisors share).

The default view a grid opens with: the user's own default, else the table's shared default, else the
table's built-in default.
"""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models import SavedView
from portal.access.auth import CurrentUser, can, require
from portal.i18n import _
from portal.records.fields import TableSpec
from portal.records.validation import FieldError, RecordInputError
from portal.records.view import ViewState

SHARE = "views.share"


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


def save_view(session: Session, *, actor: CurrentUser, spec: TableSpec, name: str, state: ViewState,
              shared: bool = False, is_default: bool = False) -> SavedView:
    """Save the current view under `name` (saving an existing name of yours replaces it)."""
    require(actor, spec.view_permission)
    name = " ".join(name.split())
    if not name:
        raise _refuse("name", _("Give the view a name."))
    if len(name) > 80:
        raise _refuse("name", _("At most {limit} characters (this has {length}).").format(limit=80, length=len(name)))
    if shared and not can(actor, SHARE):
        raise _refuse("shared", _("Only supervisors may share views."))
    view = session.scalar(select(SavedView).where(SavedView.table_name == spec.name,
                                                  SavedView.owner_id == actor.id, SavedView.name == name))
    if is_default:
        _clear_default(session, spec, actor, shared)
    if view is None:
        view = SavedView(table_name=spec.name, owner_id=actor.id, name=name)
        session.add(view)
    view.state, view.shared, view.is_default = state.to_json(), shared, is_default
    session.flush()
    return view


def _own_or_shared_managed(session: Session, actor: CurrentUser, view_id: int) -> SavedView:
    view = session.get(SavedView, view_id, with_for_update=True)
    if view is None:
        raise _refuse("view", _("This view no longer exists."))
    if view.owner_id != actor.id and not (view.shared and can(actor, SHARE)):
        raise _refuse("view", _("Only its owner may change this view."))
    return view


def delete_view(session: Session, *, actor: CurrentUser, view_id: int) -> None:
    """Remove a saved view (yours; supervisors may also remove shared ones)."""
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

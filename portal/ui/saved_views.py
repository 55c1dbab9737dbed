"""The “Views” popover: open a saved view, save the current one (shared by supervisors, maybe locked), set a default;
and beside it, when the view shown was changed since it was opened, “modified — update this view / revert”."""
from __future__ import annotations

import streamlit as st

from db.engine import unit_of_work
from db.models import SavedView
from portal.access.auth import CurrentUser, can
from portal.i18n import _, pgettext
from portal.notifications.automations import may_automate
from portal.records.fields import TableSpec
from portal.records.validation import RecordInputError
from portal.records.view import ViewState
from portal.records.views import (
    SHARE,
    delete_view,
    lock_view,
    manages,
    may_change,
    rename_view,
    save_view,
    set_default_view,
    update_view,
    visible_views,
)
from portal.ui import view_layout
from portal.ui.forms import guarded_callback
from portal.ui.grid import flash
from portal.ui.nav import page_link
from portal.ui.text import plain
from portal.ui.view_state import key, modified_since_opened, opened_view, read_view, write_view


def _label(view: SavedView) -> str:
    marks = [_("shared")] if view.shared else []
    if view.locked:
        marks.append(pgettext("saved view", "locked"))
    if view.is_default:
        marks.append(_("default for everyone") if view.shared else _("my default"))
    return view.name + (f" ({', '.join(marks)})" if marks else "")


def _open(spec: TableSpec, views: dict[int, SavedView], view_id: int | None = None) -> None:
    """Show a saved view (the picked one, or `view_id`: “revert” opens the view again as it is saved)."""
    chosen = views[view_id if view_id is not None else st.session_state[key(spec, "views.pick")]]
    write_view(ViewState.from_json(spec, chosen.state))
    opened_view(spec, chosen.id, chosen.version, chosen.name, chosen.state)


def _forget_opened(spec: TableSpec) -> None:
    st.session_state.pop(key(spec, "view_opened"), None)
    st.session_state.pop(key(spec, "view_name"), None)


def _save_as_new(s, spec: TableSpec, user: CurrentUser) -> None:
    view, _ignored = read_view(spec)
    shared = bool(st.session_state.get(key(spec, "views.shared")))
    saved = save_view(s, actor=user, spec=spec, name=st.session_state.get(key(spec, "views.name"), ""), state=view,
                      shared=shared, locked=shared and bool(st.session_state.get(key(spec, "views.locked"))),
                      is_default=bool(st.session_state.get(key(spec, "views.default"))))
    opened_view(spec, saved.id, saved.version, saved.name, saved.state)
    flash(_("View “{name}” saved.").format(name=plain(saved.name)))


def _update_opened(s, spec: TableSpec, user: CurrentUser) -> None:
    view, _ignored = read_view(spec)
    view_id, version, _signature = st.session_state[key(spec, "view_opened")]
    saved = update_view(s, actor=user, spec=spec, view_id=view_id, version=version, state=view)
    opened_view(spec, saved.id, saved.version, saved.name, saved.state)
    flash(_("View “{name}” updated.").format(name=plain(saved.name)))


@guarded_callback
def _act(spec: TableSpec, user: CurrentUser, action: str, version: int | None = None) -> None:
    view_id = st.session_state.get(key(spec, "views.pick"))
    try:
        with unit_of_work(user.id) as s:
            if action == "save":
                _save_as_new(s, spec, user)
            elif action == "update":
                _update_opened(s, spec, user)
            elif action == "rename" and view_id is not None and version is not None:
                renamed = rename_view(s, actor=user, view_id=view_id, version=version,
                                      name=st.session_state.get(key(spec, f"views.rename.{view_id}"), ""))
                if (st.session_state.get(key(spec, "view_opened")) or (None,))[0] == view_id:
                    opened_view(spec, renamed.id, renamed.version, renamed.name, renamed.state)
                flash(_("View renamed."))
            elif action == "lock" and view_id is not None:
                locked = lock_view(s, actor=user, view_id=view_id,
                                   locked=bool(st.session_state.get(key(spec, f"views.lock.{view_id}"))))
                flash(_("View locked.") if locked.locked else _("View unlocked."))
            elif action == "default" and view_id is not None:
                set_default_view(s, actor=user, spec=spec, view_id=view_id)
                flash(_("Default view set."))
            elif action == "delete" and view_id is not None:
                delete_view(s, actor=user, view_id=view_id)
                st.session_state.pop(key(spec, "views.pick"), None)
                if (st.session_state.get(key(spec, "view_opened")) or (None,))[0] == view_id:
                    _forget_opened(spec)
                flash(_("View deleted."))
    except RecordInputError as exc:
        st.session_state[key(spec, "views.problem")] = "; ".join(e.message for e in exc.errors)
        st.session_state[key(spec, "views.toast")] = True  # (also seen when the popover is closed: update, revert)
        return
    st.session_state.pop(key(spec, "views.problem"), None)


def _picked_view_tools(spec: TableSpec, user: CurrentUser, views: dict[int, SavedView]) -> None:
    """Open, make default, delete, rename and lock the picked view (each offered to who may do it)."""
    picked = views[st.session_state[key(spec, "views.pick")]]
    with st.container(horizontal=True):
        st.button(_("Open"), key=key(spec, "views.open"), on_click=_open, args=(spec, views), type="primary")
        if manages(user, picked) and (can(user, SHARE) or not picked.shared):
            st.button(_("Make default"), key=key(spec, "views.make_default"), on_click=_act,
                      args=(spec, user, "default"))
        if manages(user, picked):
            st.button(_("Delete"), key=key(spec, "views.delete"), on_click=_act, args=(spec, user, "delete"))
    if may_change(user, picked):
        with st.container(horizontal=True, vertical_alignment="bottom"):
            st.text_input(pgettext("saved view", "New name"), value=picked.name, max_chars=80,
                          key=key(spec, f"views.rename.{picked.id}"))
            st.button(pgettext("saved view", "Rename"), key=key(spec, "views.rename"), on_click=_act,
                      args=(spec, user, "rename", picked.version))
    if picked.shared and manages(user, picked):
        st.toggle(_("Locked: only its owner and supervisors change it"), value=picked.locked,
                  key=key(spec, f"views.lock.{picked.id}"), on_change=_act, args=(spec, user, "lock"))
    elif picked.shared and picked.locked:
        st.caption(_("Locked: only its owner and supervisors change it. You can save a copy of your own below."))
    if may_automate(user, spec.name):  # watch the picked view: portal/notifications/automations.py
        page_link(user, "pages/automations.py", label=_("Notify me or someone when a record enters this view"),
                  icon=":material/bolt:", query_params={"view": str(picked.id)})


def _modified_bar(spec: TableSpec, user: CurrentUser, views: dict[int, SavedView]) -> None:
    """“Modified — update this view / revert”, beside the popover, while the view differs from the saved one."""
    opened = views[st.session_state[key(spec, "view_opened")][0]]
    with st.container(horizontal=True, vertical_alignment="center", gap="small", width="content"):
        st.caption(pgettext("saved view", "Modified"))
        if may_change(user, opened):
            st.button(_("Update this view"), key=key(spec, "views.update"), on_click=_act,
                      args=(spec, user, "update"), icon=":material/save:", type="tertiary")
        st.button(pgettext("saved view", "Revert"), key=key(spec, "views.revert"), on_click=_open,
                  args=(spec, views, opened.id), icon=":material/undo:", type="tertiary")


def views_popover(spec: TableSpec, user: CurrentUser) -> None:
    """Saved views of this table that the user sees, saving the current view, and the grid's layout popover."""
    with unit_of_work(user.id) as s:
        views = {v.id: v for v in visible_views(s, actor=user, spec=spec)}
    view, _ignored = read_view(spec)
    if (st.session_state.get(key(spec, "view_opened")) or (None,))[0] not in views:  # deleted, or no longer shared
        _forget_opened(spec)
    current, modified = st.session_state.get(key(spec, "view_name")), modified_since_opened(spec, view)
    marked = " · " + pgettext("saved view", "modified") if modified else ""
    label = plain(current) + marked if current else _("Views")
    with st.popover(label, icon=":material/bookmarks:", key=key(spec, "views_popover")):
        if views:
            st.selectbox(_("Saved views"), list(views), format_func=lambda i: _label(views[i]),
                         key=key(spec, "views.pick"))
            _picked_view_tools(spec, user, views)
        else:
            st.caption(_("No saved views yet."))
        st.divider()
        st.text_input(_("Save the current view as"), key=key(spec, "views.name"), max_chars=80,
                      help=_("A new view of yours; your own view of that name is replaced."))
        if can(user, SHARE):
            st.checkbox(_("Share with everyone"), key=key(spec, "views.shared"))
            st.checkbox(_("Lock it: only I and supervisors change it"), key=key(spec, "views.locked"), value=True,
                        disabled=not st.session_state.get(key(spec, "views.shared")))
        st.checkbox(_("Open with this view by default"), key=key(spec, "views.default"))
        st.button(_("Save as a new view"), key=key(spec, "views.save"), on_click=_act, args=(spec, user, "save"),
                  icon=":material/bookmark_add:")
        if problem := st.session_state.get(key(spec, "views.problem")):
            st.error(plain(problem))
    if st.session_state.pop(key(spec, "views.toast"), False):
        st.toast(plain(st.session_state[key(spec, "views.problem")]), icon=":material/block:")
    if modified:
        _modified_bar(spec, user, views)
    view_layout.layout_popover(spec, view)

"""The “Views” popover: open a saved view, save the current one (shared by supervisors), set a default."""
from __future__ import annotations

import streamlit as st

from db.engine import unit_of_work
from db.models import SavedView
from portal.access.auth import CurrentUser, can
from portal.i18n import _
from portal.notifications.automations import may_automate
from portal.records.fields import TableSpec
from portal.records.validation import RecordInputError
from portal.records.view import ViewState
from portal.records.views import SHARE, delete_view, save_view, set_default_view, visible_views
from portal.ui.forms import guarded_callback
from portal.ui.grid import flash
from portal.ui.nav import page_link
from portal.ui.text import plain
from portal.ui.view_state import key, read_view, write_view


def _label(view: SavedView) -> str:
    marks = [_("shared")] if view.shared else []
    if view.is_default:
        marks.append(_("default for everyone") if view.shared else _("my default"))
    return view.name + (f" ({', '.join(marks)})" if marks else "")


def _open(spec: TableSpec, views: dict[int, SavedView]) -> None:
    chosen = views[st.session_state[key(spec, "views.pick")]]
    write_view(ViewState.from_json(spec, chosen.state))
    st.session_state[key(spec, "view_name")] = chosen.name


@guarded_callback
def _act(spec: TableSpec, user: CurrentUser, action: str) -> None:
    view_id = st.session_state.get(key(spec, "views.pick"))
    try:
        with unit_of_work(user.id) as s:
            if action == "save":
                view, _ignored = read_view(spec)
                name = st.session_state.get(key(spec, "views.name"), "")
                save_view(s, actor=user, spec=spec, name=name, state=view,
                          shared=bool(st.session_state.get(key(spec, "views.shared"))),
                          is_default=bool(st.session_state.get(key(spec, "views.default"))))
                st.session_state[key(spec, "view_name")] = " ".join(name.split())
                flash(_("View “{name}” saved.").format(name=plain(" ".join(name.split()))))
            elif action == "default" and view_id is not None:
                set_default_view(s, actor=user, spec=spec, view_id=view_id)
                flash(_("Default view set."))
            elif action == "delete" and view_id is not None:
                delete_view(s, actor=user, view_id=view_id)
                st.session_state.pop(key(spec, "views.pick"), None)
                flash(_("View deleted."))
    except RecordInputError as exc:
        st.session_state[key(spec, "views.problem")] = "; ".join(e.message for e in exc.errors)
        return
    st.session_state.pop(key(spec, "views.problem"), None)


def views_popover(spec: TableSpec, user: CurrentUser) -> None:
    """Saved views of this table that the user sees, and saving the current view."""
    with unit_of_work(user.id) as s:
        views = {v.id: v for v in visible_views(s, actor=user, spec=spec)}
    current = st.session_state.get(key(spec, "view_name"))
    label = plain(current) if current else _("Views")
    with st.popover(label, icon=":material/bookmarks:", key=key(spec, "views_popover")):
        if views:
            st.selectbox(_("Saved views"), list(views), format_func=lambda i: _label(views[i]),
                         key=key(spec, "views.pick"))
            with st.container(horizontal=True):
                st.button(_("Open"), key=key(spec, "views.open"), on_click=_open, args=(spec, views), type="primary")
                st.button(_("Make default"), key=key(spec, "views.make_default"), on_click=_act,
                          args=(spec, user, "default"))
                st.button(_("Delete"), key=key(spec, "views.delete"), on_click=_act, args=(spec, user, "delete"))
            if may_automate(user, spec.name):  # watch the picked view: portal/notifications/automations.py
                page_link(user, "pages/automations.py", label=_("Notify me or someone when a record enters this view"),
                          icon=":material/bolt:", query_params={"view": str(st.session_state[key(spec, "views.pick")])})
        else:
            st.caption(_("No saved views yet."))
        st.divider()
        st.text_input(_("Save the current view as"), key=key(spec, "views.name"), max_chars=80)
        if can(user, SHARE):
            st.checkbox(_("Share with everyone"), key=key(spec, "views.shared"))
        st.checkbox(_("Open with this view by default"), key=key(spec, "views.default"))
        st.button(_("Save view"), key=key(spec, "views.save"), on_click=_act, args=(spec, user, "save"),
                  icon=":material/bookmark_add:")
        if problem := st.session_state.get(key(spec, "views.problem")):
            st.error(plain(problem))

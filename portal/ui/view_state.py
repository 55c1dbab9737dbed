"""A grid's view state lives in the URL (`st.query_params`): read it, change it, seed widgets from it.

Widgets never hold the truth: their callbacks write the URL, and every run reads the URL back, so a link
(or a saved view) reproduces exactly what a grid shows.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.records.fields import TableSpec
from portal.records.view import PARAM_KEYS, ViewState
from portal.records.views import default_view

MAX_CURSORS = 50  # remembered page boundaries per view (keyset paging)


def key(spec: TableSpec, name: str) -> str:
    """A widget or session key of this table's grid."""
    return f"{spec.name}.{name}"


def read_view(spec: TableSpec) -> tuple[ViewState, list[str]]:
    """The view the URL describes, and what in it was ignored."""
    params = {k: st.query_params.get_all(k) if k == "f" else st.query_params.get(k, "") for k in PARAM_KEYS}
    return ViewState.from_params(spec, params)


def write_view(view: ViewState) -> None:
    """Make the URL describe `view` (other query parameters are left alone)."""
    params = view.to_params()
    for name in PARAM_KEYS:
        if name in params:
            st.query_params[name] = params[name]
        elif name in st.query_params:
            del st.query_params[name]


def update_view(spec: TableSpec, **changes: Any) -> None:
    """Callback helper: the current URL view with `changes` (back to page 1 unless the page changes)."""
    view, _ignored = read_view(spec)
    write_view(view.with_(**changes))


def current_view(spec: TableSpec, user: CurrentUser) -> tuple[ViewState, list[str]]:
    """The view to show: the URL's; on a first visit with a bare URL, the user's default saved view."""
    opened = key(spec, "opened")
    if not st.session_state.get(opened):
        st.session_state[opened] = True
        if not any(name in st.query_params for name in PARAM_KEYS):
            with unit_of_work(user.id) as s:
                saved = default_view(s, actor=user, spec=spec)
                if saved is not None:
                    write_view(ViewState.from_json(spec, saved.state))
                    opened_view(spec, saved.id, saved.version, saved.name, saved.state)
    return read_view(spec)


def opened_view(spec: TableSpec, view_id: int, version: int, name: str, state: dict) -> None:
    """Remember the saved view the grid now shows (as its link spells it), to tell when the view was changed."""
    st.session_state[key(spec, "view_name")] = name
    spelled = ViewState.from_params(spec, ViewState.from_json(spec, state).to_params())[0]
    st.session_state[key(spec, "view_opened")] = (view_id, version, spelled.signature())


def modified_since_opened(spec: TableSpec, view: ViewState) -> bool:
    """Whether `view` differs from the saved view it was opened from (its page aside)."""
    opened = st.session_state.get(key(spec, "view_opened"))
    return opened is not None and opened[2] != view.signature()


def seed(widget_key: str, value: Any) -> None:
    """Show `value` in a widget (before it is drawn), unless it shows it already."""
    if st.session_state.get(widget_key) != value:
        st.session_state[widget_key] = value


def cursor(spec: TableSpec, view: ViewState) -> tuple[tuple | None, tuple | None]:
    """(after, before) keys for keyset paging, when the neighbouring page of this view was seen."""
    seen = st.session_state.get(key(spec, "cursors"), {}).get(view.signature(), {})
    after = seen.get(view.page - 1, (None, None))[1]
    before = None if after else seen.get(view.page + 1, (None, None))[0]
    return after, before


def remember_cursor(spec: TableSpec, view: ViewState, first: tuple | None, last: tuple | None) -> None:
    """Keep a page's first and last sort keys, so its neighbours can be read by keyset."""
    if first is None:
        return
    store = st.session_state.setdefault(key(spec, "cursors"), {})
    pages = store.setdefault(view.signature(), {})
    pages[view.page] = (first, last)
    if len(pages) > MAX_CURSORS:
        pages.pop(next(iter(pages)))
    while len(store) > 5:  # only the last few views
        store.pop(next(iter(store)))

"""A page's working part as a Streamlit fragment: a click inside it (filter, search, sort, page, inline edit) reruns
that part alone, not the entry point, the menu, the bell and the rest of the page.

A run of the part alone does what the entry point does for a whole run (streamlit_app.py), so nothing is lost by
skipping it: the user is read from the database again (a demoted or signed-out user's next click already runs with
what the database says) and must still hold the page's permission; texts are in their language; a button's action
that did not reach the database says so; a domain refusal is shown and recorded; when the database does not answer,
the part says so in its place, keeps what was typed and offers Retry.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from portal.access.auth import CurrentUser, PermissionDenied
from portal.i18n import _
from portal.ui import forms, grid
from portal.ui.session import page_user, refuse, use_language


def _alone() -> bool:
    """Whether this run is of fragments only (the entry point did not run)."""
    ctx = get_script_run_ctx()
    return bool(ctx and ctx.fragment_ids_this_run)


def page_part(permission: str) -> Callable[[Callable[[CurrentUser], None]], Callable[[], None]]:
    """Decorate `draw(user)`, the part of a page that holds its grid and controls, drawn for users with
    `permission`; call the result where the part goes."""
    def decorate(draw: Callable[[CurrentUser], None]) -> Callable[[], None]:
        @st.fragment
        @functools.wraps(draw)
        def part() -> None:
            if not _alone():  # a whole run: the entry point guards it
                user = page_user(permission)
                grid.leave_if_opened()
                draw(user)
                return
            use_language(st.session_state.get("user"))
            try:
                forms.show_failed_callback()
                user = page_user(permission)
                grid.leave_if_opened()  # (a click that leaves the page does not wait for it to be drawn again)
                try:
                    draw(user)
                except PermissionDenied as refused:
                    refuse(user, f"action:{refused.args[0] if refused.args else '?'}",
                           _("You do not have permission to do that."))
            except forms.UNREACHABLE:
                forms.database_did_not_answer(retry_key="_forms.retry_part", page_failed=True)
            finally:
                forms.end_of_run()
        return part
    return decorate

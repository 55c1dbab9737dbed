"""A page's working part as a Streamlit fragment: a click inside it (filter, search, sort, page, inline edit) reruns
that part alone, not the entry point, the menu, the bell and the rest of the page.

A part may hold a smaller one (`within=`): a grid's rows, bulk bar and pager, so that paging, ticking rows and an
inline edit rerun those alone, not the toolbar and its popovers above them. A widget in the smaller part whose
change shows above it too (a sort, a bulk change) reruns the whole part instead (portal/ui/part_rerun.py).

Rows first: a grid page draws its title, then an empty container for the toolbar, then the rows, and fills the
toolbar last. The screen is laid out as before, but a search, filter or sort (a run of the whole part) sends the new
rows before the ~80 elements of the toolbar and its popovers: they reach the screen 20–40 ms sooner.

The first part of a run of parts alone does what the entry point does for a whole run (streamlit_app.py), so
nothing is lost by skipping it: the user is read from the database again (a demoted or signed-out user's next click
already runs with what the database says) and must still hold the page's permission; texts are in their language;
a button's action that did not reach the database says so. In every run, each part shows a domain refusal (and
records it) and, when the database does not answer, says so in its place, keeps what was typed and offers Retry —
Streamlit shows any exception that leaves a fragment as a traceback, so none may leave one.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from portal.access.auth import PermissionDenied
from portal.i18n import _
from portal.ui import forms, grid
from portal.ui.part_rerun import DRAWING
from portal.ui.session import page_user, refuse, use_language


def _fragments_alone() -> bool:
    """Whether this run is of fragments only (the entry point did not run)."""
    ctx = get_script_run_ctx()
    return bool(ctx and ctx.fragment_ids_this_run)


def page_part(permission: str, *, within: Callable[..., None] | None = None
              ) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Decorate `draw(user, *args)`, a part of a page drawn for users with `permission`; call the result with
    `*args` where the part goes. `within`: the part this one is drawn in (its whole part)."""
    def decorate(draw: Callable[..., None]) -> Callable[..., None]:
        part_key = f"part.{Path(draw.__code__.co_filename).stem}.{draw.__qualname__}"  # e.g. part.retailers.rows
        whole = getattr(within, "part_key", part_key)

        @st.fragment(key=part_key)
        @functools.wraps(draw)
        def part(*args, **kwargs) -> None:
            enclosing = DRAWING.get()
            top = enclosing is None and _fragments_alone()  # this part begins a run of parts alone
            try:
                if top:
                    use_language(st.session_state.get("user"))
                    forms.show_failed_callback()
                user = enclosing[1] if enclosing else page_user(permission)
                grid.leave_if_opened()  # (a click that leaves the page does not wait for it to be drawn again)
                token = DRAWING.set((whole, user))
                try:
                    draw(user, *args, **kwargs)
                except PermissionDenied as refused:
                    refuse(user, f"action:{refused.args[0] if refused.args else '?'}",
                           _("You do not have permission to do that."))
                finally:
                    DRAWING.reset(token)
            except forms.UNREACHABLE:
                forms.database_did_not_answer(retry_key=f"_forms.retry.{part_key}", page_failed=True)
                st.stop()  # (the rest of the run would only say it again)
            finally:
                if top:
                    forms.end_of_run()
        part.part_key = part_key  # type: ignore[attr-defined]
        return part
    return decorate

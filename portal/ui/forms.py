"""Edit-form plumbing shared by pages: a form's starting values, forgetting a form, messages across a rerun.

Widgets in these forms take their starting values from session state (`form_defaults` or `edit_form`, called
right before the form is drawn), never from `value=`. That is the one way a saved form shows its starting values
again in the browser: Streamlit sends a widget's value to the browser only when the script assigned it in the same
run, before drawing the widget. `forget` (and `saved`) can only drop the values (the widgets are already drawn
when a save succeeds, so they cannot be assigned then); on the next run `form_defaults`/`edit_form` find them gone
and assign the starting values, which reach the browser. A widget whose starting value is left to `value=` keeps
showing the saved text after `forget` (the browser keeps its own copy), and sends it again with the next submit.
"""
from __future__ import annotations

from typing import Any, TypeVar

import streamlit as st

from portal.errors import STALE, InputError
from portal.i18n import _
from portal.ui.text import plain

T = TypeVar("T")
_FLASH = "_flash"


def edit_form(prefix: str, row: T, values: dict[str, Any]) -> T:
    """Start or continue editing `row` in the form whose widgets are keyed `prefix + name`.

    Returns the row as the form first read it: while the user edits (the widgets exist), the form keeps
    that row, so the version checked on save is the one the user was looking at. A form that is not on
    screen any more (another record picked, another page visited, `forget`) starts again from `row`.
    """
    state = st.session_state
    if prefix + "read" not in state or not any(prefix + name in state for name in values):
        state[prefix + "read"] = row
        for name, value in values.items():
            state[prefix + name] = value
    return state[prefix + "read"]


def form_defaults(prefix: str, values: dict[str, Any]) -> None:
    """Give a form's widgets (keyed `prefix + name`) their starting values, kept while the user edits; call it on
    every run before drawing the form, so that after `forget` the browser shows these values again."""
    for name, value in values.items():
        st.session_state.setdefault(prefix + name, value)


def forget(prefix: str) -> None:
    """Drop a form's remembered row and widget values (all session keys starting with `prefix`); the next run's
    `form_defaults`/`edit_form` put the starting values back, in the browser too."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix)]:
        del st.session_state[key]


def flash(message: str) -> None:
    """Show `message` as a success at the top of the next run (after `st.rerun`)."""
    st.session_state[_FLASH] = message


def show_flash() -> None:
    message = st.session_state.pop(_FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def saved(message: str, form_prefix: str) -> None:
    """After a successful save: forget the form, say so, and redraw the page with fresh data."""
    forget(form_prefix)
    flash(message)
    st.rerun()


def show_input_error(exc: InputError, form_prefix: str) -> None:
    """Show what was wrong (the input stays on screen); a stale edit also offers to reload the record."""
    st.error(plain(exc), icon=":material/error:")  # a refusal may quote what was typed
    if exc.field == STALE:  # a callback: the next run no longer draws this button, but still forgets the form
        st.button(_("Reload"), key=f"reload_{form_prefix}", icon=":material/refresh:", on_click=forget,
                  args=(form_prefix,))

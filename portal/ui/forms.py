"""Edit-form plumbing shared by pages: a form's starting values, keeping them through a database outage, Retry,
forgetting a form, messages across a rerun.

Widgets in these forms take their starting values from session state (`form_defaults` or `edit_form`, called
right before the form is drawn), never from `value=`. That is the one way a saved form shows its starting values
again in the browser: Streamlit sends a widget's value to the browser only when the script assigned it in the same
run, before drawing the widget. `forget` (and `saved`) can only drop the values (the widgets are already drawn
when a save succeeds, so they cannot be assigned then); on the next run `form_defaults`/`edit_form` find them gone
and assign the starting values, which reach the browser. A widget whose starting value is left to `value=` keeps
showing the saved text after `forget` (the browser keeps its own copy), and sends it again with the next submit.

When the database does not answer: Streamlit drops the value of every widget a run does not draw, so a page that
fails before it draws its form (it reads the database first) would lose what was typed. `database_did_not_answer`
(called by the entry point for a page that failed, and by `show_input_error` next to a form whose save failed)
copies the values of every form drawn in this session (the names given to `form_defaults`/`edit_form`) aside; the
next run that draws the form puts them back, in the browser too (input held elsewhere, such as a grid's edits, is
kept by the function its drawer gave `keep_also`). A save button drawn with `... or retried(key)`
is pressed again by the Retry button, so Retry saves what was kept (`submit_button` draws a form's save button so).
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import psycopg
import streamlit as st
from sqlalchemy import exc as sa_exc

from db.embedded import DatabaseStartError
from portal.errors import STALE, InputError
from portal.i18n import _
from portal.ui import redraw
from portal.ui.text import plain

T = TypeVar("T")
_FLASH = "_flash"
_FIELDS = "_forms.fields"  # form prefix -> names of its value widgets (every form drawn in this session)
_BUTTONS = "_forms.buttons"  # keys of the save buttons drawn with `retried`
_RETRY = "_forms.retry"  # the save button that Retry presses again (lives for the one run after Retry)
_SAVING = "_forms.saving"  # the save button a save that no button started stands for (`saving_as`), while it runs
_KEPT = "·kept"  # prefix + _KEPT: a form's values kept through a run that did not draw it
_FAILED_CALLBACK = "_forms.failed_callback"  # (callback, args, kwargs) of a button's action the database refused
_FAILED_KEPT = "_forms.failed_kept"  # whether typed input was kept when that action failed
_SENT = "·sent"  # prefix + _SENT: values just saved by a form that clears itself in the browser (never kept)
_KEEPERS = "_forms.keepers"  # name -> function that keeps typed input held by something else than a form's widgets

UNREACHABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, DatabaseStartError,
               psycopg.OperationalError, psycopg.InterfaceError)
"""What a unit of work raises when the database does not answer (stopped, restarting, network gone, timed out)."""
REFUSED = (InputError, *UNREACHABLE)
"""What a save may fail with: `except REFUSED as exc: show_input_error(exc, prefix)` says either, next to the form."""


def _register(prefix: str, names) -> None:
    fields = st.session_state.setdefault(_FIELDS, {})
    fields[prefix] = fields.get(prefix, frozenset()) | frozenset(names)


def _restore(prefix: str) -> None:
    """Put back the values kept for this form during an outage (before its widgets are drawn), where its widgets
    lost them; a widget that still has its value (the form stayed on screen) keeps what it shows (and is shown it
    again if the outage took it off the screen: portal/ui/redraw.py)."""
    state = st.session_state
    missing = {name: value for name, value in state.pop(prefix + _KEPT, {}).items() if prefix + name not in state}
    for name, value in missing.items():
        state[prefix + name] = value


def edit_form(prefix: str, row: T, values: dict[str, Any]) -> T:
    """Start or continue editing `row` in the form whose widgets are keyed `prefix + name`.

    Returns the row as the form first read it: while the user edits (the widgets exist), the form keeps
    that row, so the version checked on save is the one the user was looking at. A form that is not on
    screen any more (another record picked, another page visited, `forget`) starts again from `row`; after an
    outage it comes back with the values that were kept.
    """
    state = st.session_state
    _register(prefix, values)
    _restore(prefix)
    if prefix + "read" not in state or not any(prefix + name in state for name in values):
        state[prefix + "read"] = row
        for name, value in values.items():
            state[prefix + name] = value
    return state[prefix + "read"]


def form_defaults(prefix: str, values: dict[str, Any]) -> None:
    """Give a form's widgets (keyed `prefix + name`) their starting values, kept while the user edits; call it on
    every run before drawing the form, so that after `forget` the browser shows these values again (and after an
    outage, the values that were kept)."""
    _register(prefix, values)
    _restore(prefix)
    for name, value in values.items():
        st.session_state.setdefault(prefix + name, value)


def keep_values(prefix: str, names: Iterable[str]) -> None:
    """For a form whose widgets (keyed `prefix + name`) take their starting values from `value=`/`index=` rather than
    `form_defaults`: call it before drawing the form, so that their values are kept through an outage."""
    names = tuple(names)
    _register(prefix, names)
    _restore(prefix)


def submit_button(label: str, *, key: str | None = None, form: str | None = None, **kwargs) -> bool:
    """`st.form_submit_button` that says True also on the run after Retry was pressed for it (see `retried`).
    Without `key`, give the `form`'s key: the button gets the key Streamlit gives an unkeyed one
    ("FormSubmitter:form-label")."""
    key = key or f"FormSubmitter:{form}-{label}"
    return st.form_submit_button(label, key=key, **kwargs) or retried(key)


def retried(key: str) -> bool:
    """Whether this run is the Retry of the save button `key` (after the database did not answer); every save
    button calls it on every run (`submit_button` does), so that Retry knows which one was pressed."""
    state = st.session_state
    buttons = state.setdefault(_BUTTONS, set())
    buttons.add(key)
    if state.get(_RETRY) == key:
        del state[_RETRY]
        return True
    return False


def end_of_run() -> None:
    """Called by the entry point after every run: a Retry presses its save button in the next run only; the run
    after an outage gives its widgets their values back, the one after that no longer (portal/ui/redraw.py)."""
    st.session_state.pop(_RETRY, None)
    redraw.end_of_run()


redraw.install()


def keep_also(name: str, keep: Callable[[], bool]) -> None:
    """Have `keep_typed_input` also call `keep` (for this session): for typed input that is not held in a form's
    widgets, such as a records grid's pending edits (`grid.keep_edits`). `keep` copies it aside for the next run
    that draws it and says whether anything is kept."""
    st.session_state.setdefault(_KEEPERS, {})[name] = keep


def keep_typed_input() -> bool:
    """Copy every form's values aside (not values it just saved), whatever `keep_also` asked to keep, and the other
    widgets' values (portal/ui/redraw.py), for the next run that draws them; says whether anything is kept."""
    state = st.session_state
    kept = False
    for keep in list(state.get(_KEEPERS, {}).values()):
        kept = keep() or kept
    fields = state.get(_FIELDS, {})
    for prefix, names in fields.items():
        sent = state.get(prefix + _SENT, {})
        values = {n: state[prefix + n] for n in names if prefix + n in state}
        values = {n: v for n, v in values.items() if n not in sent or sent[n] != v}
        if values:
            state[prefix + _KEPT] = {**state.get(prefix + _KEPT, {}), **values}
        kept = kept or prefix + _KEPT in state
    form_fields = {prefix + name for prefix, names in fields.items() for name in names}
    redraw.keep(form_fields.__contains__)  # every other widget's value (not "typed input": not said to be kept)
    return kept


_DRAWN = "_forms.drawn."  # _DRAWN + prefix: how many times a self-clearing form was drawn anew (`refill`)


def drawn_prefix(prefix: str) -> str:
    """The key prefix under which the widgets of the form `prefix` are drawn now: `prefix` itself, or after `refill`
    a prefix of their own (under `prefix`, so `forget(prefix)` drops them too). A form drawn with
    `clear_on_submit=True` reads and draws its widgets under this prefix."""
    drawn = st.session_state.get(_DRAWN + prefix, 0)
    return f"{prefix}{drawn}~" if drawn else prefix


def refill(prefix: str, values: dict[str, Any]) -> str:
    """After a refused save of a form drawn with `clear_on_submit=True`: the browser emptied it at the click, and the
    widgets it emptied do not take a value back. So the form is drawn anew, under a new `drawn_prefix`, holding
    `values` (and emptying itself at the next click as before). Returns that prefix."""
    state = st.session_state
    before = drawn_prefix(prefix)
    state.get(_FIELDS, {}).pop(before, None)  # (the widgets drawn under it are gone with this run)
    state.pop(before + _KEPT, None)
    state[_DRAWN + prefix] = state.get(_DRAWN + prefix, 0) + 1
    now = drawn_prefix(prefix)
    for name, value in values.items():
        state[now + name] = value
    return now


def cleared_in_browser(prefix: str, values: dict[str, Any]) -> None:
    """After a successful save of a form drawn with `clear_on_submit=True`: the browser emptied it at the click (and
    keeps what is typed after), so the values stay as they are on the server; they must never be kept or sent
    again."""
    st.session_state[prefix + _SENT] = dict(values)


def _pressed_save() -> str | None:
    state = st.session_state
    return state.pop(_SAVING, None) or next((key for key in state.get(_BUTTONS, ())
                                              if key in state and state[key] is True), None)


def saving_as(key: str, save: Callable[[], T]) -> T:
    """Run `save`, which no button started (a grid cell saved as soon as it is left), as if the save button `key`
    was pressed: when the database does not answer, Retry presses `key` again (`retried(key)` is then true)."""
    st.session_state[_SAVING] = key
    result = save()
    st.session_state.pop(_SAVING, None)
    return result


def _press_again(key: str | None) -> None:
    if key is not None:
        st.session_state[_RETRY] = key


def database_did_not_answer(*, retry_key: str, page_failed: bool) -> None:
    """Say that the database did not answer, keep every form's values and offer Retry (which repeats the save that
    was pressed, if one was). `page_failed`: the page could not be drawn (said by the entry point)."""
    kept = keep_typed_input()
    if page_failed and _FAILED_CALLBACK in st.session_state:  # a tap's action failed first: its Retry runs it again
        show_failed_callback()
        return
    pending = _pressed_save() or st.session_state.pop(_RETRY, None)
    if page_failed and not kept:  # (a form that keeps nothing, such as sign-in, is not promised anything)
        message = _("The database did not answer, so this page cannot be shown now.")
    elif page_failed:
        message = _("The database did not answer, so this page cannot be shown now. What you typed in its forms "
                    "is kept (files to attach must be chosen again).")
    else:
        message = _("The database did not answer, so this was not saved. What you typed is kept.")
    message += " " + (_("Press Retry once the database is back: Retry saves it.") if pending else
                      _("Press Retry in a moment."))
    st.warning(message, icon=":material/cloud_off:")
    st.button(_("Retry"), key=retry_key, icon=":material/refresh:", on_click=_press_again, args=(pending,))


def guarded_callback(callback: Callable[..., None]) -> Callable[..., None]:
    """For a button's `on_click` (or a widget's `on_change`) that writes: Streamlit runs it before the page, outside
    the entry point's care, so when the database does not answer it is noted instead, and `show_failed_callback`
    says so at the top of the page, with a Retry that runs it again."""
    @functools.wraps(callback)
    def run(*args, **kwargs) -> None:
        try:
            callback(*args, **kwargs)
        except UNREACHABLE:
            st.session_state[_FAILED_KEPT] = keep_typed_input()
            st.session_state[_FAILED_CALLBACK] = (run, args, kwargs)
    return run


def _run_again(run: Callable[..., None], args: tuple, kwargs: dict) -> None:
    run(*args, **kwargs)


def show_failed_callback() -> None:
    """Called by the entry point before the page: say that a button's action did not reach the database."""
    failed = st.session_state.pop(_FAILED_CALLBACK, None)
    kept = st.session_state.pop(_FAILED_KEPT, False)
    if failed is not None:  # (a tap, such as "Mark read", promises nothing about typed input when none was kept)
        said = (_("The database did not answer, so this was not saved. What you typed is kept.") if kept
                else _("The database did not answer, so this was not saved."))
        st.warning(said + " " + _("Press Retry once the database is back: Retry saves it."),
                   icon=":material/cloud_off:")
        st.button(_("Retry"), key="_forms.retry_callback", icon=":material/refresh:", on_click=_run_again,
                  args=failed)


def live_part(draw: Callable[..., None]) -> Callable[..., None]:
    """For a part of a page that redraws itself (under `@st.fragment(run_every=...)`): when the database does not
    answer, it says so in its place and tries again at its next redraw; the forms beside it keep what is typed."""
    @functools.wraps(draw)
    def drawn(*args, **kwargs) -> None:
        try:
            draw(*args, **kwargs)
        except UNREACHABLE:
            keep_typed_input()  # (its own widgets, such as a log's filters, come back with their values)
            st.warning(_("The database did not answer; this part is shown again at its next refresh."),
                       icon=":material/cloud_off:")
    return drawn


def forget(prefix: str) -> None:
    """Drop a form's remembered row and widget values (all session keys starting with `prefix`); the next run's
    `form_defaults`/`edit_form` put the starting values back, in the browser too (a form drawn anew by `refill` is
    drawn under `prefix` again)."""
    st.session_state.pop(_DRAWN + prefix, None)
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


def show_input_error(exc: Exception, form_prefix: str) -> None:
    """Show why a save was refused, next to the form (the input stays on screen): what was wrong (a stale edit also
    offers to reload the record), or that the database did not answer (with Retry)."""
    if isinstance(exc, UNREACHABLE):
        database_did_not_answer(retry_key=form_prefix + "retry", page_failed=False)
        return
    st.error(plain(exc), icon=":material/error:")  # a refusal may quote what was typed
    if isinstance(exc, InputError) and exc.field == STALE:  # a callback: the next run no longer draws this button,
        st.button(_("Reload"), key=f"reload_{form_prefix}", icon=":material/refresh:", on_click=forget,  # but still
                  args=(form_prefix,))  # forgets the form

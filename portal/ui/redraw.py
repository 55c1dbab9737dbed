"""After an outage, every keyed widget comes back with the value the user had chosen, and shows it.

A run the database did not answer draws only its message and Retry: the page's widgets leave the screen, and
Streamlit forgets the values of widgets a run did not draw. The run after it draws them again at their defaults: the
incident board's quick log picker was back on the first open incident (the next entry went there), the check-in
list's search was empty, a filter chosen a minute earlier was gone, all without a word. And a widget whose value the
session still holds (a grid's search, seeded from the view) is mounted by the browser at its *default look* unless
the value is assigned anew just before it is drawn: the box was empty while the grid still applied the search.

One mechanism for every page, so that no page has to remember it. `install()` wraps Streamlit's widgets whose value
can be assigned (select boxes, text boxes, toggles, dates…; not buttons, uploaders or grids, whose state cannot):
each keyed one is noted when drawn. When a run finds the database unreachable, `keep` copies the noted widgets'
values aside (`forms.keep_typed_input` calls it); in the run after (`redrawing()`), a widget drawn without a
value gets its kept value back, and one that has a value is told it again, before it is drawn. Widgets bound to the
address (`bind="query-params"`) take their value from it; the fields of the forms registered with `portal.ui.forms`
are kept there (it knows which values a save already took). Any other run is untouched.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

# Streamlit's widgets whose value a page can assign through st.session_state before drawing them.
SETTABLE = ("checkbox", "color_picker", "date_input", "datetime_input", "multiselect", "number_input", "pills",
            "radio", "segmented_control", "select_slider", "selectbox", "slider", "text_area", "text_input",
            "time_input", "toggle")
_MARK = "_portal_redraws"
_SEEN = "_redraw.seen"  # keys of the settable widgets drawn in this session
_KEPT = "_redraw.kept"  # their values when a run found the database unreachable, until the run after it ends
_REDRAW = "_redraw.runs"  # 2 in the run the database did not answer, 1 in the next run, then gone
_NOTHING = object()


def redrawing() -> bool:
    """Whether this run draws again what a run the database did not answer took off the screen."""
    return bool(st.session_state.get(_REDRAW))


def keep(handled_elsewhere: Callable[[str], bool]) -> None:
    """In a run the database did not answer (`forms.keep_typed_input`): copy the values of the widgets drawn so far in
    this session that the session still holds (not those `handled_elsewhere` says another keeper keeps), for the run
    after."""
    state = st.session_state
    state[_REDRAW] = 2
    values = {k: state[k] for k in state.get(_SEEN, ()) if k in state and not handled_elsewhere(k)}
    state[_KEPT] = {**state.get(_KEPT, {}), **values}  # (a second failed run finds fewer: it adds to the first)


def end_of_run() -> None:
    """After every run (`forms.end_of_run`): the run after an outage was the last to redraw; what it kept and did not
    draw is let go."""
    state = st.session_state
    if state.get(_REDRAW, 0) > 1:
        state[_REDRAW] -= 1
    elif state.pop(_REDRAW, None):
        state.pop(_KEPT, None)


def _drawing(key: Any) -> None:
    """Before the keyed widget `key` is drawn: note it; in the run after an outage, give it its kept value (it has
    none) or tell it its value again (the browser shows the default look otherwise)."""
    state = st.session_state
    seen = state.setdefault(_SEEN, set())
    if key not in seen:
        if len(seen) >= 2000:  # (keys made per record or per click: keep those whose widgets still have a value)
            seen.intersection_update(k for k in list(seen) if k in state)
        seen.add(key)
    if not redrawing():
        return
    kept = state.get(_KEPT, {})
    value = kept.pop(key, _NOTHING)  # (once: a page that resets the widget later in the same run is not undone)
    if key in state:
        state[key] = state[key]
    elif value is not _NOTHING:
        state[key] = value


def _redraws(draw: Callable) -> Callable:
    @functools.wraps(draw)
    def drawn(*args, **kwargs):
        if kwargs.get("key") is not None and kwargs.get("bind") is None:
            _drawing(kwargs["key"])
        return draw(*args, **kwargs)

    setattr(drawn, _MARK, True)
    return drawn


def install() -> None:
    """Wrap the settable widgets, in containers (`DeltaGenerator`: columns, sidebar, forms…) and as `st.<widget>`
    (bound to the main container when Streamlit was imported). Once per process; calling it again does nothing."""
    for name in SETTABLE:
        for owner in (DeltaGenerator, st):
            draw = getattr(owner, name)
            if not getattr(draw, _MARK, False):
                setattr(owner, name, _redraws(draw))

"""Which page part a widget is drawn in, so that its callback can rerun the whole of it (portal/ui/page_part.py):
a widget in a grid's smaller part (rows, bulk bar, pager) whose change shows above it too — a sort, a bulk change,
an undo — reruns the whole part instead of the smaller one alone."""
from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    from portal.access.auth import CurrentUser

# the part drawing now: (its whole part's key, the user it runs for); None outside every part
DRAWING: ContextVar[tuple[str, CurrentUser] | None] = ContextVar("page part", default=None)


def whole_part_key() -> str | None:
    """For a widget drawn now: the key of the whole part it is in, for `rerun_whole_part` in its callback."""
    drawing = DRAWING.get()
    return drawing[0] if drawing else None


def rerun_whole_part(part_key: str | None) -> None:
    """Last in a widget's callback: rerun the whole part `part_key` names, not only the smaller part the widget is
    in (nothing when the widget is in no part: the run its change starts is the whole page's anyway)."""
    if part_key:
        st.rerun(part_key)

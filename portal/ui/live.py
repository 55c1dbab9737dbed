"""“Live enough”: under a records grid, a small part that redraws itself every few seconds and says which of the
rows on screen someone changed since the grid drew them — one query of those rows' versions
(portal/records/changes.py), never a new read of the page. Refresh reads the page again, and those rows then show
a “changed” mark in place of their open button's icon, until the grid shows another page or view.
"""
from __future__ import annotations

import os
from typing import Any

import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.i18n import _, fmt_list, pgettext
from portal.records.changes import changed_since
from portal.records.fields import TableSpec
from portal.ui.columns import OPEN
from portal.ui.forms import live_part
from portal.ui.text import plain
from portal.ui.view_state import key

NAMED = 5  # changed rows named in the notice; more are counted
CHANGED_MARK = ":material/update:"


def check_every() -> float:
    """Seconds between checks: 5, or PORTAL_LIVE_CHECK_SECONDS."""
    return float(os.environ.get("PORTAL_LIVE_CHECK_SECONDS") or 5)


def notice(spec: TableSpec, rows: list[dict[str, Any]], changed: list[int]) -> str:
    """“Changed since you opened this page (2): 好又多便利店, 金叶烟酒行.”"""
    titles = {r["id"]: str(r.get(spec.title_field) or f"#{r['id']}") for r in rows}
    named = [titles.get(rid, f"#{rid}") for rid in changed[:NAMED]]
    if len(changed) > NAMED:
        named.append(pgettext("changed rows", "and {n} more").format(n=len(changed) - NAMED))
    return _("Changed since you opened this page ({n}): {rows}.").format(n=len(changed), rows=fmt_list(named))


@st.fragment(run_every=check_every())
@live_part
def changed_rows(spec: TableSpec, user: CurrentUser, rows: list[dict[str, Any]]) -> None:
    """The notice for `rows` as drawn (id, version, title), checked again at each redraw of this part alone."""
    if st.session_state.pop(key(spec, "live.refreshed"), False):
        st.rerun()  # the whole page, not this part alone: the grid reads its page again
    with unit_of_work(user.id) as s:
        changed = changed_since(s, actor=user, spec=spec, seen={r["id"]: r["version"] for r in rows})
    if not changed:
        return
    with st.container(horizontal=True, vertical_alignment="center", key=key(spec, "live")):
        st.info(plain(notice(spec, rows, changed)), icon=":material/update:")
        st.button(pgettext("changed rows", "Refresh"), key=key(spec, "live.refresh"), icon=":material/refresh:",
                  on_click=_refresh, args=(spec, changed))


def _refresh(spec: TableSpec, changed: list[int]) -> None:
    st.session_state[key(spec, "live.marked")] = (st.session_state.get(key(spec, "shown")), set(changed))
    st.session_state[key(spec, "live.refreshed")] = True


def mark_changed(spec: TableSpec, rows: list[dict[str, Any]], frame: pd.DataFrame) -> pd.DataFrame:
    """After a refresh, the rows that had changed carry the changed mark on their open button (same page only)."""
    shown, marked = st.session_state.get(key(spec, "live.marked"), (None, set()))
    if shown != st.session_state.get(key(spec, "shown")):  # another page or view: the marks are done
        st.session_state.pop(key(spec, "live.marked"), None)
    elif OPEN in frame.columns:
        for pos, row in enumerate(rows):
            if row["id"] in marked:
                frame.at[pos, OPEN] = CHANGED_MARK
    return frame

"""“Live enough”: under a records grid, a small part that redraws itself every few seconds and says which of the
rows on screen someone changed since the grid drew them — one query of those rows' versions
(portal/records/changes.py), never a new read of the page. Refresh reads the page again.
"""
from __future__ import annotations

import os
from typing import Any

import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.i18n import _, pgettext
from portal.records.changes import changed_since
from portal.records.fields import TableSpec
from portal.ui.forms import live_part
from portal.ui.text import plain
from portal.ui.view_state import key

NAMED = 5  # changed rows named in the notice; more are counted


def check_every() -> float:
    """Seconds between checks: 5, or PORTAL_LIVE_CHECK_SECONDS."""
    return float(os.environ.get("PORTAL_LIVE_CHECK_SECONDS") or 5)


def notice(spec: TableSpec, rows: list[dict[str, Any]], changed: list[int]) -> str:
    """“Changed since you opened this page (2): 好又多便利店, 金叶烟酒行.”"""
    titles = {r["id"]: str(r.get(spec.title_field) or f"#{r['id']}") for r in rows}
    named = [titles.get(rid, f"#{rid}") for rid in changed[:NAMED]]
    if len(changed) > NAMED:
        named.append(pgettext("changed rows", "and {n} more").format(n=len(changed) - NAMED))
    return _("Changed since you opened this page ({n}): {rows}.").format(n=len(changed), rows=", ".join(named))


@st.fragment(run_every=check_every())
@live_part
def changed_rows(spec: TableSpec, user: CurrentUser, rows: list[dict[str, Any]]) -> None:
    """The notice for `rows` as drawn (id, version, title), checked again at each redraw of this part alone."""
    with unit_of_work(user.id) as s:
        changed = changed_since(s, actor=user, spec=spec, seen={r["id"]: r["version"] for r in rows})
    if not changed:
        return
    with st.container(horizontal=True, vertical_alignment="center", key=key(spec, "live")):
        st.info(plain(notice(spec, rows, changed)), icon=":material/update:")
        if st.button(pgettext("changed rows", "Refresh"), key=key(spec, "live.refresh"), icon=":material/refresh:"):
            st.rerun()  # the whole page part: the grid reads its page again

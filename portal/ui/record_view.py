"""Read-only parts of a record page: header, history (who, when, field, old → new) and linked records."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.i18n import _, fmt_datetime
from portal.records.fields import TableSpec
from portal.records.history import record_history
from portal.records.linked import linked_sections
from portal.ui.text import plain


def history_table(spec: TableSpec, user: CurrentUser, record_id: int) -> None:
    """Every change of the record, newest first, in the reader's language (values shown as text)."""
    with unit_of_work(user.id) as s:
        changes = record_history(s, actor=user, spec=spec, record_id=record_id)
    if not changes:
        st.caption(_("No changes recorded yet."))
        return
    frame = pd.DataFrame({
        _("When"): [fmt_datetime(c.at) for c in changes],
        _("Who"): [c.actor for c in changes],
        _("What"): [c.action for c in changes],
        _("Field"): [c.label for c in changes],
        _("Before"): [c.old for c in changes],
        _("After"): [c.new for c in changes],
    })
    st.dataframe(frame, hide_index=True, alt=_("History of changes"), key=f"{spec.name}.history",
                 height="auto" if len(changes) <= 15 else 460)


def linked_records(spec: TableSpec, user: CurrentUser, record_id: int) -> None:
    """The sections other modules registered for this table (e.g. the customer-manager history)."""
    sections = linked_sections(spec.name, user)
    if not sections:
        st.caption(_("Nothing linked yet."))
    for section in sections:
        st.markdown(f"**{plain(_(section.title))}**")
        with unit_of_work(user.id) as s:
            rows = section.rows(s, user, record_id)
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True, alt=_(section.title),
                         key=f"{spec.name}.linked.{section.key}")
        else:
            st.caption(_(section.empty_text))

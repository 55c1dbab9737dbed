"""Read-only parts of a record page: header, history (who, when, field, old → new) and linked records."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.i18n import _, fmt_datetime
from portal.records.fields import TableSpec
from portal.records.history import record_history
from portal.records.linked import OPENS, LinkedSection, linked_sections, shown_columns
from portal.ui.columns import OPEN
from portal.ui.tables import data_table
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
    data_table(frame, hide_index=True, alt=_("History of changes"), key=f"{spec.name}.history",
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
            _linked_table(spec, section, rows)
        else:
            st.caption(_(section.empty_text))


def _linked_table(spec: TableSpec, section: LinkedSection, rows: list[dict]) -> None:
    """One section's rows; when they name their records, each row has an "open" button to its record page."""
    frame = pd.DataFrame([shown_columns(r) for r in rows])
    click_key = f"{spec.name}.linked.{section.key}.open"
    clickable = section.record_page is not None and all(OPENS in r for r in rows)
    config = {}
    if clickable:
        frame.insert(0, OPEN, ":material/open_in_new:")
        config[OPEN] = st.column_config.ButtonColumn("", key=click_key, type="tertiary", width=40,
                                                     help=_("Open the record"))
    data_table(frame, hide_index=True, alt=_(section.title), column_config=config,
              key=f"{spec.name}.linked.{section.key}")
    click = st.session_state.get(click_key) if clickable else None
    if click is not None:
        st.switch_page(section.record_page, query_params=rows[int(click["row"])][OPENS])

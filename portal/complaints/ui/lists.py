"""A list of complaints with their SLA clocks standing out (overdue red, due soon amber), each one click away."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from db.complaint_models import Complaint
from portal.access.auth import CurrentUser
from portal.center.sla import sla_status
from portal.center.workdays import WorkCalendar
from portal.complaints.display import SLA_MARKS, SLA_STYLES, center_time, sla_level, working_time
from portal.complaints.labels import STATE_LABELS
from portal.i18n import _
from portal.ui.tables import data_table

COMPLAINT_PAGE = "pages/complaint.py"


def clock_cell(c: Complaint, now: datetime, calendar: WorkCalendar) -> tuple[str, str | None]:
    """(text, level) of a complaint's nearest running clock: “overdue 3 h”, “2 h 10 min left”, “paused”."""
    status = sla_status(c, now, calendar)
    level, nxt = sla_level(status), status.next
    if nxt is None:
        return "—", None
    if level == "overdue":
        text = _("overdue by {t}").format(t=working_time(nxt.left))
    elif level == "paused":
        text = _("paused, {t} left").format(t=working_time(nxt.left))
    else:
        text = _("{t} left").format(t=working_time(nxt.left))
    return (f"{SLA_MARKS[level]} {text}" if level in SLA_MARKS else text), level


def why_mine(c: Complaint, actor: CurrentUser) -> str:
    """Why a complaint is on `actor`'s list."""
    reasons = []
    if c.first_contact_owner_id == actor.id:
        reasons.append(_("first-contact owner"))
    if c.handler_id == actor.id:
        reasons.append(_("handler"))
    elif actor.department_id is not None and c.department_id == actor.department_id:
        reasons.append(_("my department"))
    return ", ".join(reasons)


def complaint_table(complaints: list[Complaint], *, actor: CurrentUser, now: datetime, calendar: WorkCalendar,
                    categories: dict[int, str], staff: dict[int, str], key: str) -> None:
    """Draw the complaints (in the order given) with clock, state and who; a click on ↗ opens one."""
    cells = [clock_cell(c, now, calendar) for c in complaints]
    frame = pd.DataFrame({
        "open": [":material/open_in_new:"] * len(complaints),
        "reference": [c.reference + (" ‼" if c.is_major else "") for c in complaints],
        "clock": [text for text, _level in cells],
        "due": [center_time(c.next_due_at) for c in complaints],
        "state": [_(STATE_LABELS[c.state]) for c in complaints],
        "grade": [c.grade for c in complaints],
        "category": [categories.get(c.category_id, "") for c in complaints],
        "complainant": [c.complainant_name for c in complaints],
        "handler": [staff.get(c.handler_id, "") if c.handler_id else "" for c in complaints],
        "why": [why_mine(c, actor) for c in complaints],
        "description": [" ".join(c.description.split())[:80] for c in complaints],
    })
    levels = [level for _text, level in cells]
    styled = frame.style.apply(lambda col: [SLA_STYLES.get(lv or "", "") for lv in levels], subset=["clock"])
    config = {
        "open": st.column_config.ButtonColumn("", key=key + ".open", type="tertiary", width=40,
                                              help=_("Open the complaint")),
        "reference": st.column_config.TextColumn(_("Reference"), help=_("‼ major (grade 1)")),
        "clock": st.column_config.TextColumn(_("Time limit")),
        "due": st.column_config.TextColumn(_("Due (China time)")),
        "state": st.column_config.TextColumn(_("State")),
        "grade": st.column_config.NumberColumn(_("Grade"), width=60),
        "category": st.column_config.TextColumn(_("Category")),
        "complainant": st.column_config.TextColumn(_("Complainant")),
        "handler": st.column_config.TextColumn(_("Handler")),
        "why": st.column_config.TextColumn(_("On my list as")),
        "description": st.column_config.TextColumn(_("Description"), width="large"),
    }
    data_table(styled, column_config=config, hide_index=True, key=key, alt=_("Complaints"),
              height="auto" if len(complaints) <= 20 else 640)
    click = st.session_state.get(key + ".open")
    if click is not None and int(click["row"]) < len(complaints):
        st.switch_page(COMPLAINT_PAGE, query_params={"id": str(complaints[int(click["row"])].id)})

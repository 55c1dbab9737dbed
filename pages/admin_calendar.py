"""Admin · Working-day calendar: public holidays and make-up working days (调休) that SLA clocks use."""
from datetime import date, datetime

import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from portal.center.workdays import (
    calendar_confirmation,
    calendar_exceptions,
    confirm_calendar,
    ensure_calendar,
    load_calendar,
    set_calendar_day,
)
from portal.center_time import now, today
from portal.errors import InputError
from portal.i18n import _, fmt_date, fmt_datetime, fmt_weekday
from portal.ui.forms import (
    REFUSED,
    form_defaults,
    guarded_callback,
    saved,
    show_flash,
    show_input_error,
    submit_button,
)
from portal.ui.session import page_user
from portal.ui.tables import data_table
from portal.ui.text import plain

user = page_user("admin.manage")
KINDS = {False: _("Day off"), True: _("Make-up working day")}
SOURCES = {"library": _("Holiday library"), "admin": _("Admin")}
st.title(_("Working-day calendar"))
st.caption(_("Monday to Friday are working days, except the days off below; the make-up working days below are "
             "weekend days that count as working days."))
show_flash()

this_year = today().year
year = st.selectbox(_("Year"), [this_year, this_year + 1], key="calendar_year", width=200)
with unit_of_work(user.id) as s:
    ensure_calendar(s, [year])  # a year the server has not seeded yet (e.g. after New Year)
    days = calendar_exceptions(s, year)
    calendar = load_calendar(s)
    confirmed = calendar_confirmation(s, year)


@guarded_callback
def _confirm(year: int) -> None:
    with unit_of_work(user.id) as s:
        confirm_calendar(s, actor=user, year=year, at=now())


if confirmed is None:
    warn, act = st.columns([4, 1], vertical_alignment="center")
    warn.warning(_("Not confirmed yet: the days off and make-up days of {year} below are the holiday library's "
                   "guess until the official notice is out (usually in November). Check them against it, correct "
                   "what differs, then confirm.").format(year=year), icon=":material/event_busy:")
    act.button(_("Confirm {year}").format(year=year), key=f"calendar_confirm_{year}", icon=":material/verified:",
               on_click=_confirm, args=(year,))
else:
    st.caption(_("Confirmed against the official notice by {name} on {time}.").format(
        name=plain(confirmed.get("by_name", "")), time=fmt_datetime(datetime.fromisoformat(confirmed["at"]))))

data_table(
    pd.DataFrame([{"day": d.day, "weekday": fmt_weekday(d.day), "kind": KINDS[d.is_working_day], "name": d.name,
                   "source": SOURCES[d.source]} for d in days], columns=["day", "weekday", "kind", "name", "source"]),
    hide_index=True, key="calendar_table",
    column_config={
        "day": st.column_config.DateColumn(_("Date"), format="YYYY-MM-DD", width="small"),
        "weekday": st.column_config.TextColumn(_("Weekday"), width="small"),
        "kind": st.column_config.TextColumn(_("Kind"), width="small"),
        "name": st.column_config.TextColumn(_("Name"), width="large"),
        "source": st.column_config.TextColumn(_("Source"), width="small"),
    })

set_column, remove_column = st.columns(2)
with set_column:
    prefix = f"calendar_{year}_"
    form_defaults(prefix, {"day": None, "kind": False, "name": ""})
    with st.form(prefix + "form"):
        st.markdown("**" + _("Add or change a day") + "**")
        day = st.date_input(_("Date"), value=None, min_value=date(year, 1, 1), max_value=date(year, 12, 31),
                            key=prefix + "day")
        is_working = st.radio(_("Kind"), list(KINDS), format_func=KINDS.get, key=prefix + "kind", horizontal=True)
        name = st.text_input(_("Name"), key=prefix + "name", placeholder=_("e.g. National Day, 调休上班"))
        submitted = submit_button(_("Save day"), type="primary", key=prefix + "save")
    if submitted:
        try:
            if day is None:
                raise InputError("day", _("Date: choose the day to set."))
            with unit_of_work(user.id) as s:
                set_calendar_day(s, actor=user, day=day, is_working_day=is_working, name=name)
        except REFUSED as exc:
            show_input_error(exc, prefix)
        else:
            saved(_("{day} saved as: {kind}.").format(day=fmt_date(day), kind=KINDS[is_working]), prefix)

with remove_column:
    overrides = [d.day for d in days if d.source == "admin"]
    form_defaults("calendar_remove_", {"day": None})
    with st.form("calendar_remove"):
        st.markdown("**" + _("Remove an admin override") + "**")
        removed = st.selectbox(_("Day"), overrides, format_func=lambda d: f"{fmt_date(d)} · {fmt_weekday(d)}",
                               index=None, placeholder=_("Choose a day set by an admin"), key="calendar_remove_day")
        st.caption(_("The day becomes an ordinary day again: a working day Monday to Friday, off at the weekend."))
        submitted = submit_button(_("Remove"), key="calendar_remove_save")
    if submitted:
        if removed is None:
            st.error(_("Day: choose the override to remove."))
        else:
            with unit_of_work(user.id) as s:
                set_calendar_day(s, actor=user, day=removed, is_working_day=None)
            saved(_("{day} is an ordinary day again.").format(day=fmt_date(removed)), "calendar_remove_")

st.subheader(_("Working-day checker"))
left, middle, right = st.columns(3)
start = left.date_input(_("Start"), value=today(), key="check_start")
n = middle.number_input(_("Working days to add"), min_value=0, max_value=365, value=2, step=1, key="check_days")
result = calendar.add_working_days(start, int(n))
right.metric(_("Due date"), fmt_date(result), fmt_weekday(result), delta_arrow="off", delta_color="off")

"""The calendar layout of a records view (`?as=calendar`): the view's records on a month or a week of the center's
days. Each record is a link to its page; a day with more records than fit says "+N more", which opens that day's
records as a grid.

What is read is portal/records/calendar.py's: the visible days only, a count per day and the first few records of
each day. Where the calendar stands (month or week, and a day in it) is in the URL (`?cal=week&on=2026-12-07`), so
a link shows the same days. Times are the center's (portal/center_time.py), whatever the server's or the browser's
zone.

Drawn with Streamlit's own elements (columns, links): streamlit-calendar (FullCalendar) was tried and left out —
its bundle loads FullCalendar's premium plugins, which print an English "Your license key is invalid" notice on
every calendar unless a premium licence key is given.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import streamlit as st
from babel.dates import format_interval, format_skeleton, get_day_names

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.center_time import today
from portal.i18n import NP_, _, current_language, fmt_date, fmt_number
from portal.inputs import day_in_range, parse_choice, parse_day
from portal.records.calendar import (
    MODES,
    MONTH,
    SHOWN_PER_DAY,
    WEEK,
    CalendarDay,
    CalendarEvent,
    CalendarFields,
    fetch_calendar,
    step,
    visible_days,
)
from portal.records.fields import FieldType, TableSpec
from portal.records.filters import IS, Filter
from portal.records.view import GRID, ViewState
from portal.ui.text import plain
from portal.ui.view_state import key, seed, write_view

CALENDAR = "calendar"  # the layout's name (ViewState.layout)
# the tables that have a calendar, and the date-time field each is placed by (an index on it answers the range)
CALENDARS: dict[str, CalendarFields] = {
    "training_sessions": CalendarFields(start="starts_at", end="ends_at", color="state"),
    "complaints": CalendarFields(start="next_due_at", color="sla"),
    "incidents": CalendarFields(start="started_at", color="status"),
}
MODE_PARAM, DAY_PARAM = "cal", "on"
PALETTE = ("blue", "green", "orange", "violet", "red", "gray")  # Streamlit's colours, for choices without their own
MONTH_LABEL = NP_("calendar", "Month")  # (not the month pickers' "Month")
# a record's link wraps in its day's narrow cell instead of being cut to its first characters
WRAP_LINKS = """<style>
.st-key-{key} [data-testid="stPageLink-NavLink"] {{ height: auto; }}
.st-key-{key} [data-testid="stPageLink-NavLink"] * {{ white-space: normal; overflow: visible; text-overflow: clip; }}
</style>"""


def calendar_layouts() -> dict[str, dict[str, Callable[..., None]]]:
    """This layout's entries for the layout switch's registry (portal/ui/layouts.py): {table: {"calendar": draw}}."""
    return {table: {CALENDAR: show_calendar} for table in CALENDARS}


def choice_colours(spec: TableSpec, fields: CalendarFields) -> dict[str, str]:
    """The colour (a Streamlit colour name) of each value of the colour field, in the choices' order."""
    if fields.color is None or spec.field(fields.color).type is not FieldType.SINGLE_SELECT:
        return {}
    return {c.value: c.color or PALETTE[i % len(PALETTE)] for i, c in enumerate(spec.field(fields.color).choices)}


def event_label(event: CalendarEvent, colours: dict[str, str]) -> str:
    """A record's link text: a dot in its colour, its center time, its title (as typed, never Markdown)."""
    dot = f":{colours.get(event.color or '', 'blue')}[●]"
    return f"{dot} {event.start.strftime('%H:%M')} {plain(event.title or f'#{event.id}')}"


def _position(spec: TableSpec, default_day: date | None) -> tuple[str, date, list[str]]:
    """Month or week, the day the calendar stands on (the URL's, else `default_day`, else today), and what in the
    URL was ignored. A page that moves its own default (the training plan's month) takes the calendar along."""
    given = key(spec, "calendar.default")
    if given in st.session_state and st.session_state[given] != default_day:
        st.query_params.pop(DAY_PARAM, None)
    st.session_state[given] = default_day
    ignored = []
    mode_text, day_text = st.query_params.get(MODE_PARAM, ""), st.query_params.get(DAY_PARAM, "")
    mode = parse_choice(mode_text, MODES) or MONTH
    if mode_text and mode_text != mode:
        ignored.append(_("calendar mode “{text}”").format(text=mode_text))
    day = parse_day(day_text)
    if day_text and day is None:
        ignored.append(_("day “{text}”").format(text=day_text))
    return mode, day or default_day or today(), ignored


def _go_to(day: date) -> None:
    if day_in_range(day):
        st.query_params[DAY_PARAM] = day.isoformat()


def _mode_changed(widget: str) -> None:
    if st.session_state.get(widget) in MODES:  # (a second click on the chosen one deselects it: nothing changes)
        st.query_params[MODE_PARAM] = st.session_state[widget]


def _open_day(view: ViewState, fields: CalendarFields, day: date) -> None:
    """"+N more": the view's records of that center day, as a grid."""
    write_view(view.with_(layout=GRID, filters=(*view.filters, Filter(fields.start, IS, day.isoformat()))))


def _title(mode: str, first: date, end: date, day: date) -> str:
    """"December 2026" / "2026年12月", or the week's first and last day."""
    if mode == MONTH:
        return format_skeleton("yMMMM", day, locale=current_language())
    return format_interval(first, end - timedelta(days=1), "yMMMd", locale=current_language())


def _toolbar(spec: TableSpec, mode: str, day: date, first: date, end: date) -> None:
    """The calendar's title, previous / today / next, and month or week."""
    with st.container(horizontal=True, vertical_alignment="center", key=key(spec, "calendar_bar")):
        st.subheader(_title(mode, first, end, day), anchor=False)
        back, ahead = (_("Previous week"), _("Next week")) if mode == WEEK else (_("Previous month"), _("Next month"))
        st.button(back, icon=":material/chevron_left:", key=key(spec, "calendar_back"), on_click=_go_to,
                  args=(step(mode, day, forward=False),))
        st.button(_("Today"), icon=":material/today:", key=key(spec, "calendar_today"), on_click=_go_to,
                  args=(today(),))
        st.button(ahead, icon=":material/chevron_right:", key=key(spec, "calendar_ahead"), on_click=_go_to,
                  args=(step(mode, day, forward=True),))
        widget = key(spec, "calendar_mode")
        seed(widget, mode)
        st.segmented_control(_("Show"), MODES, key=widget, on_change=_mode_changed, args=(widget,),
                             format_func=lambda m: _(MONTH_LABEL) if m == MONTH else _("Week"),
                             label_visibility="collapsed")


def _day_cell(spec: TableSpec, view: ViewState, fields: CalendarFields, record_page: str, day: date,
              shown: CalendarDay | None, colours: dict[str, str], month: int | None) -> None:
    """One day: its date (today marked, days of the next or previous month greyed), its first records, "+N more"."""
    number = str(day.day)
    if day == today():
        st.markdown(f":primary-badge[{number}]")
    elif month is not None and day.month != month:
        st.caption(number)
    else:
        st.markdown(f"**{number}**")
    if shown is None:
        return
    for event in shown.events:
        st.page_link(record_page, label=event_label(event, colours), query_params={"id": str(event.id)})
    if shown.more:
        st.button(_("+{n} more").format(n=fmt_number(shown.more)), key=key(spec, f"calendar_more.{day.isoformat()}"),
                  type="tertiary", on_click=_open_day, args=(view, fields, day),
                  help=_("Open the {n} records of {day} as a list.").format(n=fmt_number(shown.total),
                                                                          day=fmt_date(day)))


def _legend(spec: TableSpec, fields: CalendarFields, colours: dict[str, str]) -> None:
    if fields.color is None or not colours:
        return
    fld = spec.field(fields.color)
    chips = " ".join(f":{colours[c.value]}-badge[{plain(_(c.label))}]" for c in fld.choices)
    st.markdown(f"{plain(_(fld.label))}: {chips}")


def show_calendar(spec: TableSpec, user: CurrentUser, view: ViewState, record_page: str, *,
                  default_day: date | None = None) -> None:
    """Draw `view` as a calendar (its filters, search and the user's row scope; not its sort: time orders a day)."""
    fields = CALENDARS[spec.name]
    mode, day, ignored = _position(spec, default_day)
    first, end = visible_days(mode, day)
    if ignored:
        st.warning(plain(_("Parts of this link were ignored: {parts}.").format(parts=", ".join(ignored))))
    _toolbar(spec, mode, day, first, end)
    with unit_of_work(user.id) as s:
        shown = fetch_calendar(s, actor=user, spec=spec, view=view, fields=fields, first=first, end=end,
                               per_day=SHOWN_PER_DAY[mode])
    for problem in shown.problems:
        st.warning(plain(_("A filter was ignored: {problem}").format(problem=problem)))
    st.caption(_("{n} records by “{field}” in these days. Each day shows its first {k} by time; “+N more” opens "
                 "the rest as a list.").format(n=fmt_number(shown.total), field=_(spec.field(fields.start).label),
                                      k=SHOWN_PER_DAY[mode]))
    colours = choice_colours(spec, fields)
    weekdays = get_day_names("abbreviated", locale=current_language())
    st.html(WRAP_LINKS.format(key=re.sub(r"[^a-zA-Z0-9_-]", "-", key(spec, "calendar"))))  # (Streamlit's class)
    with st.container(key=key(spec, "calendar")):
        for column, weekday in zip(st.columns(7, gap="small"), range(7), strict=True):
            column.markdown(f"**{weekdays[weekday]}**")
        for week_start in range(first.toordinal(), end.toordinal(), 7):
            for column, ordinal in zip(st.columns(7, gap="small", border=True),
                                       range(week_start, week_start + 7), strict=True):
                with column:
                    cell = date.fromordinal(ordinal)
                    _day_cell(spec, view, fields, record_page, cell, shown.days.get(cell), colours,
                              day.month if mode == MONTH else None)
    _legend(spec, fields, colours)

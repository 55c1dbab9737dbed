"""The calendar layout of a records view (`?as=calendar`): the view's records on a month or a week of the center's
days. Each record links to its page; a day with more records than fit says "+N more", a link to that day's records
as a grid. (Links in Streamlit's Markdown open in a new tab: the calendar stays where it was.)

What is read is portal/records/calendar.py's: the visible days only, a count per day and the first few records of
each day. Where the calendar stands (month or week, and a day in it) is in the URL (`?cal=week&on=2026-12-07`), so
a link shows the same days. Times are the center's (portal/center_time.py), whatever the server's or the browser's
zone.

Drawn as one Markdown table. streamlit-calendar (FullCalendar) was tried and left out: its bundle loads
FullCalendar's premium plugins, which print an English "Your license key is invalid" notice on every calendar unless
a premium licence key is given. Columns of page links were tried too: at five records a day a month is some 250
elements, several times the time of the query.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from urllib.parse import urlencode

import streamlit as st
from babel.dates import format_interval, format_skeleton, get_day_names

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.center_time import today
from portal.i18n import NP_, _, current_language, fmt_labelled, fmt_list, fmt_number
from portal.inputs import day_in_range, parse_choice, parse_day
from portal.records.calendar import (
    MODES,
    MONTH,
    SHOWN_PER_DAY,
    WEEK,
    CalendarEvent,
    CalendarFields,
    CalendarRange,
    fetch_calendar,
    step,
    visible_days,
)
from portal.records.fields import FieldType, TableSpec
from portal.records.filters import IS, Filter
from portal.records.view import GRID, PARAM_KEYS, ViewState
from portal.ui.nav import PAGES
from portal.ui.text import plain
from portal.ui.view_state import key, seed

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
SAME_WIDTH_DAYS = """<style>
.st-key-{key} table {{ table-layout: fixed; width: 100%; }}
.st-key-{key} td, .st-key-{key} th {{ overflow-wrap: anywhere; vertical-align: top; }}
</style>"""


def choice_colours(spec: TableSpec, fields: CalendarFields) -> dict[str, str]:
    """The colour (a Streamlit colour name) of each value of the colour field, in the choices' order."""
    if fields.color is None or spec.field(fields.color).type is not FieldType.SINGLE_SELECT:
        return {}
    return {c.value: c.color or PALETTE[i % len(PALETTE)] for i, c in enumerate(spec.field(fields.color).choices)}


def event_label(event: CalendarEvent, colours: dict[str, str], record_url: str) -> str:
    """A record in its day: a dot in its colour, then its center time and title (as typed, never Markdown) as a link
    to its page."""
    dot = f":{colours.get(event.color or '', 'blue')}[●]"
    return f"{dot} [{event.start.strftime('%H:%M')} {plain(event.title or f'#{event.id}')}]({record_url}?id={event.id})"


def _day_number(day: date, month: int | None) -> str:
    if day == today():
        return f":primary-badge[{day.day}]"
    return f":gray[{day.day}]" if month is not None and day.month != month else f"**{day.day}**"


def calendar_markdown(shown: CalendarRange, *, record_url: str, more_url: Callable[[date], str],
                      colours: dict[str, str], month: int | None) -> str:
    """The visible days as one Markdown table, a column per weekday (Monday first): per week a row of dates, a row
    per record slot (each day's first records by time, as links), and a row of "+N more" links where a day has
    more. One element, however full the month: a page of hundreds of links and widgets would take longer to send
    than the query takes to read."""
    names = get_day_names("abbreviated", locale=current_language())
    lines = ["| " + " | ".join(f"**{names[i]}**" for i in range(7)) + " |", "|" + " :-- |" * 7]
    for week_start in range(shown.first.toordinal(), shown.end.toordinal(), 7):
        days = [date.fromordinal(o) for o in range(week_start, week_start + 7)]
        found = [shown.days.get(d) for d in days]
        lines.append("| " + " | ".join(_day_number(d, month) for d in days) + " |")
        for slot in range(max((len(f.events) for f in found if f), default=0)):
            lines.append("| " + " | ".join(event_label(f.events[slot], colours, record_url)
                                           if f and slot < len(f.events) else " " for f in found) + " |")
        if any(f and f.more for f in found):
            lines.append("| " + " | ".join(f"[{_('+{n} more').format(n=fmt_number(f.more))}]({more_url(d)})"
                                           if f and f.more else " " for d, f in zip(days, found, strict=True))
                         + " |")
    return "\n".join(lines)


def record_url(record_page: str) -> str:
    """The address of a record page (relative: it works behind a proxy's path too)."""
    return next(p.url_path for p in PAGES if p.path == record_page)


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


def day_params(view: ViewState, fields: CalendarFields, day: date, others: dict[str, list[str]]) -> str:
    """"+N more": the URL query of the view's records of that center day as a grid (the page's other parameters
    kept)."""
    grid = view.narrowed(Filter(fields.start, IS, day.isoformat())).with_(layout=GRID)
    kept = {k: v for k, v in others.items() if k not in PARAM_KEYS and k not in (MODE_PARAM, DAY_PARAM)}
    return "?" + urlencode({**kept, **grid.to_params()}, doseq=True)


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


def _legend(spec: TableSpec, fields: CalendarFields, colours: dict[str, str]) -> None:
    if fields.color is None or not colours:
        return
    fld = spec.field(fields.color)
    chips = " ".join(f":{colours[c.value]}-badge[{plain(_(c.label))}]" for c in fld.choices)
    st.markdown(fmt_labelled(plain(_(fld.label)), chips))


def show_calendar(spec: TableSpec, user: CurrentUser, view: ViewState, record_page: str, *,
                  default_day: date | None = None) -> None:
    """Draw `view` as a calendar (its filters, search and the user's row scope; not its sort: time orders a day)."""
    fields = CALENDARS[spec.name]
    mode, day, ignored = _position(spec, default_day)
    first, end = visible_days(mode, day)
    if ignored:
        st.warning(plain(_("Parts of this link were ignored: {parts}.").format(parts=fmt_list(ignored))))
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
    others = {k: st.query_params.get_all(k) for k in st.query_params}
    st.html(SAME_WIDTH_DAYS.format(key=re.sub(r"[^a-zA-Z0-9_-]", "-", key(spec, "calendar"))))  # (Streamlit's class)
    with st.container(key=key(spec, "calendar")):
        st.markdown(calendar_markdown(shown, record_url=record_url(record_page), colours=colours,
                                      more_url=lambda d: day_params(view, fields, d, others),
                                      month=day.month if mode == MONTH else None))
    _legend(spec, fields, colours)

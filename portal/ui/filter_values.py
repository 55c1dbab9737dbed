"""A filter's value on the filter screen: the widget for each field type and operator (dates: a fixed date, a day
relative to today, or a period such as "this week" or "the past 7 days"), what was entered as URL text, and a
filter as people read it.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.i18n import _, fmt_values
from portal.inputs import INT8_MAX, parse_int
from portal.records.fields import NUMBER_TYPES, TIME_TYPES, Field, FieldType, TableSpec
from portal.records.filter_groups import ANY, FilterGroup, Item
from portal.records.filters import BETWEEN, LIST_OPS, NO_VALUE_OPS, WITHIN, Filter, op_label
from portal.records.periods import COUNTED, PERIODS, RELATIVE_DAYS, period_text, period_token
from portal.records.query import values_in_use
from portal.records.validation import Lookups
from portal.ui.view_state import key

FIXED, RELATIVE = "fixed", "relative"
DAYS_AGO, DAYS_AHEAD = "today-", "today+"  # a relative day N days before / after today
DAY_CHOICES = (*RELATIVE_DAYS, DAYS_AGO, DAYS_AHEAD)


@st.cache_data(ttl=300, show_spinner=False)
def _suggestions(table: str, field: str, _user: CurrentUser) -> list[str]:
    from portal.records.fields import get_spec

    with unit_of_work() as s:
        return [str(v) for v in values_in_use(s, actor=_user, spec=get_spec(table), field=field)]


def value_text(field: Field, value: str, lookups: Lookups) -> str:
    """A filter value as people read it (choice labels, staff names, "this week")."""
    if field.type in (FieldType.SINGLE_SELECT, FieldType.MULTI_SELECT) and (c := field.choice(value)):
        return _(c.label)
    if field.type is FieldType.USER and (user_id := parse_int(value)):
        return lookups.user_label(user_id)
    if field.type is FieldType.LINK and field.suggest and (record_id := parse_int(value, high=INT8_MAX)):
        return lookups.link_title(field.link_table or "", record_id)
    if field.type in TIME_TYPES and (named := period_text(value)) != value:  # "this week", "start of this month"
        return named
    if field.type is FieldType.CHECKBOX:
        return _("Yes") if value == "true" else _("No")
    return value


def filter_text(spec: TableSpec, flt: Filter, lookups: Lookups) -> str:
    """“District is any of 城东区, 城西区”."""
    field = spec.field(flt.field)
    text = f"{_(field.label)} {_(op_label(field, flt.op))}"
    if flt.op in NO_VALUE_OPS:
        return text
    values = [value_text(field, str(v), lookups)
              for v in ([flt.value] if isinstance(flt.value, str) else list(flt.value or ()))]
    return f"{text} {' – '.join(values) if flt.op == BETWEEN else fmt_values(values)}"


def item_text(spec: TableSpec, item: Item, lookups: Lookups) -> str:
    """A condition, or a group as “(State is Overdue or Due is within today)”."""
    if not isinstance(item, FilterGroup):
        return filter_text(spec, item, lookups)
    joiner = f" {_('or')} " if item.match == ANY else f" {_('and')} "
    return "(" + joiner.join(filter_text(spec, f, lookups) for f in item.conditions) + ")"


def value_key(spec: TableSpec, name: str, op: str) -> str:
    """The new-filter value widget's key: one per field and operator, so a type change starts afresh."""
    return key(spec, f"nf.value.{name}.{op}")


def _relative_day(k: str) -> str:
    """The relative day chosen ("today", "today-7", …), or ValueError."""
    state = st.session_state
    day = state.get(k + ".day")
    if day in (DAYS_AGO, DAYS_AHEAD):
        n = state.get(k + ".n")
        if not n:
            raise ValueError(_("Enter how many days."))
        return f"{day}{int(n)}"
    if day is None:
        raise ValueError(_("Choose a day."))
    return day


def new_value(spec: TableSpec, field: Field, op: str) -> str | tuple[str, ...] | None:
    """The value(s) entered for a new filter, as URL text; ValueError (for people) when missing."""
    state = st.session_state
    k = value_key(spec, field.name, op)
    if op in NO_VALUE_OPS:
        return None
    if op == WITHIN:
        kind, n = state.get(k), state.get(k + ".n")
        if kind is None or (kind in COUNTED and not n):
            raise ValueError(_("Choose a period."))
        return period_token(kind, int(n) if n else None)
    if field.type in TIME_TYPES and op != BETWEEN and state.get(k + ".kind") == RELATIVE:
        return _relative_day(k)
    if op == BETWEEN:
        ends = state.get(k) if field.type in TIME_TYPES else (state.get(k + ".lo"), state.get(k + ".hi"))
        if not ends or len(ends) != 2 or any(v is None for v in ends):
            raise ValueError(_("Enter both ends of the range."))
        return tuple(_as_text(v) for v in ends)
    value = state.get(k)
    if op in LIST_OPS:
        if not value:
            raise ValueError(_("Choose at least one value."))
        return tuple(_as_text(v) for v in value)
    if isinstance(value, list):  # a multi-select field's "has" / "is exactly" takes several
        value = ",".join(value)
    if value is None or str(value).strip() == "":
        raise ValueError(_("Enter a value."))
    return _as_text(value)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _day_label(token: str) -> str:
    return {DAYS_AGO: _("… days ago"), DAYS_AHEAD: _("in … days")}.get(token) or _(RELATIVE_DAYS[token])


def _date_input(k: str, op: str) -> None:
    """Dates: a period ("is within"), or a fixed date / a day relative to today."""
    label = _("Value")
    if op == WITHIN:
        kind = st.selectbox(_("Period"), list(PERIODS), key=k, format_func=lambda p: _(PERIODS[p]).format(n="N"),
                            help=_("In the center's time zone; weeks start on Monday."))
        if kind in COUNTED:
            st.number_input(_("Number of days (today included)"), min_value=1, max_value=3660, value=7, step=1,
                            key=k + ".n")
        return
    if op == BETWEEN:
        st.date_input(label, value=(), key=k)
        return
    kind = st.segmented_control(_("Day"), [FIXED, RELATIVE], key=k + ".kind", default=FIXED,
                                format_func=lambda v: _("A date") if v == FIXED else _("Relative to today"),
                                label_visibility="collapsed")
    if kind == RELATIVE:
        day = st.selectbox(_("Day"), DAY_CHOICES, key=k + ".day", format_func=_day_label)
        if day in (DAYS_AGO, DAYS_AHEAD):
            st.number_input(_("Number of days"), min_value=1, max_value=3660, value=7, step=1, key=k + ".n")
    else:
        st.date_input(label, value=None, key=k)


def value_input(spec: TableSpec, field: Field, op: str, lookups: Lookups, user: CurrentUser) -> None:
    """The widget for a new filter's value, by field type and operator."""
    k, label = value_key(spec, field.name, op), _("Value")
    if op in NO_VALUE_OPS:
        return
    many = op in LIST_OPS or field.type is FieldType.MULTI_SELECT
    if field.type is FieldType.CHECKBOX:
        st.segmented_control(label, [True, False], format_func=lambda v: _("Yes") if v else _("No"), key=k)
    elif field.type is FieldType.LINK and field.suggest:  # a small linked table: its records are the options
        titles = lookups.link_titles.get(field.link_table or "", {})
        show = lambda v: titles.get(v, f"#{v}")  # noqa: E731
        if many:
            st.multiselect(label, list(titles), format_func=show, key=k)
        else:
            st.selectbox(label, list(titles), format_func=show, key=k)
    elif field.choices or field.type is FieldType.USER:
        options = [c.value for c in field.choices] or list(lookups.users)
        show = (lambda v: _(field.choice(v).label)) if field.choices else lookups.user_label
        if many:
            st.multiselect(label, options, format_func=show, key=k)
        else:
            st.selectbox(label, options, format_func=show, key=k)
    elif field.type in TIME_TYPES:
        _date_input(k, op)
    elif field.type in NUMBER_TYPES and op == BETWEEN:
        low, high = st.columns(2)
        low.number_input(_("From"), value=None, key=k + ".lo")
        high.number_input(_("To"), value=None, key=k + ".hi")
    elif field.type in NUMBER_TYPES and not many:
        st.number_input(label, value=None, key=k)
    elif field.suggest or many:
        options = _suggestions(spec.name, field.name, user) if field.suggest else []
        placeholder = _("Choose or type a value")  # Streamlit's own placeholder is English only
        if many:
            st.multiselect(label, options, accept_new_options=True, key=k, placeholder=placeholder)
        else:
            st.selectbox(label, options, index=None, accept_new_options=True, key=k, placeholder=placeholder)
    else:
        st.text_input(label, key=k)

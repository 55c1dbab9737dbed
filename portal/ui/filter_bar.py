"""The grid's toolbar: quick search, filters (add in a popover, remove as chips), sort, columns, page size.

Every control writes the URL in its callback (portal/ui/view_state.py); nothing here holds state of its own.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.i18n import _
from portal.inputs import INT8_MAX, parse_int
from portal.records.fields import NUMBER_TYPES, TIME_TYPES, Field, FieldType, TableSpec
from portal.records.filters import BETWEEN, LIST_OPS, NO_VALUE_OPS, RELATIVE_DAYS, Filter, op_label, operators
from portal.records.query import values_in_use
from portal.records.validation import Lookups
from portal.records.view import MAX_SORT_LEVELS, PAGE_SIZES, ViewState
from portal.ui.text import plain
from portal.ui.view_state import key, read_view, seed, update_view


@st.cache_data(ttl=300, show_spinner=False)
def _suggestions(table: str, field: str, _user: CurrentUser) -> list[str]:
    from portal.records.fields import get_spec

    with unit_of_work() as s:
        return [str(v) for v in values_in_use(s, actor=_user, spec=get_spec(table), field=field)]


def value_text(field: Field, value: str, lookups: Lookups) -> str:
    """A filter value as people read it (choice labels, staff names)."""
    if field.type in (FieldType.SINGLE_SELECT, FieldType.MULTI_SELECT) and (c := field.choice(value)):
        return _(c.label)
    if field.type is FieldType.USER and (user_id := parse_int(value)):
        return lookups.user_label(user_id)
    if field.type is FieldType.LINK and field.suggest and (record_id := parse_int(value, high=INT8_MAX)):
        return lookups.link_title(field.link_table or "", record_id)
    if field.type in TIME_TYPES and value in RELATIVE_DAYS:
        return _(RELATIVE_DAYS[value])
    if field.type is FieldType.CHECKBOX:
        return _("Yes") if value == "true" else _("No")
    return value


def filter_text(spec: TableSpec, flt: Filter, lookups: Lookups) -> str:
    """“District is any of 城东区, 城西区”."""
    field = spec.field(flt.field)
    text = f"{_(field.label)} {_(op_label(field, flt.op))}"
    if flt.op in NO_VALUE_OPS:
        return text
    values = [flt.value] if isinstance(flt.value, str) else list(flt.value or ())
    joiner = " – " if flt.op == BETWEEN else ", "
    return f"{text} {joiner.join(value_text(field, str(v), lookups) for v in values)}"


def _search(spec: TableSpec) -> None:
    update_view(spec, search=st.session_state[key(spec, "q")].strip())


def _page_size(spec: TableSpec) -> None:
    update_view(spec, page_size=st.session_state[key(spec, "size")])


def _remove_filter(spec: TableSpec, index: int) -> None:
    view, _ignored = read_view(spec)
    update_view(spec, filters=tuple(f for i, f in enumerate(view.filters) if i != index))


def _value_key(spec: TableSpec, name: str, op: str) -> str:
    """The new-filter value widget's key: one per field and operator, so a type change starts afresh."""
    return key(spec, f"nf.value.{name}.{op}")


def _new_value(spec: TableSpec, field: Field, op: str) -> str | tuple[str, ...] | None:
    """The value(s) entered for a new filter, as URL text; ValueError (for people) when missing."""
    state = st.session_state
    k = _value_key(spec, field.name, op)
    if op in NO_VALUE_OPS:
        return None
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


def _add_filter(spec: TableSpec) -> None:
    state = st.session_state
    field = spec.field(state[key(spec, "nf.field")])
    op = state[key(spec, "nf.op")]
    try:
        value = _new_value(spec, field, op)
    except ValueError as exc:
        state[key(spec, "nf.problem")] = str(exc)
        return
    state.pop(key(spec, "nf.problem"), None)
    view, _ignored = read_view(spec)
    update_view(spec, filters=(*view.filters, Filter(field.name, op, value)))


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _value_input(spec: TableSpec, field: Field, op: str, lookups: Lookups, user: CurrentUser) -> None:
    """The widget for a new filter's value, by field type and operator."""
    k, label = _value_key(spec, field.name, op), _("Value")
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
        st.date_input(label, value=() if op == BETWEEN else None, key=k)
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


def add_filter_popover(spec: TableSpec, user: CurrentUser, view: ViewState, lookups: Lookups) -> None:
    """“Filter” popover: choose a field, an operator and a value, then add it."""
    names = [f.name for f in spec.fields if f.filterable and f.may_view(user)]
    title = _("Filter") + (f" ({len(view.filters)})" if view.filters else "")
    with st.popover(title, icon=":material/filter_list:", key=key(spec, "filter_popover")):
        name = st.selectbox(_("Field"), names, format_func=lambda n: _(spec.field(n).label),
                            key=key(spec, "nf.field"))
        field = spec.field(name)
        ops = operators(field)
        if st.session_state.get(key(spec, "nf.op")) not in ops:
            st.session_state[key(spec, "nf.op")] = ops[0]
        op = st.selectbox(_("Condition"), ops, format_func=lambda o: _(op_label(field, o)), key=key(spec, "nf.op"))
        _value_input(spec, field, op, lookups, user)
        if problem := st.session_state.get(key(spec, "nf.problem")):
            st.warning(plain(problem))
        st.button(_("Add filter"), key=key(spec, "nf.add"), type="primary", on_click=_add_filter, args=(spec,))


def filter_chips(spec: TableSpec, view: ViewState, lookups: Lookups) -> None:
    """The active filters, each removable with one click."""
    if not view.filters:
        return
    with st.container(horizontal=True, key=key(spec, "chips")):
        for i, flt in enumerate(view.filters):
            st.button(plain(filter_text(spec, flt, lookups)), key=key(spec, f"chip{i}"), icon=":material/close:",
                      on_click=_remove_filter, args=(spec, i), help=_("Remove this filter"))
        st.button(_("Clear all"), key=key(spec, "chips.clear"), type="tertiary",
                  on_click=update_view, args=(spec,), kwargs={"filters": ()})


def _sort_changed(spec: TableSpec) -> None:
    sort = []
    for level in range(MAX_SORT_LEVELS):
        name = st.session_state.get(key(spec, f"sort{level}"))
        if name:
            sort.append((name, st.session_state.get(key(spec, f"dir{level}")) == "desc"))
    update_view(spec, sort=tuple(sort))


def sort_popover(spec: TableSpec, user: CurrentUser, view: ViewState) -> None:
    """“Sort” popover: up to two levels, each ascending or descending."""
    names = [f.name for f in spec.fields if f.sortable and f.may_view(user)]
    current = list(view.sort or spec.default_sort)
    label = _("Sort: {field}").format(field=_(spec.field(current[0][0]).label)) if current else _("Sort")
    with st.popover(label, icon=":material/swap_vert:", key=key(spec, "sort_popover")):
        for level in range(MAX_SORT_LEVELS):
            name, desc = current[level] if level < len(current) else (None, False)
            seed(key(spec, f"sort{level}"), name)
            seed(key(spec, f"dir{level}"), "desc" if desc else "asc")
            cols = st.columns([3, 2], vertical_alignment="bottom")
            cols[0].selectbox(_("Sort by") if level == 0 else _("Then by"), names, index=None,
                              format_func=lambda n: _(spec.field(n).label), key=key(spec, f"sort{level}"),
                              on_change=_sort_changed, args=(spec,), placeholder=_("(none)"))
            cols[1].segmented_control(_("Order"), ["asc", "desc"], key=key(spec, f"dir{level}"),
                                      format_func=lambda d: _("A → Z") if d == "asc" else _("Z → A"),
                                      on_change=_sort_changed, args=(spec,), label_visibility="collapsed")


def _columns_changed(spec: TableSpec) -> None:
    chosen = tuple(st.session_state[key(spec, "cols")])
    update_view(spec, columns=() if chosen == spec.default_columns() else chosen, page=read_view(spec)[0].page)


def columns_popover(spec: TableSpec, user: CurrentUser, view: ViewState) -> None:
    """“Columns” popover: choose and order the visible columns."""
    seed(key(spec, "cols"), list(view.columns or spec.default_columns()))
    with st.popover(_("Columns"), icon=":material/view_column:", key=key(spec, "columns_popover")):
        st.multiselect(_("Visible columns, in order"), [f.name for f in spec.fields],
                       format_func=lambda n: _(spec.field(n).label), key=key(spec, "cols"),
                       on_change=_columns_changed, args=(spec,))
        st.button(_("Default columns"), key=key(spec, "cols.reset"), type="tertiary", on_click=update_view,
                  args=(spec,), kwargs={"columns": ()})


def toolbar(spec: TableSpec, user: CurrentUser, view: ViewState, lookups: Lookups) -> None:
    """Search box and the filter, sort, columns and page-size controls, then the active filter chips."""
    seed(key(spec, "q"), view.search)
    seed(key(spec, "size"), view.page_size)
    with st.container(horizontal=True, vertical_alignment="bottom", key=key(spec, "toolbar")):
        searchable = ", ".join(_(f.label).lower() for f in spec.fields if f.searchable and f.may_view(user))
        st.text_input(_("Search"), key=key(spec, "q"), on_change=_search, args=(spec,), icon=":material/search:",
                      placeholder=_("Search {fields}…").format(fields=searchable), label_visibility="collapsed",
                      width=360)
        add_filter_popover(spec, user, view, lookups)
        sort_popover(spec, user, view)
        columns_popover(spec, user, view)
        st.selectbox(_("Rows per page"), PAGE_SIZES, key=key(spec, "size"), on_change=_page_size, args=(spec,),
                     label_visibility="collapsed", width=120, format_func=lambda n: _("{n} / page").format(n=n))
    filter_chips(spec, view, lookups)

"""The grid's toolbar: quick search, filters (ALL or ANY of conditions and groups, built in a popover, removed as
chips), sort (up to five levels), columns, page size.

Every control writes the URL in its callback (portal/ui/view_state.py); nothing here holds state of its own.
"""
from __future__ import annotations

import streamlit as st

from portal.access.auth import CurrentUser
from portal.i18n import _, fmt_list
from portal.records.fields import TableSpec
from portal.records.filter_groups import ALL, ANY, MATCHES, MAX_ITEMS, FilterGroup, Item
from portal.records.filters import Filter, op_label, operators
from portal.records.validation import Lookups
from portal.records.view import MAX_SORT_LEVELS, PAGE_SIZES, ViewState
from portal.ui.filter_values import filter_text, item_text, new_value, value_input
from portal.ui.text import plain
from portal.ui.view_state import key, read_view, seed, update_view

TOP = -1  # "add to": the view itself (not a group)


def _search(spec: TableSpec) -> None:
    update_view(spec, search=st.session_state[key(spec, "q")].strip())


def _page_size(spec: TableSpec) -> None:
    update_view(spec, page_size=st.session_state[key(spec, "size")])


def _items(spec: TableSpec) -> tuple[ViewState, list[Item]]:
    view, _ignored = read_view(spec)
    return view, list(view.filters)


def _remove(spec: TableSpec, index: int, inner: int | None = None) -> None:
    """Remove item `index` of the view's filters, or condition `inner` of that group (an emptied group goes)."""
    view, items = _items(spec)
    if index >= len(items):
        return
    group = items[index]
    if inner is None or not isinstance(group, FilterGroup):
        del items[index]
    elif rest := tuple(c for j, c in enumerate(group.conditions) if j != inner):
        items[index] = FilterGroup(group.match, rest)
    else:
        del items[index]
    update_view(spec, filters=tuple(items))


def _set_match(spec: TableSpec, index: int | None) -> None:
    """The AND/OR toggle of the view (index None) or of group `index`."""
    view, items = _items(spec)
    chosen = st.session_state.get(key(spec, "nf.match" if index is None else f"nf.match{index}"))
    if chosen not in MATCHES:  # (clicking the chosen option again unselects it: keep what it was)
        return
    if index is None:
        update_view(spec, match=chosen)
    elif index < len(items) and isinstance(items[index], FilterGroup):
        items[index] = FilterGroup(chosen, items[index].conditions)
        update_view(spec, filters=tuple(items))


def _add_filter(spec: TableSpec, as_group: bool) -> None:
    """Add the condition entered: to the view, to the group chosen, or as a new group (of any of its conditions)."""
    state = st.session_state
    field = spec.field(state[key(spec, "nf.field")])
    op = state[key(spec, "nf.op")]
    try:
        flt = Filter(field.name, op, new_value(spec, field, op))
    except ValueError as exc:
        state[key(spec, "nf.problem")] = str(exc)
        return
    view, items = _items(spec)
    target = state.get(key(spec, "nf.target"), TOP)
    into = items[target] if not as_group and 0 <= target < len(items) else None
    if isinstance(into, FilterGroup):
        if len(into.conditions) >= MAX_ITEMS:
            state[key(spec, "nf.problem")] = _("A group holds at most {n} conditions.").format(n=MAX_ITEMS)
            return
        items[target] = FilterGroup(into.match, (*into.conditions, flt))
    elif len(items) >= MAX_ITEMS:
        state[key(spec, "nf.problem")] = _("A view holds at most {n} filters.").format(n=MAX_ITEMS)
        return
    else:
        items.append(FilterGroup(ANY, (flt,)) if as_group else flt)
    state.pop(key(spec, "nf.problem"), None)
    update_view(spec, filters=tuple(items))


def _match_label(match: str) -> str:
    return _("all of these") if match == ALL else _("any of these")


def _match_toggle(spec: TableSpec, label: str, current: str, index: int | None) -> None:
    widget = key(spec, "nf.match" if index is None else f"nf.match{index}")
    seed(widget, current)
    st.segmented_control(label, list(MATCHES), key=widget, format_func=_match_label, on_change=_set_match,
                         args=(spec, index))


def _filter_tree(spec: TableSpec, view: ViewState, lookups: Lookups) -> None:
    """The view's filters as they combine: ALL or ANY of the items (a toggle), each group boxed with its own toggle;
    every condition and group removable."""
    if len(view.filters) > 1:
        _match_toggle(spec, _("Show records that match"), view.match, None)
    for i, item in enumerate(view.filters):
        if not isinstance(item, FilterGroup):
            st.button(plain(filter_text(spec, item, lookups)), key=key(spec, f"nf.rm{i}"), icon=":material/close:",
                      on_click=_remove, args=(spec, i), help=_("Remove this filter"), type="tertiary")
            continue
        with st.container(border=True, key=key(spec, f"nf.group{i}")):
            if len(item.conditions) > 1:
                _match_toggle(spec, _("Group {n} matches").format(n=i + 1), item.match, i)
            else:
                st.caption(_("Group {n}").format(n=i + 1))
            for j, flt in enumerate(item.conditions):
                st.button(plain(filter_text(spec, flt, lookups)), key=key(spec, f"nf.rm{i}.{j}"),
                          icon=":material/close:", on_click=_remove, args=(spec, i, j), type="tertiary",
                          help=_("Remove this filter"))
            st.button(_("Remove the group"), key=key(spec, f"nf.rmg{i}"), on_click=_remove, args=(spec, i),
                      icon=":material/delete:", type="tertiary")
    if view.filters:
        st.divider()


def add_filter_popover(spec: TableSpec, user: CurrentUser, view: ViewState, lookups: Lookups) -> None:
    """“Filter” popover: the filters and how they combine (all / any, groups), and a new condition: a field, an
    operator and a value, added to the view, to a group, or as a new group."""
    names = [f.name for f in spec.fields if f.filterable and f.may_view(user)]
    count = len(view.conditions())
    title = _("Filter") + (f" ({count})" if count else "")
    with st.popover(title, icon=":material/filter_list:", key=key(spec, "filter_popover")):
        _filter_tree(spec, view, lookups)
        name = st.selectbox(_("Field"), names, format_func=lambda n: _(spec.field(n).label),
                            key=key(spec, "nf.field"))
        field = spec.field(name)
        ops = operators(field)
        if st.session_state.get(key(spec, "nf.op")) not in ops:
            st.session_state[key(spec, "nf.op")] = ops[0]
        op = st.selectbox(_("Condition"), ops, format_func=lambda o: _(op_label(field, o)), key=key(spec, "nf.op"))
        value_input(spec, field, op, lookups, user)
        groups = [i for i, item in enumerate(view.filters) if isinstance(item, FilterGroup)]
        if groups:
            if st.session_state.get(key(spec, "nf.target")) not in (TOP, *groups):
                st.session_state[key(spec, "nf.target")] = TOP
            st.selectbox(_("Add to"), [TOP, *groups], key=key(spec, "nf.target"),
                         format_func=lambda t: _("the view") if t == TOP else _("group {n}").format(n=t + 1))
        if problem := st.session_state.get(key(spec, "nf.problem")):
            st.warning(plain(problem))
        with st.container(horizontal=True):
            st.button(_("Add filter"), key=key(spec, "nf.add"), type="primary", on_click=_add_filter,
                      args=(spec, False))
            st.button(_("Add as a new group"), key=key(spec, "nf.add_group"), on_click=_add_filter,
                      args=(spec, True), icon=":material/data_array:",
                      help=_("A group matches all or any of its own conditions, e.g. (overdue or due today)."))


def filter_chips(spec: TableSpec, view: ViewState, lookups: Lookups) -> None:
    """The active filters (a group as one chip), each removable with one click; an OR view says so first."""
    if not view.filters:
        return
    with st.container(horizontal=True, vertical_alignment="center", key=key(spec, "chips")):
        if view.match == ANY and len(view.filters) > 1:
            st.caption(_("Any of:"), width="content")
        for i, item in enumerate(view.filters):
            st.button(plain(item_text(spec, item, lookups)), key=key(spec, f"chip{i}"), icon=":material/close:",
                      on_click=_remove, args=(spec, i), help=_("Remove this filter"))
        st.button(_("Clear all"), key=key(spec, "chips.clear"), type="tertiary",
                  on_click=update_view, args=(spec,), kwargs={"filters": (), "match": ALL})


def _sort_changed(spec: TableSpec) -> None:
    sort = []
    for level in range(MAX_SORT_LEVELS):
        name = st.session_state.get(key(spec, f"sort{level}"))
        if name:
            sort.append((name, st.session_state.get(key(spec, f"dir{level}")) == "desc"))
    update_view(spec, sort=tuple(sort))


def sort_popover(spec: TableSpec, user: CurrentUser, view: ViewState) -> None:
    """“Sort” popover: up to five levels, each ascending or descending (a further level appears once one is set)."""
    names = [f.name for f in spec.fields if f.sortable and f.may_view(user)]
    current = list(view.sort or spec.default_sort)
    label = _("Sort: {field}").format(field=_(spec.field(current[0][0]).label)) if current else _("Sort")
    with st.popover(label, icon=":material/swap_vert:", key=key(spec, "sort_popover")):
        for level in range(min(len(current) + 1, MAX_SORT_LEVELS)):
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
        if by_pinyin := [_(spec.field(n).label) for n in names if spec.field(n).sorts_by_pinyin]:
            note = _("By pinyin: {fields}. Other text sorts by character code.")
            st.caption(note.format(fields=fmt_list(by_pinyin)))


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
        searchable = fmt_list(_(f.label).lower() for f in spec.fields if f.searchable and f.may_view(user))
        st.text_input(_("Search"), key=key(spec, "q"), on_change=_search, args=(spec,), icon=":material/search:",
                      placeholder=_("Search {fields}…").format(fields=searchable), label_visibility="collapsed",
                      width=360)
        add_filter_popover(spec, user, view, lookups)
        sort_popover(spec, user, view)
        columns_popover(spec, user, view)
        st.selectbox(_("Rows per page"), PAGE_SIZES, key=key(spec, "size"), on_change=_page_size, args=(spec,),
                     label_visibility="collapsed", width=120, format_func=lambda n: _("{n} / page").format(n=n))
    filter_chips(spec, view, lookups)

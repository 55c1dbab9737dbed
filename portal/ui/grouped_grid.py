"""A grid grouped by one or two fields (portal/records/grouping.py): a header per group with its count and totals,
opened and closed by a click, the rows of an opened group a page at a time; the whole view's totals; the "Group and
totals" popover that writes both to the URL.

Only opened groups read rows, a page each: a closed group costs nothing, and the groups themselves are one query.
"""
from __future__ import annotations

import hashlib
import time
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.i18n import _, current_language, fmt_date, fmt_datetime, fmt_number, pgettext
from portal.records.fields import Field, FieldType, TableSpec
from portal.records.grouping import (
    AVERAGE,
    DAY,
    MONTH,
    TIME_PARTS,
    YEAR,
    Group,
    GroupPage,
    Level,
    aggregate_label,
    aggregates,
    fetch_group_rows,
    fetch_groups,
    groupable,
    view_totals,
)
from portal.records.query import Page
from portal.records.validation import Lookups
from portal.records.view import MAX_GROUP_LEVELS, ViewState
from portal.ui.columns import OPEN, choice_label, grid_config, page_frame
from portal.ui.grid import exit_on_open
from portal.ui.tables import data_table
from portal.ui.text import plain
from portal.ui.view_state import key, read_view, update_view

COUNTS_KEPT_FOR = 30.0  # seconds a page of groups is shown again without counting (see _groups)
GROUPS_READ = "groups.read"  # session key (under the table's): the page of groups last counted
NO_GROUP = NO_TOTAL = ""  # the first choice of a level or a total: none


# --- the popover ---------------------------------------------------------------------------------------------

def _shown(spec: TableSpec, widget: str, value: str | None) -> str:
    """The key of a popover widget showing `value`: one widget per value shown, so the URL, not the widget, holds
    it (a widget seeded from the URL would forget it when a click reruns the page part with the popover shut)."""
    return key(spec, f"{widget}@{value or '-'}")


def _group_changed(spec: TableSpec, level_keys: list[str], part_keys: list[str]) -> None:
    levels: list[str] = []
    for level_key, part_key in zip(level_keys, part_keys, strict=True):
        name = st.session_state.get(level_key)
        if not name or name in [lv.split(":")[0] for lv in levels]:
            break
        part = st.session_state.get(part_key)
        levels.append(f"{name}:{part or MONTH}" if spec.field(name).type in (FieldType.DATE, FieldType.DATETIME)
                      else name)
    update_view(spec, group=tuple(levels))


def _total_changed(spec: TableSpec, name: str, widget: str) -> None:
    view, _ignored = read_view(spec)
    chosen = st.session_state.get(widget)
    totals = [(n, a) for n, a in view.totals if n != name] + ([(name, chosen)] if chosen else [])
    update_view(spec, totals=tuple(totals), page=view.page)


def controls(spec: TableSpec, user: CurrentUser, view: ViewState) -> None:
    """“Group and totals” popover: up to two group levels (times by day, month or year), a total per column."""
    names = [f.name for f in spec.fields if groupable(f, user)]
    label = _("Grouped: {field}").format(field=_(spec.field(view.group[0].split(":")[0]).label)) if view.group \
        else _("Group and totals")
    tokens = [view.group[level] if level < len(view.group) else None for level in range(MAX_GROUP_LEVELS)]
    level_keys = [_shown(spec, f"group{level}", token) for level, token in enumerate(tokens)]
    part_keys = [_shown(spec, f"group{level}.part", token) for level, token in enumerate(tokens)]
    with st.popover(label, icon=":material/account_tree:", key=key(spec, "group_popover")):
        for level, token in enumerate(tokens):
            name, _sep, part = (token or "").partition(":")
            cols = st.columns([3, 2], vertical_alignment="bottom")
            offered = [NO_GROUP, *names]
            cols[0].selectbox(_("Group rows by") if level == 0 else _("Then by"), offered,
                              index=offered.index(name) if name in offered else 0,
                              format_func=lambda n: _(spec.field(n).label) if n else _("(none)"),
                              key=level_keys[level], on_change=_group_changed, args=(spec, level_keys, part_keys),
                              disabled=level > len(view.group))
            if name and spec.field(name).type in (FieldType.DATE, FieldType.DATETIME):
                parts = list(TIME_PARTS)
                cols[1].selectbox(_("Period"), parts, index=parts.index(part) if part in parts else parts.index(MONTH),
                                  format_func=lambda p: _(TIME_PARTS[p]), key=part_keys[level],
                                  on_change=_group_changed, args=(spec, level_keys, part_keys),
                                  label_visibility="collapsed")
        st.caption(_("Totals, for every record of the view (and each group):"))
        chosen = dict(view.totals)
        for fld in spec.visible_fields(view.columns):
            offered = [NO_TOTAL, *aggregates(fld, user)]
            current = chosen.get(fld.name, NO_TOTAL)
            widget = _shown(spec, f"total.{fld.name}", current)
            st.selectbox(_(fld.label), offered, index=offered.index(current) if current in offered else 0,
                         key=widget, format_func=lambda a, f=fld: _(aggregate_label(f, a)) if a else _("(none)"),
                         on_change=_total_changed, args=(spec, fld.name, widget))


# --- texts ---------------------------------------------------------------------------------------------------

def group_name(level: Level, key_value: Any, name: Any) -> str:
    """A group's name as people read it: the person or record named, the choice, the day / month / year."""
    if key_value is None:
        return pgettext("group", "(empty)")
    fld = level.field
    if name is not None:
        return str(name)
    if fld.type is FieldType.SINGLE_SELECT:
        return str(choice_label(fld, key_value))
    if fld.type is FieldType.CHECKBOX:
        return _("Yes") if key_value else _("No")
    if level.part == YEAR:
        return str(key_value.year)
    if level.part == MONTH:
        return _("{year}-{month}").format(year=key_value.year, month=f"{key_value.month:02d}")
    if level.part == DAY:
        return fmt_date(key_value)
    return str(key_value)


def total_value(fld: Field, aggregate: str, value: Any) -> str:
    """A total as people read it: numbers grouped by thousands (averages with one decimal), times as times."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return fmt_datetime(value)
    if isinstance(value, date):
        return fmt_date(value)
    if aggregate == AVERAGE or isinstance(value, Decimal) and value != value.to_integral_value():
        return fmt_number(value, 1)
    return fmt_number(value)


def totals_text(spec: TableSpec, user: CurrentUser, view: ViewState, group: Group) -> str:
    """“Grade: average 2.4 · Handler: filled 1,200” for a group (or the whole view)."""
    totals, _problems = view_totals(spec, view, user)
    return " · ".join(_("{field}: {aggregate} {value}").format(
        field=_(fld.label), aggregate=_(aggregate_label(fld, agg)).lower(),
        value=total_value(fld, agg, group.totals.get(fld.name))) for fld, agg in totals)


# --- drawing -------------------------------------------------------------------------------------------------

def _group_key(spec: TableSpec, view: ViewState, keys: tuple[Any, ...]) -> str:
    digest = hashlib.sha1(repr((view.group, keys)).encode()).hexdigest()[:12]
    return key(spec, f"group.{digest}")


def _opened(spec: TableSpec) -> dict[str, int]:
    """Opened groups (by their widget key) -> the page of rows shown."""
    return st.session_state.setdefault(key(spec, "groups.opened"), {})


def _toggle(spec: TableSpec, group_key: str) -> None:
    opened = _opened(spec)
    if opened.pop(group_key, None) is None:
        opened[group_key] = 1


def _turn_page(spec: TableSpec, group_key: str, step: int) -> None:
    _opened(spec)[group_key] = max(1, _opened(spec).get(group_key, 1) + step)


def _header(spec: TableSpec, user: CurrentUser, view: ViewState, levels: list[Level], group: Group) -> bool:
    """A group's header (a click opens or closes it) with its count and totals; says whether it is open."""
    gkey = _group_key(spec, view, group.keys)
    is_open = gkey in _opened(spec)
    depth = len(group.keys)
    name = group_name(levels[depth - 1], group.keys[-1], group.labels[-1])
    with st.container(horizontal=True, vertical_alignment="center", key=gkey + ".head"):
        if depth > 1:
            st.space("small")
        st.button(f"{plain(name)} · {fmt_number(group.count)}", key=gkey + ".toggle", type="tertiary",
                  icon=":material/expand_more:" if is_open else ":material/chevron_right:",
                  on_click=_toggle, args=(spec, gkey),
                  help=_("Hide this group's rows") if is_open else _("Show this group's rows"))
        text = totals_text(spec, user, view, group)
        if text:
            st.caption(plain(text))
    return is_open


def _rows(spec: TableSpec, user: CurrentUser, view: ViewState, lookups: Lookups, record_page: str,
          group: Group) -> None:
    """The opened group's rows, a page at a time, read-only; a row's "open" button opens the record."""
    gkey = _group_key(spec, view, group.keys)
    shown = _opened(spec).get(gkey, 1)
    with unit_of_work(user.id) as s:
        page: Page = fetch_group_rows(s, actor=user, spec=spec, view=view, keys=group.keys, page=shown)
    if not page.rows:
        st.caption(_("No {records} match.").format(records=_(spec.label).lower()))
        return
    fields = spec.visible_fields(view.columns)
    frame = page_frame(fields, page.rows, editable=set(), selectable=False)
    config = grid_config(fields, editable=set(), lookups=lookups, open_key=gkey + ".open", selectable=False)
    data_table(frame, column_config=config, column_order=[OPEN] + [f.name for f in fields], hide_index=True,
              alt=_(spec.label), height="auto" if len(page.rows) <= 20 else 420)
    exit_on_open(spec, record_page, gkey + ".open", page)
    first = (shown - 1) * page.page_size + 1
    with st.container(horizontal=True, vertical_alignment="center", key=gkey + ".pager"):
        st.caption(_("Rows {first}–{last} of {total}").format(first=fmt_number(first), total=fmt_number(page.total),
                                                             last=fmt_number(first + len(page.rows) - 1)))
        if shown > 1:
            st.button(_("Previous rows"), key=gkey + ".prev", type="tertiary", icon=":material/chevron_left:",
                      on_click=_turn_page, args=(spec, gkey, -1))
        if shown < page.page_count:
            st.button(_("Next rows"), key=gkey + ".next", type="tertiary", icon=":material/chevron_right:",
                      on_click=_turn_page, args=(spec, gkey, 1))


def _go_to_page(spec: TableSpec, shown: int) -> None:
    update_view(spec, page=st.session_state[key(spec, f"group_page.{shown}")])


def _groups(spec: TableSpec, user: CurrentUser, view: ViewState) -> GroupPage:
    """The page of groups, counted afresh when the view, its page or the reader changed, or COUNTS_KEPT_FOR seconds
    after they were counted: opening a group, or paging through its rows, does not count a million rows again."""
    shown = (view.signature(), view.page, user.id, tuple(sorted(user.roles)), current_language())
    kept = st.session_state.get(key(spec, GROUPS_READ))
    if kept is not None and kept[0] == shown and time.monotonic() - kept[1] < COUNTS_KEPT_FOR:
        return kept[2]
    with unit_of_work(user.id) as s:
        groups = fetch_groups(s, actor=user, spec=spec, view=view)
    st.session_state[key(spec, GROUPS_READ)] = (shown, time.monotonic(), groups)
    return groups


def show_groups(spec: TableSpec, user: CurrentUser, view: ViewState, lookups: Lookups, record_page: str) -> bool:
    """Draw the view grouped, when it is grouped: a page of groups with counts and totals, the rows of the
    opened ones and the pager of groups. Says whether it drew (an ungrouped view is the page's grid)."""
    if not view.group:
        return False
    groups = _groups(spec, user, view)
    for problem in groups.problems:
        st.warning(plain(_("Ignored: {problem}").format(problem=problem)))
    if not groups.levels:
        return False
    whole = _("{records}: {n} · groups: {groups}").format(n=fmt_number(groups.whole.count), records=_(spec.label),
                                                          groups=fmt_number(groups.group_count))
    text = totals_text(spec, user, view, groups.whole)
    st.caption(plain(whole + (" — " + text if text else "")))
    for outer in groups.groups:
        with st.container(key=_group_key(spec, view, outer.keys) + ".box", border=True):
            if not _header(spec, user, view, groups.levels, outer):
                continue
            if len(groups.levels) == 1:
                _rows(spec, user, view, lookups, record_page, outer)
                continue
            for inner in outer.inner:
                if _header(spec, user, view, groups.levels, inner):
                    _rows(spec, user, view, lookups, record_page, inner)
            if outer.inner_count > len(outer.inner):
                st.caption(_("{n} more groups: filter the view to see them.").format(
                    n=fmt_number(outer.inner_count - len(outer.inner))))
    if groups.page_count > 1:
        shown = min(view.page, groups.page_count)
        st.pagination(groups.page_count, default=shown, key=key(spec, f"group_page.{shown}"), on_change=_go_to_page,
                      args=(spec, shown))
    return True


def totals_row(spec: TableSpec, user: CurrentUser, view: ViewState) -> None:
    """Under an ungrouped grid: the chosen totals over every record of the view (not only the page)."""
    if not view.totals:
        return
    with unit_of_work(user.id) as s:
        whole = fetch_groups(s, actor=user, spec=spec, view=view.with_(group=())).whole
    text = totals_text(spec, user, view, whole)
    if text:
        st.caption(plain(_("Totals of all {n} {records}: {totals}").format(
            n=fmt_number(whole.count), records=_(spec.label).lower(), totals=text)))

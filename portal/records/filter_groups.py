"""A view's filters with AND/OR, one level deep: ALL or ANY of items, each item a condition or a group (ALL or ANY of
conditions). "(overdue OR due within 4 working hours) AND department = 营销部" is ALL of [ANY of [two conditions],
one condition]; "key customer OR grade ≤ 2" is ANY of two conditions.

Spellings (view.py uses them):
- URL: `m=any` when the top level is ANY (left out for ALL); one `f` per item in order, a condition as before
  (`field:op:value`) and a group as `@any:[[field, op, value], ...]` (or `@all:`). A link from before groups (only
  `field:op:value`, AND-ed) therefore opens the same rows.
- JSON (saved views): `{"match": "all", "items": [[field, op, value], {"match": "any", "items": [[...], ...]}]}`.
  The former spelling, a list of conditions AND-ed, is still read (migration 0031 rewrote the stored ones).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from portal.access.auth import CurrentUser
from portal.records.fields import TableSpec
from portal.records.filters import LIST_OPS, NO_VALUE_OPS, Filter, FilterError, filter_clause, operators

ALL, ANY = "all", "any"
MATCHES = (ALL, ANY)
MAX_ITEMS = 20  # items of a view, and conditions of a group: more are ignored (and said)
GROUP_MARK = "@"


@dataclass(frozen=True)
class FilterGroup:
    """ALL or ANY of some conditions, as one item of a view's filters."""

    match: str
    conditions: tuple[Filter, ...]


Item = Filter | FilterGroup


def conditions(items: Iterable[Item]) -> list[Filter]:
    """Every condition of `items`, those in groups included, in order."""
    out: list[Filter] = []
    for item in items:
        out.extend(item.conditions if isinstance(item, FilterGroup) else (item,))
    return out


def _combine(match: str, parts: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return parts[0] if len(parts) == 1 else and_(*parts) if match == ALL else or_(*parts)


def items_clause(spec: TableSpec, items: Iterable[Item], match: str,
                 actor: CurrentUser | None) -> tuple[ColumnElement[bool] | None, list[str]]:
    """One SQL condition for `items` combined by `match` (None: nothing to filter by), and the conditions that could
    not be applied (left out, and said: as before groups, a filter that cannot be applied is ignored)."""
    parts, problems = [], []

    def clause(flt: Filter) -> ColumnElement[bool] | None:
        try:
            return filter_clause(spec, flt, actor)
        except FilterError as exc:
            problems.append(str(exc))
            return None

    for item in items:
        if isinstance(item, FilterGroup):
            inner = [c for c in (clause(f) for f in item.conditions) if c is not None]
            if inner:
                parts.append(_combine(item.match, inner))
        elif (one := clause(item)) is not None:
            parts.append(one)
    return (_combine(match, parts) if parts else None), problems


def narrowed(items: tuple[Item, ...], match: str, extra: tuple[Filter, ...]) -> tuple[tuple[Item, ...], str]:
    """`items` (combined by `match`) AND every condition of `extra`, still one level deep: under ALL the extra
    conditions are added; under ANY each alternative gets them:
    ((a AND b) OR c) AND m = (a AND b AND m) OR (c AND m)."""
    if match == ALL or not items:
        return (*items, *extra), ALL
    if not extra:
        return items, match
    out: list[Item] = []
    for item in items:
        if isinstance(item, FilterGroup) and item.match == ALL:
            out.append(FilterGroup(ALL, (*item.conditions, *extra)))
        else:  # a condition, or the alternatives of an ANY group (ANY inside ANY is one ANY)
            out += [FilterGroup(ALL, (c, *extra)) for c in conditions((item,))]
    return tuple(out), ANY


# --- spellings ------------------------------------------------------------------------------------------------

def _triple(flt: Filter) -> list[Any]:
    return [flt.field, flt.op, list(flt.value) if isinstance(flt.value, tuple) else flt.value]


def _offered(spec: TableSpec, name: str, op: str) -> bool:
    """Whether the table has field `name` and the filter bar offers `op` for it (a link or a stored view may say
    anything: what it says is shown and applied only when it is one of these)."""
    return spec.has_field(name) and op in operators(spec.field(name))


def _from_triple(spec: TableSpec, data: Any) -> Filter | None:
    """A condition from its JSON `[field, op, value]`; None when malformed, or no such field or operator."""
    if not (isinstance(data, list) and len(data) == 3 and all(isinstance(x, str) for x in data[:2])):
        return None
    name, op, value = data
    if not _offered(spec, name, op):
        return None
    if isinstance(value, list):
        value = tuple(str(v) for v in value)
    elif value is not None:
        value = str(value).lower() if isinstance(value, bool) else str(value)
    return Filter(name, op, value)


def items_json(items: Iterable[Item], match: str) -> dict[str, Any]:
    """The JSON a saved view stores for its filters."""
    return {"match": match, "items": [{"match": i.match, "items": [_triple(f) for f in i.conditions]}
                                      if isinstance(i, FilterGroup) else _triple(i) for i in items]}


def items_from_json(spec: TableSpec, data: Any) -> tuple[tuple[Item, ...], str]:
    """A saved view's filters: the JSON above, or the former list of AND-ed conditions; unknown fields dropped."""
    if isinstance(data, list):
        data = {"match": ALL, "items": data}
    if not isinstance(data, Mapping):
        return (), ALL
    items: list[Item] = []
    for raw in data.get("items") or []:
        if isinstance(raw, Mapping):
            found = [f for f in (_from_triple(spec, c) for c in raw.get("items") or []) if f is not None]
            if found:
                items.append(FilterGroup(raw.get("match") if raw.get("match") in MATCHES else ALL,
                                         tuple(found[:MAX_ITEMS])))
        elif (flt := _from_triple(spec, raw)) is not None:
            items.append(flt)
    match = data.get("match")
    return tuple(items[:MAX_ITEMS]), (match if match in MATCHES else ALL)


def filter_param(flt: Filter) -> str:
    """One condition as a URL `f` value: `field:op[:value]` (a JSON list for list operators)."""
    if flt.op in NO_VALUE_OPS:
        return f"{flt.field}:{flt.op}"
    if flt.op in LIST_OPS:
        value = json.dumps(list(flt.value or ()), ensure_ascii=False, separators=(",", ":"))
        return f"{flt.field}:{flt.op}:{value}"
    return f"{flt.field}:{flt.op}:{flt.value}"


def item_param(item: Item) -> str:
    """One item as a URL `f` value (a group: `@any:[[field, op, value], ...]`)."""
    if isinstance(item, FilterGroup):
        triples = json.dumps([_triple(f) for f in item.conditions], ensure_ascii=False, separators=(",", ":"))
        return f"{GROUP_MARK}{item.match}:{triples}"
    return filter_param(item)


def parse_filter(spec: TableSpec, text: str) -> Filter | None:
    """`field:op[:value]` (a JSON list for list operators); None when it does not parse, or names no such field or
    operator."""
    parts = text.split(":", 2)
    if len(parts) < 2 or not _offered(spec, parts[0], parts[1]):
        return None
    name, op = parts[0], parts[1]
    if op in NO_VALUE_OPS:
        return Filter(name, op)
    if len(parts) != 3:
        return None
    if op in LIST_OPS:
        try:
            items = json.loads(parts[2])
        except ValueError:
            return None
        return Filter(name, op, tuple(str(i) for i in items)) if isinstance(items, list) else None
    return Filter(name, op, parts[2])


def parse_item(spec: TableSpec, text: str) -> Item | None:
    """One URL `f` value: a condition or a group; None when it does not parse (or a group names no known field)."""
    if not text.startswith(GROUP_MARK):
        return parse_filter(spec, text)
    match, _sep, rest = text[1:].partition(":")
    try:
        triples = json.loads(rest)
    except ValueError:
        return None
    if match not in MATCHES or not isinstance(triples, list) or not triples:
        return None
    found = [_from_triple(spec, t) for t in triples[:MAX_ITEMS]]
    return None if None in found else FilterGroup(match, tuple(found))

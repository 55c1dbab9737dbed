"""A grid's view state (search, filters, sort, columns, page) and its two spellings: URL parameters and JSON.

The URL is the truth for what a grid shows, so a link reproduces the view; saved views store the JSON.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from portal.i18n import _
from portal.inputs import MAX_PAGE, clean_text, parse_int
from portal.records.fields import TableSpec
from portal.records.filter_groups import (
    ALL,
    MATCHES,
    MAX_ITEMS,
    FilterGroup,
    Item,
    conditions,
    item_param,
    items_from_json,
    items_json,
    narrowed,
    parse_item,
)
from portal.records.filters import SEARCH_LIMIT, Filter

PAGE_SIZES = (50, 100, 200)
MAX_SORT_LEVELS = 5
PARAM_KEYS = ("q", "f", "m", "sort", "cols", "page", "size", "as", "group", "totals")
GRID = "grid"
LAYOUTS = (GRID, "kanban", "calendar")  # how a view shows its records (a table offers those it has a screen for)
PARAM_KEYS += ("w", "pin", "rh")  # column widths, pinned columns, row height (how the grid draws the view)
WIDTHS = (60, 1000)  # a column's width in pixels, lowest and highest
ROW_HEIGHTS = (0, 28, 35, 56, 84)  # 0: the grid's own (35 px); a saved view may say compact or taller rows
MAX_GROUP_LEVELS = 2  # a grid groups by up to two fields (portal/records/grouping.py says which may)


@dataclass(frozen=True)
class ViewState:
    """What a grid shows: quick search, filters (ALL or ANY of conditions and groups), up to five sort levels,
    columns, page."""

    search: str = ""
    filters: tuple[Filter | FilterGroup, ...] = ()  # items, combined by `match` (portal/records/filter_groups.py)
    match: str = ALL  # "all" or "any" of the items: JSON "filters" {"match", "items"}, URL ?m=any
    sort: tuple[tuple[str, bool], ...] = ()  # (field, descending); empty: the table's default sort
    columns: tuple[str, ...] = ()  # empty: the table's default columns
    page: int = 1
    page_size: int = PAGE_SIZES[0]
    layout: str = GRID  # one of LAYOUTS: the same records as a grid, a kanban board or a calendar
    widths: tuple[tuple[str, int], ...] = ()  # (field, pixels): columns not named keep the grid's own width
    pinned: tuple[str, ...] = ()  # columns that stay on the left while the grid scrolls sideways
    row_height: int = 0  # one of ROW_HEIGHTS
    group: tuple[str, ...] = ()  # group by: "field" or "field:month" (time fields: day / month / year), outer first
    totals: tuple[tuple[str, str], ...] = ()  # the totals row: (field, aggregate), e.g. ("grade", "average")

    @property
    def is_filtered(self) -> bool:
        return bool(self.search.strip() or self.filters)

    def conditions(self) -> list[Filter]:
        """Every filter condition, those in groups included."""
        return conditions(self.filters)

    def narrowed(self, *extra: Filter) -> ViewState:
        """This view's rows that also meet every condition of `extra` (a page's own filter, e.g. a month)."""
        items, match = narrowed(self.filters, self.match, extra)
        return replace(self, filters=items, match=match)

    def with_(self, **changes: Any) -> ViewState:
        """A copy with `changes`; anything but a page change starts again at page 1."""
        if "page" not in changes:
            changes["page"] = 1
        return replace(self, **changes)

    def signature(self) -> str:
        """Identifies what is shown apart from the page (paging cursors are kept per signature)."""
        return json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False)

    def to_json(self) -> dict[str, Any]:
        """The state minus the page, as stored in a saved view."""
        return {"search": self.search, "filters": items_json(self.filters, self.match),
                "sort": [[name, desc] for name, desc in self.sort], "columns": list(self.columns),
                "page_size": self.page_size, "layout": self.layout,
                **_layout_json(self),
                "group": list(self.group), "totals": [[name, agg] for name, agg in self.totals]}

    @classmethod
    def from_json(cls, spec: TableSpec, data: Mapping[str, Any]) -> ViewState:
        """A saved view's state; fields the table no longer has are dropped."""
        filters, match = items_from_json(spec, data.get("filters", []))
        sort = tuple((n, bool(d)) for n, d in data.get("sort", []) if spec.has_field(n))[:MAX_SORT_LEVELS]
        size = data.get("page_size", PAGE_SIZES[0])
        layout = data.get("layout", GRID)
        return cls(search=str(data.get("search", "")), filters=filters, match=match, sort=sort,
                   columns=tuple(c for c in data.get("columns", []) if spec.has_field(c)),
                   page_size=size if size in PAGE_SIZES else PAGE_SIZES[0],
                   layout=layout if layout in LAYOUTS else GRID, **_layout_from_json(spec, data),
                   group=_group(spec, [g for g in data.get("group", []) if isinstance(g, str)]),
                   totals=_totals(spec, [t for t in data.get("totals", []) if isinstance(t, list | tuple)]))

    def to_params(self) -> dict[str, str | list[str]]:
        """URL query parameters (defaults left out, so the plain URL is the default view)."""
        params: dict[str, str | list[str]] = {}
        if search := clean_text(self.search, limit=SEARCH_LIMIT):  # what a search can use, so its link opens
            params["q"] = search
        if self.filters:
            params["f"] = [item_param(i) for i in self.filters]
        if self.match != ALL and self.filters:
            params["m"] = self.match
        if self.sort:
            params["sort"] = ",".join(("-" if desc else "") + name for name, desc in self.sort)
        if self.columns:
            params["cols"] = ",".join(self.columns)
        if self.page > 1:
            params["page"] = str(self.page)
        if self.page_size != PAGE_SIZES[0]:
            params["size"] = str(self.page_size)
        if self.layout != GRID:
            params["as"] = self.layout
        params.update(_layout_params(self))
        if self.group:
            params["group"] = ",".join(self.group)
        if self.totals:
            params["totals"] = ",".join(f"{name}:{agg}" for name, agg in self.totals)
        return params

    @classmethod
    def from_params(cls, spec: TableSpec, params: Mapping[str, str | list[str]]) -> tuple[ViewState, list[str]]:
        """The state a URL describes, and what in it was ignored (in the user's language)."""
        ignored: list[str] = []
        filters: list[Item] = []
        raw_filters = params.get("f", [])
        for text in [raw_filters] if isinstance(raw_filters, str) else raw_filters:
            item = parse_item(spec, text) if len(filters) < MAX_ITEMS else None
            if item is None:
                ignored.append(_("filter “{text}”").format(text=text))
            else:
                filters.append(item)
        match = _one(params, "m") or ALL
        if match not in MATCHES:
            ignored.append(_("filter combination “{text}”").format(text=match))
            match = ALL
        sort = []
        for item in _one(params, "sort").split(","):
            name, desc = item.strip().lstrip("-"), item.strip().startswith("-")
            if name and spec.has_field(name) and spec.field(name).sortable and len(sort) < MAX_SORT_LEVELS:
                sort.append((name, desc))
            elif name:
                ignored.append(_("sort “{text}”").format(text=item))
        columns = tuple(c for c in _one(params, "cols").split(",") if spec.has_field(c))
        page = parse_int(_one(params, "page"), high=MAX_PAGE) or 1
        size = parse_int(_one(params, "size")) or PAGE_SIZES[0]
        layout = _one(params, "as") or GRID
        if layout not in LAYOUTS:
            ignored.append(_("layout “{text}”").format(text=layout))
            layout = GRID
        raw_group = [g.strip() for g in _one(params, "group").split(",") if g.strip()]
        group = _group(spec, raw_group)
        ignored += [_("grouping “{text}”").format(text=g) for g in raw_group if g not in group]
        raw_totals = [t.strip() for t in _one(params, "totals").split(",") if t.strip()]
        totals = _totals(spec, [t.split(":", 1) for t in raw_totals])
        ignored += [_("total “{text}”").format(text=t) for t in raw_totals if tuple(t.split(":", 1)) not in totals]
        return cls(search=clean_text(_one(params, "q"), limit=SEARCH_LIMIT), filters=tuple(filters), match=match,
                   sort=tuple(sort),
                   columns=columns, page=page, page_size=size if size in PAGE_SIZES else PAGE_SIZES[0],
                   layout=layout, **_layout_from_params(spec, params, ignored),
                   group=group, totals=totals), ignored


def _one(params: Mapping[str, str | list[str]], key: str) -> str:
    value = params.get(key, "")
    return value[-1] if isinstance(value, list) else value


def _group(spec: TableSpec, items: list[str]) -> tuple[str, ...]:
    """Group levels naming fields of the table (at most MAX_GROUP_LEVELS, each field once); grouping.py judges
    whether a field may group."""
    kept: list[str] = []
    for item in items:
        name = item.split(":", 1)[0]
        if spec.has_field(name) and name not in [k.split(":", 1)[0] for k in kept] and len(kept) < MAX_GROUP_LEVELS:
            kept.append(item)
    return tuple(kept)


def _totals(spec: TableSpec, items: list[Any]) -> tuple[tuple[str, str], ...]:
    """(field, aggregate) pairs naming fields of the table, one per field."""
    kept: dict[str, str] = {}
    for item in items:
        if len(item) == 2 and all(isinstance(i, str) for i in item) and spec.has_field(item[0]):
            kept.setdefault(item[0], item[1])
    return tuple(kept.items())



# Column widths, pinned columns and row height: JSON {"widths": {field: px}, "pinned": [...], "row_height": px},
# URL ?w=field:px,field:px&pin=field,field&rh=px (all left out when the grid's own)
def _layout_json(view: ViewState) -> dict[str, Any]:
    return {"widths": dict(view.widths), "pinned": list(view.pinned), "row_height": view.row_height}


def _layout_from_json(spec: TableSpec, data: Mapping[str, Any]) -> dict[str, Any]:
    widths = data.get("widths") if isinstance(data.get("widths"), dict) else {}
    return {"widths": tuple((n, int(w)) for n, w in widths.items()
                            if spec.has_field(n) and isinstance(w, int) and WIDTHS[0] <= w <= WIDTHS[1]),
            "pinned": tuple(n for n in data.get("pinned", []) if spec.has_field(n)),
            "row_height": data.get("row_height", 0) if data.get("row_height", 0) in ROW_HEIGHTS else 0}


def _layout_params(view: ViewState) -> dict[str, str]:
    params = {"w": ",".join(f"{n}:{w}" for n, w in view.widths), "pin": ",".join(view.pinned),
              "rh": str(view.row_height) if view.row_height else ""}
    return {k: v for k, v in params.items() if v}


def _layout_from_params(spec: TableSpec, params: Mapping[str, str | list[str]], ignored: list[str]) -> dict[str, Any]:
    widths = []
    for item in filter(None, _one(params, "w").split(",")):
        name, _sep, px = item.partition(":")
        width = parse_int(px, low=WIDTHS[0], high=WIDTHS[1]) if spec.has_field(name) else None
        if width is None:
            ignored.append(_("column width “{text}”").format(text=item))
        else:
            widths.append((name, width))
    pinned = tuple(n for n in _one(params, "pin").split(",") if spec.has_field(n))
    height = parse_int(_one(params, "rh")) or 0
    if height not in ROW_HEIGHTS:
        ignored.append(_("row height “{text}”").format(text=_one(params, "rh")))
        height = 0
    return {"widths": tuple(widths), "pinned": pinned, "row_height": height}

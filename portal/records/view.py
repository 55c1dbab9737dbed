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
PARAM_KEYS = ("q", "f", "m", "sort", "cols", "page", "size", "as")
GRID = "grid"
LAYOUTS = (GRID, "kanban", "calendar")  # how a view shows its records (a table offers those it has a screen for)


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
                "page_size": self.page_size, "layout": self.layout}

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
                   layout=layout if layout in LAYOUTS else GRID)

    def to_params(self) -> dict[str, str | list[str]]:
        """URL query parameters (defaults left out, so the plain URL is the default view)."""
        params: dict[str, str | list[str]] = {}
        if self.search.strip():
            params["q"] = self.search.strip()
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
        return cls(search=clean_text(_one(params, "q"), limit=SEARCH_LIMIT), filters=tuple(filters), match=match,
                   sort=tuple(sort),
                   columns=columns, page=page, page_size=size if size in PAGE_SIZES else PAGE_SIZES[0],
                   layout=layout), ignored


def _one(params: Mapping[str, str | list[str]], key: str) -> str:
    value = params.get(key, "")
    return value[-1] if isinstance(value, list) else value

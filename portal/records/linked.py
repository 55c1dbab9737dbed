"""The "Linked records" area of a record page: sections that other modules register for a table.

Retailers start with their customer-manager history; complaints, the training record card and incidents
add their sections with `register_linked` when those modules arrive. A row that names its record (OPENS) opens it
on the section's record page; each provider reads only the rows its reader may see (row scopes in SQL).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from portal.access.auth import CurrentUser, can

# (session, actor, record id) -> rows of {column label (translated): text}, each may hold OPENS
RowsProvider = Callable[[Session, CurrentUser, int], list[dict[str, Any]]]
OPENS = "__opens"  # a row's key holding the URL parameters of its record on the section's `record_page`


@dataclass(frozen=True)
class LinkedSection:
    """A titled list of records linked to the one on the page."""

    key: str
    title: str  # English source (N_())
    rows: RowsProvider
    permission: str | None = None
    empty_text: str = "Nothing linked yet."  # English source
    record_page: str | None = None  # the page a row opens, with the row's OPENS parameters (e.g. {"id": "5"})


_SECTIONS: dict[str, dict[str, LinkedSection]] = {}


def register_linked(table: str, section: LinkedSection) -> None:
    """Show `section` on the record pages of `table` (registering the same key again replaces it)."""
    _SECTIONS.setdefault(table, {})[section.key] = section


def linked_sections(table: str, actor: CurrentUser) -> list[LinkedSection]:
    """The sections of `table` that `actor` may see, in registration order."""
    return [s for s in _SECTIONS.get(table, {}).values() if s.permission is None or can(actor, s.permission)]


def opens(record_id: int) -> dict[str, dict[str, str]]:
    """The OPENS entry of a row that opens record `record_id` (`?id=` on the section's record page)."""
    return {OPENS: {"id": str(record_id)}}


def shown_columns(row: dict[str, Any]) -> dict[str, Any]:
    """A row without its OPENS entry (what a table of the rows, a card or an export shows)."""
    return {k: v for k, v in row.items() if k != OPENS}

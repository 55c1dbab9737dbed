"""The "Linked records" area of a record page: sections that other modules register for a table.

Retailers start with their customer-manager history; complaints, the training record card and incidents
add their sections with `register_linked` when those modules arrive.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.access.auth import CurrentUser, can

# (session, actor, record id) -> rows of {column label (translated): text}
RowsProvider = Callable[[Session, CurrentUser, int], list[dict[str, str]]]


@dataclass(frozen=True)
class LinkedSection:
    """A titled list of records linked to the one on the page."""

    key: str
    title: str  # English source (N_())
    rows: RowsProvider
    permission: str | None = None
    empty_text: str = "Nothing linked yet."  # English source


_SECTIONS: dict[str, dict[str, LinkedSection]] = {}


def register_linked(table: str, section: LinkedSection) -> None:
    """Show `section` on the record pages of `table` (registering the same key again replaces it)."""
    _SECTIONS.setdefault(table, {})[section.key] = section


def linked_sections(table: str, actor: CurrentUser) -> list[LinkedSection]:
    """The sections of `table` that `actor` may see, in registration order."""
    return [s for s in _SECTIONS.get(table, {}).values() if s.permission is None or can(actor, s.permission)]

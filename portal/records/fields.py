"""How a table is described once: its fields (label, type, choices, rules, permissions) and the table itself.

Everything generic — grid columns, filter bar, sorting, forms, validation, import, export, history — is
derived from a `TableSpec`. Labels are English source strings marked with `N_()`; translate them with `_()`
where they are shown.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Column

from portal.access.auth import CurrentUser, can
from portal.i18n import N_


class FieldType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    SINGLE_SELECT = "single_select"
    MULTI_SELECT = "multi_select"
    CHECKBOX = "checkbox"
    PHONE = "phone"
    EMAIL = "email"
    USER = "user"
    LINK = "link"


TEXT_TYPES = frozenset({FieldType.TEXT, FieldType.LONG_TEXT, FieldType.PHONE, FieldType.EMAIL})
NUMBER_TYPES = frozenset({FieldType.INTEGER, FieldType.DECIMAL})
TIME_TYPES = frozenset({FieldType.DATE, FieldType.DATETIME})
REFERENCE_TYPES = frozenset({FieldType.USER, FieldType.LINK})


@dataclass(frozen=True)
class Choice:
    """One option of a select field: the stored value and its label (English source, N_())."""

    value: str
    label: str
    aliases: tuple[str, ...] = ()  # other spellings accepted on import (e.g. the Chinese term)
    color: str | None = None  # a grid shows this value as a chip of this colour (Streamlit's: "red", "orange", …)


@dataclass(frozen=True)
class Field:
    """One column of a table as people see it."""

    name: str  # the model attribute / column name
    label: str  # English source, marked with N_()
    type: FieldType
    choices: tuple[Choice, ...] = ()
    required: bool = False
    max_length: int | None = None
    min_value: int | Decimal | None = None
    max_value: int | Decimal | None = None
    pattern: str | None = None  # a regular expression the whole value must match
    pattern_hint: str | None = None  # what the pattern means, English source (N_())
    edit_permission: str | None = None  # None: nobody edits it through the portal
    view_permission: str | None = None  # without it the value is masked (in SQL, before it leaves the database)
    filterable: bool = True
    sortable: bool = False
    visible: bool = True  # shown by default
    searchable: bool = False  # part of the quick search
    search_index: str = "trigram"  # how "contains" is indexed: "trigram" (pg_trgm, words of 3+ characters)
    #                                or "grams" (portal_grams: any length, for Chinese text)
    bulk_editable: bool = False  # offered as a bulk action on selected rows
    link_table: str | None = None  # LINK: the linked table's spec name
    suggest: bool = False  # TEXT: the filter bar offers the values in use (few distinct values, e.g. districts)
    aliases: tuple[str, ...] = ()  # other column headers accepted on import (e.g. Chinese)
    help: str | None = None  # English source (N_())
    sort_pinyin: bool = False  # Chinese text sorted by pinyin (names); otherwise by character code (query.pinyin)
    # A computed field has no column of its own: `compute()` builds its SQL value per query (it may depend on
    # the time, e.g. an SLA status), and `condition(op, parsed value)` may give filters an indexable SQL
    # condition instead of comparing that value. Computed fields are read-only.
    compute: Callable[[], Any] | None = None
    condition: Callable[[str, Any], Any] | None = None
    suggest_from: Callable[[], Any] | None = None  # a computed suggest field: the column its offered values come from
    # a computed field whose value moves with the clock (an SLA status): `changes_between(before, after)` is an
    # indexable condition on the rows whose value may have changed between those two moments without any write
    # (watched views read just those, portal/notifications/watch.py)
    changes_between: Callable[[Any, Any], Any] | None = None

    @property
    def sorts_by_pinyin(self) -> bool:
        """Whether the field sorts by pinyin: names people look up that way (`sort_pinyin`), staff, and links to
        a table whose title sorts so; other text sorts by character code."""
        if self.type is FieldType.LINK and self.link_table in _REGISTRY:
            linked = _REGISTRY[self.link_table]
            return self.sort_pinyin or (linked.has_field(linked.title_field)
                                        and linked.field(linked.title_field).sort_pinyin)
        return self.sort_pinyin or self.type is FieldType.USER

    def choice(self, value: str) -> Choice | None:
        """The choice stored as `value`, if any."""
        return next((c for c in self.choices if c.value == value), None)

    def may_view(self, actor: CurrentUser | None) -> bool:
        """Whether `actor` sees the real value (otherwise a masked one)."""
        return self.view_permission is None or can(actor, self.view_permission)

    def may_edit(self, actor: CurrentUser | None) -> bool:
        """Whether `actor` may change this field."""
        return self.edit_permission is not None and can(actor, self.edit_permission) and self.may_view(actor)


@dataclass(frozen=True)
class TableSpec:
    """A table as the records layer shows it."""

    name: str  # the database table name; also the audit log's table_name and the registry key
    label: str  # plural, English source (N_())
    record_label: str  # singular, English source (N_())
    model: type
    fields: tuple[Field, ...]
    title_field: str  # what names a record (page titles, links)
    view_permission: str
    edit_permission: str | None = None  # needed for any write; fields may demand more
    create_permission: str | None = None
    key_field: str | None = None  # the natural key: import upserts by it
    default_sort: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    # the rows `actor` may see (a SQL condition), None: all rows; applied to every grid, count, export and record
    row_scope: Callable[[CurrentUser | None], Any] | None = None
    # a record's title as SQL over its (aliased) table, when it is not one column (e.g. a name per language)
    title_sql: Callable[[Any], Any] | None = None
    _by_name: dict[str, Field] = dc_field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({f.name: f for f in self.fields})

    def field(self, name: str) -> Field:
        """The field called `name` (KeyError when there is none)."""
        return self._by_name[name]

    def has_field(self, name: str) -> bool:
        return name in self._by_name

    def column(self, name: str) -> Column[Any]:
        """The table column behind field or attribute `name`."""
        return self.model.__table__.c[name]

    def expression(self, name: str) -> Any:
        """The SQL value of field `name`: its column, or a computed field's expression."""
        fld = self._by_name.get(name)
        return fld.compute() if fld is not None and fld.compute is not None else self.column(name)

    def title_of(self, table: Any) -> Any:
        """The title of a record as SQL over `table` (this spec's table or an alias of it)."""
        return self.title_sql(table) if self.title_sql is not None else table.c[self.title_field]

    @property
    def id_column(self) -> Column[Any]:
        return self.model.__table__.c.id

    def default_columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.visible)

    def visible_fields(self, names: tuple[str, ...] | None = None) -> list[Field]:
        """The fields named (in that order, unknown names skipped), or the default ones."""
        names = names or self.default_columns()
        return [self._by_name[n] for n in names if n in self._by_name]

    def has_default(self, name: str) -> bool:
        """Whether the database fills `name` when an insert leaves it out (server or Python default)."""
        col = self.column(name)
        return col.server_default is not None or col.default is not None


_REGISTRY: dict[str, TableSpec] = {}
SORT_NOTES = {"pinyin": N_("Sorts by pinyin (rare characters after the common ones)."),
              "code": N_("Sorts by character code, not by pinyin."),
              "choice": N_("Sorts by the choice's code, not by its label.")}


def sort_note(field: Field) -> str | None:
    """How a sortable text, staff, link or choice field sorts, for its description (English source)."""
    if not field.sortable:
        return None
    if field.sorts_by_pinyin:
        return SORT_NOTES["pinyin"]
    if field.type in TEXT_TYPES or field.type is FieldType.LINK:
        return SORT_NOTES["code"]
    return SORT_NOTES["choice"] if field.type is FieldType.SINGLE_SELECT else None


def register(spec: TableSpec) -> TableSpec:
    """Make `spec` known by its table name (link fields, saved views and history look it up)."""
    _REGISTRY[spec.name] = spec
    return spec


def get_spec(name: str) -> TableSpec:
    """The registered spec of table `name`."""
    return _REGISTRY[name]

"""Filters and quick search as SQL: each (field, operator, value) becomes one SQLAlchemy condition.

Values arrive as text (from the URL or a widget) and are parsed with the same parsers as forms, so a filter
value is understood exactly like an entered value.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, false, func, literal, not_, or_, true
from sqlalchemy.dialects.postgresql import ARRAY

from portal.access.auth import CurrentUser
from portal.center_time import CENTER_TZ
from portal.i18n import N_, _, fmt_labelled
from portal.inputs import DAY_RANGE, NUL_REFUSED, clean_text, day_in_range
from portal.records.fields import NUMBER_TYPES, TEXT_TYPES, Field, FieldType, TableSpec
from portal.records.periods import RELATIVE_DAYS, is_relative, period_days, relative_day  # noqa: F401  (re-exported)
from portal.records.values import parse_checkbox, parse_date, parse_value

CONTAINS, NOT_CONTAINS, IS, IS_NOT, ANY_OF = "contains", "not_contains", "is", "is_not", "any_of"
BEFORE, AFTER, BETWEEN, EMPTY, NOT_EMPTY = "before", "after", "between", "empty", "not_empty"
WITHIN = "within"  # dates: a period named relative to today (portal/records/periods.py), e.g. "this_week", "past_7"
LIST_OPS = frozenset({ANY_OF, BETWEEN})
GRAMS = "grams"
GRAMS_EXACT_UP_TO = 2  # characters: a word this long is found by the grams index alone
NO_VALUE_OPS = frozenset({EMPTY, NOT_EMPTY})
SEARCH_LIMIT = 500  # characters of quick search

_TEXT_OPS = (CONTAINS, NOT_CONTAINS, IS, IS_NOT, ANY_OF, EMPTY, NOT_EMPTY)
_RANGE_OPS = (IS, IS_NOT, BEFORE, AFTER, BETWEEN, EMPTY, NOT_EMPTY)
_TIME_OPS = (WITHIN, *_RANGE_OPS)
_CHOICE_OPS = (IS, IS_NOT, ANY_OF, EMPTY, NOT_EMPTY)
OPERATORS: dict[FieldType, tuple[str, ...]] = {
    **{t: _TEXT_OPS for t in TEXT_TYPES},
    FieldType.INTEGER: (*_RANGE_OPS, ANY_OF),
    FieldType.DECIMAL: _RANGE_OPS,
    FieldType.DATE: _TIME_OPS,
    FieldType.DATETIME: _TIME_OPS,
    FieldType.SINGLE_SELECT: _CHOICE_OPS,
    FieldType.MULTI_SELECT: (CONTAINS, NOT_CONTAINS, ANY_OF, IS, EMPTY, NOT_EMPTY),
    FieldType.CHECKBOX: (IS,),
    FieldType.USER: _CHOICE_OPS,
    FieldType.LINK: _CHOICE_OPS,
}
OP_LABELS = {CONTAINS: N_("contains"), NOT_CONTAINS: N_("does not contain"), IS: N_("is"), IS_NOT: N_("is not"),
             ANY_OF: N_("is any of"), BEFORE: N_("is before"), AFTER: N_("is after"), BETWEEN: N_("is between"),
             EMPTY: N_("is empty"), NOT_EMPTY: N_("is not empty"), WITHIN: N_("is within")}
NUMBER_OP_LABELS = {BEFORE: N_("is less than"), AFTER: N_("is greater than")}
MULTI_OP_LABELS = {CONTAINS: N_("has"), NOT_CONTAINS: N_("has not"), ANY_OF: N_("has any of"),
                   IS: N_("is exactly")}


@dataclass(frozen=True)
class Filter:
    """One condition of a view: field, operator and value(s) as text."""

    field: str
    op: str
    value: str | tuple[str, ...] | None = None


class FilterError(ValueError):
    """A filter that cannot be applied (unknown field, operator not offered, value not understood)."""


def operators(field: Field) -> tuple[str, ...]:
    """The operators the filter bar offers for `field`."""
    return OPERATORS[field.type]


def op_label(field: Field, op: str) -> str:
    """The English source label of `op` for this field's type (translate with `_()`)."""
    if field.type in NUMBER_TYPES and op in NUMBER_OP_LABELS:
        return NUMBER_OP_LABELS[op]
    if field.type is FieldType.MULTI_SELECT and op in MULTI_OP_LABELS:
        return MULTI_OP_LABELS[op]
    return OP_LABELS[op]


def like_pattern(text: str) -> str:
    """`%text%` with LIKE's wildcards in `text` taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _grams(value: Any) -> ColumnElement[Any]:
    return func.portal_grams(value, type_=ARRAY(Text))


def _query_grams(word: str) -> ColumnElement[Any]:
    return func.portal_query_grams(literal(word), type_=ARRAY(Text))


def contains_clause(field: Field, col: Any, text: str) -> ColumnElement[bool]:
    """`col` contains `text`, case-insensitively, written so the field's index answers it.

    A "grams" field is indexed by its pairs of adjacent characters (migration 0002): for a two-character word
    the index answer is exact, longer words are checked with ILIKE among its candidates, and a single
    character has no index to use.
    """
    like = col.ilike(like_pattern(text), escape="\\")
    if field.search_index != GRAMS or len(text) < 2:
        return like
    grams = _grams(col).contains(_query_grams(text))
    return grams if len(text) <= GRAMS_EXACT_UP_TO else and_(grams, like)


def _one(field: Field, raw: Any) -> Any:
    """One filter value, parsed like an entered value (dates for date-time fields: filters work by day; days
    within portal.inputs.DAY_RANGE, whole numbers within the column's range, text without NUL)."""
    if field.type in (FieldType.DATE, FieldType.DATETIME) and isinstance(raw, str) and is_relative(raw.strip()):
        return relative_day(raw.strip())
    if field.type in (FieldType.DATE, FieldType.DATETIME):
        day = parse_date(field, raw)
        if day is None:
            raise ValueError(_("Enter a date like 2026-03-31."))
        if not day_in_range(day):
            raise ValueError(_("Enter a date from {first} to {last}.").format(first=DAY_RANGE[0], last=DAY_RANGE[1]))
        return day
    if field.type in TEXT_TYPES:
        text = str(raw).strip() if raw is not None else ""
        if not text:
            raise ValueError(_("Enter a value."))
        if "\x00" in text:
            raise ValueError(_(NUL_REFUSED))
        return text
    if field.type is FieldType.CHECKBOX:
        return parse_checkbox(field, raw)
    value = parse_value(field, raw)
    if value is None:
        raise ValueError(_("Enter a value."))
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _values(field: Field, flt: Filter) -> Any:
    raw = flt.value
    if flt.op in NO_VALUE_OPS:
        return None
    if flt.op == WITHIN:
        days = period_days(str(raw).strip()) if isinstance(raw, str) else None
        if days is None or not all(day_in_range(d) for d in days):
            raise ValueError(_("Choose a period such as “this week” or “past 7 days”."))
        return list(days)
    if flt.op in LIST_OPS:
        items = [raw] if isinstance(raw, str) else list(raw or ())
        values = [_one(field, item) for item in items]
        if flt.op == BETWEEN and len(values) != 2:
            raise ValueError(_("“Between” needs two values."))
        if flt.op == ANY_OF and not values:
            raise ValueError(_("Choose at least one value."))
        return values
    if not isinstance(raw, str | int | float | bool) and raw is not None:
        raise ValueError(_("Enter one value."))
    return _one(field, raw)


def _day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the center's time zone (PORTAL_TIMEZONE), whatever the server's is."""
    return datetime.combine(day, time(), tzinfo=CENTER_TZ)


def _range_clause(field: Field, col: Any, op: str, value: Any) -> ColumnElement[bool]:
    """is / is not / before / after / between / within for numbers, dates and date-times (which compare by whole
    day; within: the period's first and last day)."""
    op = BETWEEN if op == WITHIN else op
    if field.type is FieldType.DATETIME:
        lo = _day_start(value[0] if op == BETWEEN else value)
        hi = _day_start((value[1] if op == BETWEEN else value) + timedelta(days=1))
        if op == IS_NOT:
            return or_(col < lo, col >= hi, col.is_(None))
        return col < lo if op == BEFORE else col >= hi if op == AFTER else and_(col >= lo, col < hi)
    if op == BETWEEN:
        return col.between(min(value), max(value))
    if op == IS_NOT:
        return col.is_distinct_from(value)
    return col < value if op == BEFORE else col > value if op == AFTER else col == value


def _text_clause(field: Field, col: Any, op: str, value: Any) -> ColumnElement[bool]:
    if op == CONTAINS:
        return contains_clause(field, col, value)
    if op == NOT_CONTAINS:
        return or_(col.is_(None), not_(col.ilike(like_pattern(value), escape="\\")))
    if op == ANY_OF:
        return col.in_(value)
    return col.is_distinct_from(value) if op == IS_NOT else col == value


def _multi_clause(col: Any, op: str, value: Any) -> ColumnElement[bool]:
    values = value if isinstance(value, list) else [value]
    if op == CONTAINS:
        return col.contains(values)
    if op == NOT_CONTAINS:
        return or_(col.is_(None), not_(col.contains(values)))
    if op == ANY_OF:
        return col.overlap(values)
    return and_(col.contains(values), col.contained_by(values))  # IS: exactly these


def _empty_clause(field: Field, col: Any, op: str) -> ColumnElement[bool]:
    if field.type in TEXT_TYPES:
        empty = or_(col.is_(None), col == "")
    elif field.type is FieldType.MULTI_SELECT:
        empty = or_(col.is_(None), func.cardinality(col) == 0)
    else:
        empty = col.is_(None)
    return empty if op == EMPTY else not_(empty)


def filter_clause(spec: TableSpec, flt: Filter, actor: CurrentUser | None) -> ColumnElement[bool]:
    """The SQL condition for one filter; FilterError when it cannot be applied for this actor."""
    if not spec.has_field(flt.field):
        raise FilterError(_("There is no field “{field}”.").format(field=flt.field))
    field = spec.field(flt.field)
    if not field.filterable or not field.may_view(actor):
        raise FilterError(_("“{label}” cannot be filtered.").format(label=_(field.label)))
    if flt.op not in operators(field):
        raise FilterError(_("“{label}” has no operator “{op}”.").format(label=_(field.label), op=flt.op))
    try:
        value = _values(field, flt)
    except ValueError as exc:
        raise FilterError(fmt_labelled(f"{_(field.label)} {_(op_label(field, flt.op))}", str(exc))) from None
    if field.condition is not None:
        return field.condition(flt.op, value)
    return column_clause(field, spec.expression(field.name), flt.op, value)


def column_clause(field: Field, col: Any, op: str, value: Any) -> ColumnElement[bool]:
    """A filter of `field` (operator `op`, parsed `value`) as a condition on `col`: the field's own column, or
    another one holding the same kind of values (a computed field's `condition` may filter a related table)."""
    if op in NO_VALUE_OPS:
        return _empty_clause(field, col, op)
    if field.type is FieldType.CHECKBOX:
        return col.is_(true()) if value else or_(col.is_(false()), col.is_(None))
    if field.type is FieldType.MULTI_SELECT:
        return _multi_clause(col, op, value)
    if field.type in TEXT_TYPES or op == ANY_OF or field.type in (FieldType.SINGLE_SELECT, FieldType.USER,
                                                                 FieldType.LINK):
        return _text_clause(field, col, op, value)
    return _range_clause(field, col, op, value)


def _word_clause(fields: list[Field], spec: TableSpec, word: str) -> ColumnElement[bool]:
    """One search word in any of `fields`, written as (index candidates) AND (exact check).

    The first part is what the indexes answer (pg_trgm for trigram fields, portal_grams for grams fields);
    the second, implied by the first, is checked row by row with plain ILIKE, so no row recomputes grams.
    Words shorter than 3 characters skip trigram fields when grams fields exist (pg_trgm cannot use its
    index for them, and such short digit strings find nothing useful).
    """
    trigram = [f for f in fields if f.search_index != GRAMS]
    grams = [f for f in fields if f.search_index == GRAMS]
    if grams and len(word) < 3:
        trigram = []

    def like(f: Field) -> ColumnElement[bool]:
        return spec.column(f.name).ilike(like_pattern(word), escape="\\")

    if not grams or len(word) < 2:
        return or_(*(like(f) for f in trigram + grams))
    candidates = or_(*(like(f) for f in trigram),
                     *(_grams(spec.column(f.name)).contains(_query_grams(word)) for f in grams))
    if len(word) <= GRAMS_EXACT_UP_TO:
        return candidates
    return and_(candidates, or_(*(like(f) for f in trigram + grams)))


def search_clause(spec: TableSpec, text: str, actor: CurrentUser | None,
                  row_by_row: bool = False) -> ColumnElement[bool] | None:
    """Quick search: every word must appear in some searchable text field the actor may see (indexed).

    `row_by_row` writes it as plain ILIKE, for a plan that walks a sort index testing row after row.
    """
    fields = [f for f in spec.fields if f.searchable and f.type in TEXT_TYPES and f.may_view(actor)]
    words = clean_text(text, limit=SEARCH_LIMIT).split()  # NUL and control characters cannot be searched for
    if not words or not fields:
        return None
    if row_by_row:  # the same fields per word as _word_clause searches
        def searched(word: str) -> list[Field]:
            if len(word) < 3 and any(f.search_index == GRAMS for f in fields):
                return [f for f in fields if f.search_index == GRAMS]
            return fields

        return and_(*(or_(*(spec.column(f.name).ilike(like_pattern(w), escape="\\") for f in searched(w)))
                      for w in words))
    return and_(*(_word_clause(fields, spec, w) for w in words))

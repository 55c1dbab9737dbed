"""Previous / next within a view: the records just before and after one record in a view's order, by keyset.

A record page opened from a grid knows that grid's view (its URL travels as `from`). The neighbours are found from
the record's own sort keys (read by primary key) in one statement: for each sort level, "the levels before are equal
and this one is just past the record's", first row only — each branch an index range, never the whole list. The
record need not match the view any more (it may have left it since): its neighbours are the view's rows around its
place. Sorting follows PostgreSQL's defaults, as query.py sorts: ascending puts empty values last, descending first.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, literal, select, union_all
from sqlalchemy.orm import Session

from portal.access.auth import CurrentUser, require
from portal.records.fields import TableSpec
from portal.records.query import _Joins, sort_keys, where_clause
from portal.records.view import ViewState

NEXT, PREVIOUS = "next", "previous"


@dataclass(frozen=True)
class Neighbours:
    """The ids just before and after a record in a view (None at either end, or when the record is not visible)."""

    previous: int | None
    next: int | None


def _past(expr: Any, value: Any, desc: bool, forward: bool) -> list[Any]:
    """Conditions, in the order of the rows they select, for "strictly past `value`" on one sort level.

    Ascending sorts empty values last, descending first; walking backwards mirrors that.
    """
    larger_first = desc == forward  # walking towards smaller values
    nulls_ahead = forward != desc   # empty values come after every value in the walking direction
    if value is None:
        return [] if nulls_ahead else [expr.is_not(None)]
    value = literal(value, type_=expr.type)  # (booleans too: SQLAlchemy compares a bare True only with IS)
    step = expr < value if larger_first else expr > value
    return [step, expr.is_(None)] if nulls_ahead else [step]


def _branches(base: Select, keys: list[tuple[Any, bool]], values: tuple, forward: bool) -> list[Select]:
    """One LIMIT 1 query per (level, condition), deepest level first: the first non-empty one holds the neighbour."""
    branches = []
    for level in range(len(keys) - 1, -1, -1):
        equal = [e.is_(None) if v is None else e == literal(v, type_=e.type)
                 for (e, _d), v in zip(keys[:level], values, strict=False)]
        expr, desc = keys[level]
        for cond in _past(expr, values[level], desc, forward):
            order = [(e.desc() if d == forward else e.asc()) for e, d in keys]
            branches.append(base.where(*equal, cond).order_by(*order).limit(1))
    return branches


def _tagged(branches: list[Select], direction: str) -> list[Select]:
    return [select(literal(direction).label("direction"), literal(rank).label("rank"), b.subquery().c.id)
            for rank, b in enumerate(branches)]


def neighbours(session: Session, *, actor: CurrentUser | None, spec: TableSpec, view: ViewState,
               record_id: int) -> Neighbours:
    """The records before and after `record_id` in `view` (its filters, search, sort and the actor's row scope)."""
    require(actor, spec.view_permission)
    joins = _Joins(spec)
    keys = sort_keys(spec, view, actor, joins)
    scope = spec.row_scope(actor) if spec.row_scope is not None else None
    own = joins.apply(select(*(e for e, _d in keys)).select_from(spec.model.__table__)).where(
        spec.id_column == record_id, *([] if scope is None else [scope]))
    values = session.execute(own).first()
    if values is None:
        return Neighbours(None, None)
    clauses, _problems = where_clause(spec, view, actor)
    base = joins.apply(select(spec.id_column.label("id")).select_from(spec.model.__table__)).where(*clauses)
    found: dict[str, tuple[int, int]] = {}
    tagged = _tagged(_branches(base, keys, tuple(values), True), NEXT) + \
        _tagged(_branches(base, keys, tuple(values), False), PREVIOUS)
    for direction, rank, rid in session.execute(union_all(*tagged)):
        if direction not in found or rank < found[direction][0]:
            found[direction] = (rank, rid)
    return Neighbours(previous=found.get(PREVIOUS, (0, None))[1], next=found.get(NEXT, (0, None))[1])

"""Reading a view from the database: one query per page (linked names joined in), counts, keyset paging.

Masking happens here, in SQL: a field the actor may not see leaves the database already masked, so no page,
export or history can show it by mistake.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, select, text, tuple_
from sqlalchemy.orm import Session, aliased

from db.models import User
from portal.auth import CurrentUser, require
from portal.records.fields import Field, FieldType, TableSpec, get_spec
from portal.records.filters import FilterError, filter_clause, search_clause
from portal.records.view import ViewState

ESTIMATE_FROM = 50_000  # an unfiltered table this large is counted by the planner's estimate
MASK = "••••"


@dataclass
class Page:
    """One page of a view: rows as dicts (field name -> value, `<field>__label` for users and links)."""

    rows: list[dict[str, Any]]
    total: int
    exact: bool  # False: `total` is the planner's estimate
    page: int
    page_size: int
    first_key: tuple | None = None
    last_key: tuple | None = None
    problems: list[str] = field(default_factory=list)  # filters that were ignored, and why

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))


def masked(field: Field, col: Any) -> ColumnElement[Any]:
    """What someone without the field's view permission sees instead of the value."""
    if field.type is FieldType.PHONE:
        return case((func.length(col) > 7, func.left(col, 3) + "****" + func.right(col, 4)),
                    (col.is_not(None), literal(MASK)), else_=None)
    if field.type is FieldType.EMAIL:
        return case((col.is_not(None), func.left(col, 1) + "***@" + func.split_part(col, "@", 2)), else_=None)
    return case((col.is_not(None), literal(MASK)), else_=None)


class _Joins:
    """The LEFT JOINs a query needs for user and link labels, one alias per field."""

    def __init__(self, spec: TableSpec):
        self.spec = spec
        self.targets: list[tuple[Any, ColumnElement[bool]]] = []
        self._labels: dict[str, ColumnElement[Any]] = {}

    def label(self, fld: Field) -> ColumnElement[Any]:
        """The display text of a user or link field (joining its table once)."""
        if fld.name not in self._labels:
            if fld.type is FieldType.USER:
                target = aliased(User, name=f"j_{fld.name}")
                self._labels[fld.name] = target.name + " (" + target.staff_id + ")"
                self.targets.append((target, target.id == self.spec.column(fld.name)))
            else:
                linked = get_spec(fld.link_table or "")
                target = linked.model.__table__.alias(f"j_{fld.name}")
                self._labels[fld.name] = target.c[linked.title_field]
                self.targets.append((target, target.c.id == self.spec.column(fld.name)))
        return self._labels[fld.name]

    def apply(self, stmt: Select) -> Select:
        for target, on in self.targets:
            stmt = stmt.outerjoin(target, on)
        return stmt


def where_clause(spec: TableSpec, view: ViewState, actor: CurrentUser | None) -> tuple[list[Any], list[str]]:
    """The conditions of a view's filters and search, and the filters that could not be applied."""
    clauses, problems = [], []
    for flt in view.filters:
        try:
            clauses.append(filter_clause(spec, flt, actor))
        except FilterError as exc:
            problems.append(str(exc))
    found = search_clause(spec, view.search, actor)
    if found is not None:
        clauses.append(found)
    return clauses, problems


def sort_keys(spec: TableSpec, view: ViewState, actor: CurrentUser | None, joins: _Joins) -> list[tuple[Any, bool]]:
    """ORDER BY expressions with direction; ends with the id so the order is total (needed for paging)."""
    keys: list[tuple[Any, bool]] = []
    for name, desc in view.sort or spec.default_sort:
        fld = spec.field(name)
        if not fld.sortable or not fld.may_view(actor):
            continue
        expr = joins.label(fld) if fld.type in (FieldType.USER, FieldType.LINK) else spec.column(name)
        keys.append((expr, desc))
    if not any(_unique(spec, expr) for expr, _ in keys):  # a unique NOT NULL key (licence number) is total
        keys.append((spec.id_column, keys[-1][1] if keys else False))
    return keys


def _unique(spec: TableSpec, expr: Any) -> bool:
    return getattr(expr, "table", None) is spec.model.__table__ and bool(expr.unique) and not expr.nullable


def _keyset_ready(spec: TableSpec, keys: list[tuple[Any, bool]]) -> bool:
    """Keyset paging needs the table's own NOT NULL columns, all sorted one way (a row comparison then matches)."""
    table = spec.model.__table__
    return len({desc for _, desc in keys}) == 1 and all(
        getattr(expr, "table", None) is table and not expr.nullable for expr, _ in keys)


def select_view(spec: TableSpec, view: ViewState, actor: CurrentUser | None, columns: tuple[str, ...] | None = None,
                filtered: bool = True) -> tuple[Select, list[tuple[Any, bool]], list[str]]:
    """The SELECT of a view's rows (its filters unless `filtered` is False), its sort keys, ignored filters."""
    joins = _Joins(spec)
    selected: list[Any] = [spec.id_column.label("id"), spec.column("version").label("version")]
    for fld in spec.visible_fields(columns if columns is not None else view.columns):
        col = spec.column(fld.name)
        selected.append((col if fld.may_view(actor) else masked(fld, col)).label(fld.name))
        if fld.type in (FieldType.USER, FieldType.LINK):
            selected.append(joins.label(fld).label(f"{fld.name}__label"))
    keys = sort_keys(spec, view, actor, joins)
    selected += [expr.label(f"__k{i}") for i, (expr, _) in enumerate(keys)]
    clauses, problems = where_clause(spec, view, actor)
    stmt = joins.apply(select(*selected).select_from(spec.model.__table__))
    return (stmt.where(*clauses) if filtered else stmt), keys, problems


def count_view(session: Session, spec: TableSpec, view: ViewState, actor: CurrentUser | None,
               clauses: list[Any] | None = None) -> tuple[int, bool]:
    """How many rows match: exact when filtered or small, the planner's estimate for a large unfiltered table."""
    if clauses is None:
        clauses, _problems = where_clause(spec, view, actor)
    if not clauses:
        estimate = session.scalar(text("select reltuples::bigint from pg_class where oid = cast(:t as regclass)"),
                                  {"t": spec.name})
        if estimate is not None and estimate >= ESTIMATE_FROM:
            return int(estimate), False
    stmt = select(func.count()).select_from(spec.model.__table__).where(*clauses)
    return session.scalar(stmt) or 0, True


def _ordered(stmt: Select, keys: list[tuple[Any, bool]], reverse: bool = False) -> Select:
    return stmt.order_by(*((e.desc() if d != reverse else e.asc()) for e, d in keys))


def _page_ids(spec: TableSpec, view: ViewState, actor: CurrentUser | None, clauses: list[Any],
              after: tuple | None, before: tuple | None) -> tuple[Select, bool]:
    """The ids of one page, found by a query of ids and sort keys alone (so deep offsets walk an index, not
    joined rows); True when it reads backwards (keyset towards the previous page)."""
    joins = _Joins(spec)
    keys = sort_keys(spec, view, actor, joins)
    stmt = joins.apply(select(spec.id_column).select_from(spec.model.__table__)).where(*clauses)
    backwards = False
    if (after or before) and _keyset_ready(spec, keys):
        row_key, bound, backwards = tuple_(*(e for e, _ in keys)), tuple_(*(after or before)), after is None
        stmt = stmt.where(row_key < bound if keys[0][1] != backwards else row_key > bound)
    else:
        stmt = stmt.offset((view.page - 1) * view.page_size)
    return _ordered(stmt, keys, reverse=backwards).limit(view.page_size), backwards


def fetch_page(session: Session, *, actor: CurrentUser | None, spec: TableSpec, view: ViewState,
               after: tuple | None = None, before: tuple | None = None) -> Page:
    """One page of `view`; `after`/`before` (the neighbouring page's last/first key) switch to keyset paging.

    Two steps in one statement: the page's ids (filtered, sorted, limited on indexes), then their fields and
    linked names for just those rows.
    """
    require(actor, spec.view_permission)
    stmt, keys, problems = select_view(spec, view, actor, filtered=False)  # the ids below are filtered
    clauses, _problems = where_clause(spec, view, actor)
    total, exact = count_view(session, spec, view, actor, clauses)
    ids, backwards = _page_ids(spec, view, actor, clauses, after, before)
    rows = session.execute(_ordered(stmt.where(spec.id_column.in_(ids)), keys, reverse=backwards)).mappings().all()
    rows = rows[::-1] if backwards else rows
    n = len(keys)
    page_rows = [{k: v for k, v in r.items() if not k.startswith("__k")} for r in rows]
    return Page(rows=page_rows, total=total, exact=exact, page=view.page, page_size=view.page_size,
                first_key=tuple(rows[0][f"__k{i}"] for i in range(n)) if rows else None,
                last_key=tuple(rows[-1][f"__k{i}"] for i in range(n)) if rows else None, problems=problems)


def iter_view(session: Session, *, actor: CurrentUser | None, spec: TableSpec, view: ViewState,
              batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every row of `view` in order, fetched `batch` rows at a time through a server-side cursor."""
    require(actor, spec.view_permission)
    stmt, keys, _problems = select_view(spec, view, actor)
    result = session.execute(_ordered(stmt, keys).execution_options(yield_per=batch))
    for row in result.mappings():
        yield {k: v for k, v in row.items() if not k.startswith("__k")}


def values_in_use(session: Session, *, actor: CurrentUser | None, spec: TableSpec, field: str,
                  limit: int = 500) -> list[Any]:
    """The distinct values of a suggest field, sorted (offered by the filter bar)."""
    require(actor, spec.view_permission)
    col = spec.column(field)
    return list(session.scalars(select(col).where(col.is_not(None)).distinct().order_by(col).limit(limit)))


def fetch_record(session: Session, *, actor: CurrentUser | None, spec: TableSpec, record_id: int) -> dict | None:
    """Every field of one record (masked as for the grid, with user and link labels), or None."""
    require(actor, spec.view_permission)
    stmt, _keys, _problems = select_view(spec, ViewState(), actor, columns=tuple(f.name for f in spec.fields))
    row = session.execute(stmt.where(spec.id_column == record_id)).mappings().first()
    return None if row is None else {k: v for k, v in row.items() if not k.startswith("__k")}

"""Reading a view from the database: one query per page (linked names joined in), counts, keyset paging.

Masking happens here, in SQL: a field the actor may not see leaves the database already masked, so no page,
export or history can show it by mistake.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, LargeBinary, Select, case, func, literal, select, text, tuple_
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import FunctionElement

from db.input_guard import check_parameters
from db.models import User
from portal.access.auth import CurrentUser, require
from portal.i18n import _
from portal.inputs import MAX_PAGE
from portal.records.fields import Field, FieldType, TableSpec, get_spec
from portal.records.filter_groups import ANY, FilterGroup, items_clause
from portal.records.filters import CONTAINS, NOT_CONTAINS, FilterError, search_clause
from portal.records.view import PAGE_SIZES, ViewState

ESTIMATE_FROM = 50_000  # an unfiltered table this large is counted by the planner's estimate
COLLECT_UP_TO = 30_000  # matches of a filter: up to this many are collected and sorted rather than walked
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
                self._labels[fld.name] = linked.title_of(target)
                self.targets.append((target, target.c.id == self.spec.column(fld.name)))
        return self._labels[fld.name]

    def apply(self, stmt: Select) -> Select:
        for target, on in self.targets:
            stmt = stmt.outerjoin(target, on)
        return stmt


def where_clause(spec: TableSpec, view: ViewState, actor: CurrentUser | None,
                 row_by_row: bool = False) -> tuple[list[Any], list[str]]:
    """The conditions of a view's filters and search (and of the rows the actor may see), and the filters that
    could not be applied."""
    scope = spec.row_scope(actor) if spec.row_scope is not None else None
    clauses = [] if scope is None else [scope]
    filtered, problems = items_clause(spec, view.filters, view.match, actor)
    if filtered is not None:
        clauses.append(filtered)
    found = search_clause(spec, view.search, actor, row_by_row=row_by_row)
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
        expr = joins.label(fld) if fld.type in (FieldType.USER, FieldType.LINK) else spec.expression(name)
        keys.append((pinyin(expr) if fld.sorts_by_pinyin else expr, desc))
    if not any(_unique(spec, expr) for expr, _ in keys):  # a unique NOT NULL key (licence number) is total
        keys.append((spec.id_column, keys[-1][1] if keys else False))
    return keys


def _unique(spec: TableSpec, expr: Any) -> bool:
    return getattr(expr, "table", None) is spec.model.__table__ and bool(expr.unique) and not expr.nullable


def pinyin(expr: Any) -> ColumnElement[Any]:
    """The pinyin sort key of Chinese text (migration 0031's portal_pinyin: its GB18030 bytes, whose common
    characters — GB2312 level 1, 3,755 of them — are in pinyin order; rarer ones follow by radical). Indexed for
    retailers' shop and owner names, so keyset paging walks it."""
    return func.portal_pinyin(expr, type_=LargeBinary)


def _own_column(spec: TableSpec, expr: Any) -> Any:
    """The table's column behind a sort key (its pinyin key included), or None."""
    if isinstance(expr, FunctionElement) and expr.name == "portal_pinyin":
        expr = next(iter(expr.clauses), None)
    return expr if getattr(expr, "table", None) is spec.model.__table__ else None


def _keyset_ready(spec: TableSpec, keys: list[tuple[Any, bool]]) -> bool:
    """Keyset paging needs keys on the table's own NOT NULL columns (or their pinyin), all sorted one way (a row
    comparison then matches)."""
    columns = [_own_column(spec, expr) for expr, _ in keys]
    return len({desc for _, desc in keys}) == 1 and all(c is not None and not c.nullable for c in columns)


def select_view(spec: TableSpec, view: ViewState, actor: CurrentUser | None, columns: tuple[str, ...] | None = None,
                filtered: bool = True) -> tuple[Select, list[tuple[Any, bool]], list[str]]:
    """The SELECT of a view's rows (its filters unless `filtered` is False), its sort keys, ignored filters."""
    joins = _Joins(spec)
    selected: list[Any] = [spec.id_column.label("id"), spec.column("version").label("version")]
    for fld in spec.visible_fields(columns if columns is not None else view.columns):
        col = spec.expression(fld.name)
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


def _text_search(view: ViewState) -> bool:
    """Whether the view searches text (quick search or a "contains" filter): those conditions are answered by
    GIN indexes and are costly to test row by row."""
    return bool(view.search.split()) or any(f.op in (CONTAINS, NOT_CONTAINS) for f in view.conditions())


def _or_view(view: ViewState) -> bool:
    """Whether the view's filters have an OR (an ANY of several items or conditions)."""
    return (view.match == ANY and len(view.filters) > 1) or any(
        isinstance(i, FilterGroup) and i.match == ANY and len(i.conditions) > 1 for i in view.filters)


def estimated_rows(session: Session, spec: TableSpec, clauses: list[Any]) -> int:
    """The planner's estimate of how many rows match `clauses` (no rows are read)."""
    stmt = select(spec.id_column).select_from(spec.model.__table__).where(*clauses)
    compiled = stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    check_parameters(compiled.binds, compiled.params)  # the driver's own cursor: no Engine event checks them
    cursor = session.connection().connection.driver_connection.cursor()
    cursor.execute("EXPLAIN (FORMAT JSON) " + compiled.string, compiled.params)
    return int(cursor.fetchone()[0][0]["Plan"]["Plan Rows"])


def _page_ids(spec: TableSpec, view: ViewState, actor: CurrentUser | None, clauses: list[Any],
              after: tuple | None, before: tuple | None, collect: bool) -> tuple[Select, bool]:
    """The ids of one page, by a query of ids and sort keys alone (deep offsets walk an index, not joined rows),
    and whether it reads backwards (keyset towards the previous page).

    With `collect`, all matches are collected first (a materialised CTE, counted as it is made, `total`
    column) and then sorted. Otherwise the planner may walk the sort index testing row after row, which is
    slow when matches are rare or clustered (licence numbers begin with the district's code, so a district's
    retailers sit together in licence order), and costly per row for text search.
    """
    joins = _Joins(spec)
    keys = sort_keys(spec, view, actor, joins)
    keyset = bool(after or before) and _keyset_ready(spec, keys)
    stmt = joins.apply(select(spec.id_column.label("id")).select_from(spec.model.__table__)).where(*clauses)
    if collect:
        matches = (joins.apply(select(spec.id_column.label("id"), func.count().over().label("total"),
                                      *(e.label(f"k{i}") for i, (e, _d) in enumerate(keys)))
                               .select_from(spec.model.__table__)).where(*clauses)
                   .cte("matches").prefix_with("MATERIALIZED"))
        keys = [(matches.c[f"k{i}"], desc) for i, (_e, desc) in enumerate(keys)]
        stmt = select(matches.c.id, matches.c.total)
    backwards = False
    if keyset:
        row_key, bound, backwards = tuple_(*(e for e, _ in keys)), tuple_(*(after or before)), after is None
        stmt = stmt.where(row_key < bound if keys[0][1] != backwards else row_key > bound)
    else:
        stmt = stmt.offset((view.page - 1) * view.page_size)
    return _ordered(stmt, keys, reverse=backwards).limit(view.page_size), backwards


def fetch_page(session: Session, *, actor: CurrentUser | None, spec: TableSpec, view: ViewState,
               after: tuple | None = None, before: tuple | None = None, within: tuple[Any, ...] = ()) -> Page:
    """One page of `view`; `after`/`before` (the neighbouring page's last/first key) switch to keyset paging;
    `within`: more SQL conditions (the rows of one group, portal/records/grouping.py).

    Two steps in one statement: the page's ids (filtered, sorted, limited on indexes), then their fields and
    linked names for just those rows.
    """
    require(actor, spec.view_permission)
    if not (1 <= view.page <= MAX_PAGE and 1 <= view.page_size <= max(PAGE_SIZES)):  # URLs' views are clamped
        raise FilterError(_("There is no page {page} of {size} rows.").format(page=view.page, size=view.page_size))
    stmt, keys, problems = select_view(spec, view, actor, filtered=False)  # the page's ids are filtered
    clauses, _problems = where_clause(spec, view, actor)
    clauses += within
    if not _text_search(view) and _or_view(view) and estimated_rows(session, spec, clauses) <= COLLECT_UP_TO:
        total, exact = None, True  # OR reads rows, not an index alone: collect and count the matches in one pass
    elif not _text_search(view):
        total, exact = count_view(session, spec, view, actor, clauses)
    else:
        # The planner estimates ILIKE by trying the pattern on its sample of the column. A common word matches
        # everywhere: walking the sort order then finds a page at once, testing each row with plain ILIKE (index
        # conditions would be recomputed per row), and the total is that estimate. Otherwise matches are
        # collected through the indexes and counted exactly.
        plain, _problems = where_clause(spec, view, actor, row_by_row=True)
        plain += within
        estimate = estimated_rows(session, spec, plain)
        clauses, total, exact = (plain, estimate, False) if estimate > COLLECT_UP_TO else (clauses, None, True)
    collect = total is None or (bool(clauses) and total <= COLLECT_UP_TO)
    ids, backwards = _page_ids(spec, view, actor, clauses, after, before, collect)
    page_ids = ids.subquery("page")
    stmt = stmt.join(page_ids, page_ids.c.id == spec.id_column)
    if collect:
        stmt = stmt.add_columns(page_ids.c.total.label("__total"))
    rows = session.execute(_ordered(stmt, keys, reverse=backwards)).mappings().all()
    rows = rows[::-1] if backwards else rows
    if total is None:
        total, exact = (rows[0]["__total"], True) if rows else count_view(session, spec, view, actor, clauses)
    n = len(keys)
    page_rows = [{k: v for k, v in r.items() if not k.startswith("__")} for r in rows]
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
    fld = spec.field(field)
    col = fld.suggest_from() if fld.suggest_from is not None else spec.column(field)
    return list(session.scalars(select(col).where(col.is_not(None)).distinct().order_by(col).limit(limit)))


def fetch_record(session: Session, *, actor: CurrentUser | None, spec: TableSpec, record_id: int) -> dict | None:
    """Every field of one record (masked as for the grid, with user and link labels), or None."""
    require(actor, spec.view_permission)
    stmt, _keys, _problems = select_view(spec, ViewState(), actor, columns=tuple(f.name for f in spec.fields))
    row = session.execute(stmt.where(spec.id_column == record_id)).mappings().first()
    return None if row is None else {k: v for k, v in row.items() if not k.startswith("__k")}

"""Grouping a view by one or two fields, with a count and the chosen totals per group and for the whole view.

Everything is one SQL statement over the view's rows (its filters, search and the rows the actor may see):
GROUPING SETS count the inner groups, the outer groups and the whole view in one pass, the groups' names are
joined in afterwards, and only one page of outer groups (with their inner groups) leaves the database. The rows
of an opened group are a page of the view with that group's condition added (`query.fetch_page(within=…)`).

Which fields group: single choices, staff (users), links, checkboxes, whole numbers with a short range (grade,
star rating), text fields whose values the filter bar suggests (district, route) and dates or times by day,
month or year (the center's days). Fields the actor sees masked never group, nor count unique values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import BigInteger, Date, Integer, case, cast, distinct, func, literal, null, select, tuple_
from sqlalchemy.orm import Session, aliased

from db.models import User
from portal.access.auth import CurrentUser, require
from portal.center_time import CENTER_TZ
from portal.errors import InputError
from portal.i18n import NP_, _
from portal.records.fields import NUMBER_TYPES, TEXT_TYPES, TIME_TYPES, Field, FieldType, TableSpec, get_spec
from portal.records.query import Page, fetch_page, masked, pinyin, where_clause
from portal.records.view import ViewState

GROUPS_PER_PAGE = 20  # outer groups on one page of a grouped view
MAX_INNER_GROUPS = 100  # inner groups shown under one outer group
SHORT_RANGE = 20  # a whole number groups when its allowed values are at most this many (grade 1–4, stars 1–5)
DAY, MONTH, YEAR = "day", "month", "year"
TIME_PARTS = {DAY: NP_("group", "by day"), MONTH: NP_("group", "by month"), YEAR: NP_("group", "by year")}

COUNT, FILLED, EMPTY, UNIQUE = "count", "filled", "empty", "unique"
CHECKED, UNCHECKED, SUM, AVERAGE, MIN, MAX = "checked", "unchecked", "sum", "average", "min", "max"
AGGREGATE_LABELS = {
    COUNT: NP_("total", "Count"), FILLED: NP_("total", "Filled"), EMPTY: NP_("total", "Empty"),
    UNIQUE: NP_("total", "Unique"), CHECKED: NP_("total", "Checked"), UNCHECKED: NP_("total", "Unchecked"),
    SUM: NP_("total", "Sum"), AVERAGE: NP_("total", "Average"), MIN: NP_("total", "Minimum"),
    MAX: NP_("total", "Maximum")}
TIME_AGGREGATE_LABELS = {MIN: NP_("total", "Earliest"), MAX: NP_("total", "Latest")}


class GroupingError(InputError):
    """A grouping or total that cannot be applied (a field that does not group, an aggregate not offered)."""

    def __init__(self, message: str):
        super().__init__("group", message)


@dataclass(frozen=True)
class Level:
    """One level of grouping: the field, and for times the part (day, month, year) they are grouped by."""

    field: Field
    part: str | None = None

    @property
    def token(self) -> str:
        """The level as the view spells it ("received_at:month")."""
        return f"{self.field.name}:{self.part}" if self.part else self.field.name


@dataclass
class Group:
    """One group: its key per level (raw values: ids, stored choices, first days), their names, its count and
    totals; an outer group holds its inner groups."""

    keys: tuple[Any, ...]
    labels: tuple[Any, ...]
    count: int
    totals: dict[str, Any]
    inner: list[Group] = field(default_factory=list)
    inner_count: int = 0  # how many inner groups there are (at most MAX_INNER_GROUPS are in `inner`)


@dataclass
class GroupPage:
    """A page of outer groups of a view, and the whole view's count and totals."""

    levels: list[Level]
    groups: list[Group]
    whole: Group  # the whole view: count and totals
    group_count: int  # outer groups in the whole view
    page: int
    problems: list[str] = field(default_factory=list)  # groupings and totals that were ignored, and why

    @property
    def page_count(self) -> int:
        return max(1, -(-self.group_count // GROUPS_PER_PAGE))


def groupable(fld: Field, actor: CurrentUser | None) -> bool:
    """Whether a grid may be grouped by `fld` for `actor` (see the module's description)."""
    if not fld.may_view(actor):
        return False
    if fld.type in (FieldType.SINGLE_SELECT, FieldType.USER, FieldType.LINK, FieldType.CHECKBOX, *TIME_TYPES):
        return True
    if fld.type is FieldType.INTEGER:
        return fld.min_value is not None and fld.max_value is not None and \
            fld.max_value - fld.min_value < SHORT_RANGE
    return fld.type in TEXT_TYPES and fld.suggest


def aggregates(fld: Field, actor: CurrentUser | None) -> tuple[str, ...]:
    """The totals `actor` may choose for `fld`, first the default."""
    if fld.type is FieldType.CHECKBOX:
        return COUNT, CHECKED, UNCHECKED
    base = (COUNT, FILLED, EMPTY) + ((UNIQUE,) if fld.may_view(actor) else ())
    if fld.type in NUMBER_TYPES and fld.may_view(actor):
        return SUM, AVERAGE, MIN, MAX, *base
    if fld.type in TIME_TYPES and fld.may_view(actor):
        return *base, MIN, MAX
    return base


def aggregate_label(fld: Field, aggregate: str) -> str:
    """The English source label of a total for this field's type (translate with `_()`)."""
    if fld.type in TIME_TYPES and aggregate in TIME_AGGREGATE_LABELS:
        return TIME_AGGREGATE_LABELS[aggregate]
    return AGGREGATE_LABELS[aggregate]


def group_levels(spec: TableSpec, view: ViewState, actor: CurrentUser | None) -> tuple[list[Level], list[str]]:
    """The view's group levels that apply, and those ignored (in the user's language)."""
    levels, problems = [], []
    for token in view.group:
        name, _sep, part = token.partition(":")
        fld = spec.field(name)
        if not groupable(fld, actor):
            problems.append(_("{field} cannot group the rows.").format(field=_(fld.label)))
        elif fld.type in TIME_TYPES:
            if part not in TIME_PARTS:
                problems.append(_("{field} is grouped by month (“{part}” is not offered).").format(
                    field=_(fld.label), part=part))
            levels.append(Level(fld, part if part in TIME_PARTS else MONTH))
        elif part:
            problems.append(_("{field} cannot group the rows.").format(field=_(fld.label)))
        else:
            levels.append(Level(fld))
    return levels, problems


def view_totals(spec: TableSpec, view: ViewState, actor: CurrentUser | None) -> tuple[list[tuple[Field, str]],
                                                                                      list[str]]:
    """The view's totals that apply (field, aggregate), and those ignored (in the user's language)."""
    totals, problems = [], []
    for name, aggregate in view.totals:
        fld = spec.field(name)
        if aggregate in aggregates(fld, actor):
            totals.append((fld, aggregate))
        else:
            problems.append(_("The total “{aggregate}” of {field} is not offered.").format(
                aggregate=aggregate, field=_(fld.label)))
    return totals, problems


# --- SQL ---------------------------------------------------------------------------------------------------

def _key(spec: TableSpec, level: Level) -> Any:
    """The group key of a row: the field's value, or the first day of its day / month / year (center time)."""
    col = spec.expression(level.field.name)
    if level.part is None:
        return col
    day = func.timezone(str(CENTER_TZ), col) if level.field.type is FieldType.DATETIME else col
    return cast(func.date_trunc(level.part, day), Date)


def _measured(spec: TableSpec, fld: Field, actor: CurrentUser | None) -> Any:
    """What a total reads of `fld`: the value, masked if the actor may not see it, text with '' as empty."""
    col = spec.expression(fld.name)
    col = col if fld.may_view(actor) else masked(fld, col)
    return func.nullif(col, "") if fld.type in TEXT_TYPES else col


def _aggregate(fld: Field, aggregate: str, value: Any) -> Any:
    """The SQL aggregate of a total over the measured value."""
    if aggregate == COUNT:
        return func.count()
    if aggregate in (FILLED, EMPTY) and fld.type is FieldType.MULTI_SELECT:
        filled = func.count().filter(func.cardinality(value) > 0)
        return filled if aggregate == FILLED else func.count() - filled
    if aggregate == FILLED:
        return func.count(value)
    if aggregate == EMPTY:
        return func.count() - func.count(value)
    if aggregate == UNIQUE:
        return func.count(distinct(value))
    if aggregate == CHECKED:
        return func.count().filter(value.is_(True))
    if aggregate == UNCHECKED:
        return func.count().filter(value.is_not(True))
    return {SUM: func.sum, AVERAGE: func.avg, MIN: func.min, MAX: func.max}[aggregate](value)


def _name_and_order(level: Level, key: Any) -> tuple[Any, Any, Any | None]:
    """A group's name as SQL (None: named in Python from its key), the order groups come in, and the joined
    table the name comes from."""
    fld = level.field
    if fld.type is FieldType.USER:
        person = aliased(User)
        name = person.name + " (" + person.staff_id + ")"
        return name, pinyin(name), (person, person.id == key)  # staff in pinyin order, as the grid sorts them
    if fld.type is FieldType.LINK:
        linked = get_spec(fld.link_table or "")
        target = linked.model.__table__.alias()
        name = linked.title_of(target)
        return name, pinyin(name), (target, target.c.id == key)  # (Chinese titles in pinyin order)
    if fld.type is FieldType.SINGLE_SELECT:  # in the order the choices are listed (a workflow's states in order)
        order = case({c.value: i for i, c in enumerate(fld.choices)}, value=key, else_=len(fld.choices))
        return null(), order, None
    return null(), key, None


def _combined(aggregate: str, value: Any) -> tuple[list[Any], Any]:
    """A total in two steps: its partial aggregates per finest group, and how they combine into a coarser group
    (`combine(partials)`); None for a total that does not combine (unique values)."""
    if aggregate == UNIQUE:
        return [], None
    if aggregate == AVERAGE:
        return [func.sum(value), func.count(value)], lambda p: func.sum(p[0]) / func.nullif(func.sum(p[1]), 0)
    if aggregate in (MIN, MAX, SUM):
        again = {MIN: func.min, MAX: func.max, SUM: func.sum}[aggregate]
        return [again(value)], lambda p: again(p[0])
    return [value], lambda p: func.coalesce(cast(func.sum(p[0]), BigInteger), 0)  # counts add up (none: 0)


def _grouped(spec: TableSpec, levels: list[Level], totals: list[tuple[Field, str]], clauses: list[Any],
             actor: CurrentUser | None) -> Any:
    """Counts and totals per inner group, per outer group and for the whole view, in one statement: the rows are
    counted into their finest groups once, and those few rows are added up per outer group and for the whole
    view (GROUPING SETS); with unique values (which do not add up) every level is counted from the rows."""
    matches = (select(*(_key(spec, lv).label(f"g{i}") for i, lv in enumerate(levels)),
                      *(_measured(spec, fld, actor).label(f"m{j}") for j, (fld, _a) in enumerate(totals)),
                      literal(1).label("one"))
               .select_from(spec.model.__table__).where(*clauses).subquery("matches"))
    keys = [matches.c[f"g{i}"] for i in range(len(levels))]
    steps = [_combined(agg, _aggregate(fld, agg, matches.c[f"m{j}"]) if agg not in (AVERAGE, MIN, MAX, SUM)
                       else matches.c[f"m{j}"]) for j, (fld, agg) in enumerate(totals)]
    if keys and all(combine is not None for _parts, combine in steps):
        finest = (select(*keys, func.count().label("n"),
                         *(part.label(f"p{j}_{k}") for j, (parts, _c) in enumerate(steps)
                           for k, part in enumerate(parts)))
                  .group_by(*keys).subquery("finest"))
        keys = [finest.c[f"g{i}"] for i in range(len(levels))]
        count = func.coalesce(cast(func.sum(finest.c.n), BigInteger), 0)
        figures = [combine([finest.c[f"p{j}_{k}"] for k in range(len(parts))])
                   for j, (parts, combine) in enumerate(steps)]
        source = finest
    else:
        count, source = func.count(), matches
        figures = [_aggregate(fld, agg, matches.c[f"m{j}"]) for j, (fld, agg) in enumerate(totals)]
    depth = sum((1 - func.grouping(k) for k in keys), literal(0, Integer)) if keys else literal(0, Integer)
    stmt = select(*keys, depth.label("depth"), count.label("n"), *(f.label(f"t{j}") for j, f in enumerate(figures)))
    stmt = stmt.select_from(source)
    if keys:
        sets = [tuple_(*keys[:n]) for n in range(len(keys), 0, -1)] + [tuple_()]
        stmt = stmt.group_by(func.grouping_sets(*sets))
    return stmt.cte("grouped")


def fetch_groups(session: Session, *, actor: CurrentUser | None, spec: TableSpec, view: ViewState) -> GroupPage:
    """Page `view.page` of the view's outer groups (GROUPS_PER_PAGE), each with its inner groups, counts and
    totals, and the whole view's count and totals."""
    require(actor, spec.view_permission)
    levels, problems = group_levels(spec, view, actor)
    totals, more = view_totals(spec, view, actor)
    clauses, ignored = where_clause(spec, view, actor)
    grouped = _grouped(spec, levels, totals, clauses, actor)
    named = [_name_and_order(lv, grouped.c[f"g{i}"]) for i, lv in enumerate(levels)]
    cols = [*(grouped.c[f"g{i}"] for i in range(len(levels))), grouped.c.depth, grouped.c.n,
            *(grouped.c[f"t{j}"] for j in range(len(totals)))]
    cols += [name.label(f"name{i}") for i, (name, _o, _j) in enumerate(named)]
    if levels:
        outer_order = named[0][1]
        rank = func.dense_rank().over(order_by=(outer_order.asc().nulls_last(), grouped.c.g0.asc().nulls_last()))
        cols.append(case((grouped.c.depth > 0, rank), else_=0).label("rank"))
        cols.append(func.count().filter(grouped.c.depth == 1).over().label("outer_count"))
    if len(levels) == 2:
        inner_order = (named[1][1].asc().nulls_last(), grouped.c.g1.asc().nulls_last())
        cols.append(func.row_number().over(partition_by=(grouped.c.g0, grouped.c.depth), order_by=inner_order)
                    .label("place"))
        cols.append(func.count().filter(grouped.c.depth == 2).over(partition_by=grouped.c.g0).label("inner_count"))
    stmt = select(*cols).select_from(grouped)
    for _name, _order, join in named:
        if join is not None:
            stmt = stmt.outerjoin(*join)
    ranked = stmt.subquery("ranked")
    page = select(ranked)
    if levels:
        first = (view.page - 1) * GROUPS_PER_PAGE
        page = page.where((ranked.c.depth == 0) | ranked.c.rank.between(first + 1, first + GROUPS_PER_PAGE))
        if len(levels) == 2:
            page = page.where((ranked.c.depth < 2) | (ranked.c.place <= MAX_INNER_GROUPS))
        page = page.order_by(ranked.c.rank, ranked.c.depth, *(["place"] if len(levels) == 2 else []))
    rows = session.execute(page).mappings().all()
    return _page_of(levels, totals, rows, view.page, problems + more + ignored)


def _page_of(levels: list[Level], totals: list[tuple[Field, str]], rows: list[Any], page: int,
             problems: list[str]) -> GroupPage:
    whole, groups, group_count = Group((), (), 0, {}), [], 0
    for row in rows:
        depth = row["depth"]
        keys = tuple(row[f"g{i}"] for i in range(depth))
        group = Group(keys, tuple(row[f"name{i}"] for i in range(depth)), row["n"],
                      {fld.name: row[f"t{j}"] for j, (fld, _a) in enumerate(totals)})
        if depth == 0:
            whole, group_count = group, (row["outer_count"] if levels else 0)
        elif depth == 1:
            group.inner_count = row["inner_count"] if len(levels) == 2 else 0
            groups.append(group)
        else:
            groups[-1].inner.append(group)
    return GroupPage(levels, groups, whole, group_count, page, problems)


def _period(part: str, first: date) -> tuple[date, date]:
    """The first day of a day / month / year and the first day after it."""
    if part == DAY:
        return first, date.fromordinal(first.toordinal() + 1)
    if part == MONTH:
        return first, date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, date(first.year + 1, 1, 1)


def group_condition(spec: TableSpec, levels: list[Level], keys: tuple[Any, ...]) -> tuple[Any, ...]:
    """The rows of the group with `keys` (one per level, outer first), as SQL conditions; times as a range of
    the column (its index answers it)."""
    conditions = []
    for level, value in zip(levels, keys, strict=False):
        col = spec.expression(level.field.name)
        if value is None:
            conditions.append(col.is_(None))
        elif level.part is not None:
            start, end = _period(level.part, value)
            if level.field.type is FieldType.DATETIME:
                start, end = (datetime.combine(d, time(), tzinfo=CENTER_TZ) for d in (start, end))
            conditions += [col >= start, col < end]
        else:
            conditions.append(col == value)
    return tuple(conditions)


def fetch_group_rows(session: Session, *, actor: CurrentUser | None, spec: TableSpec, view: ViewState,
                     keys: tuple[Any, ...], page: int = 1) -> Page:
    """Page `page` of the rows of one group (the view's sort, filters and row scope, plus the group's keys)."""
    levels, _problems = group_levels(spec, view, actor)
    if len(keys) > len(levels):
        raise GroupingError(_("This view is not grouped that way."))
    return fetch_page(session, actor=actor, spec=spec, view=view.with_(page=page),
                      within=group_condition(spec, levels, keys))

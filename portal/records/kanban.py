"""A view as a kanban board: one column per value of a state field, the cards that fit, how many more, and the
moves a card may make from one column to another.

A table offers a board when its area registers one (`register_board`): the field the columns come from, and each
move as the area's own domain function (assign, start, reply, …), so a moved card goes through the same rules,
permissions and version check as the record page's buttons; a refused move raises the domain's error and nothing
changes. Reading a board costs two statements whatever the table's size: the counts per column (one GROUP BY over
the view's conditions, the actor's row scope included) and the first cards of every column (one UNION ALL of a
LIMIT per column, on the view's sort).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, literal, select, text, union_all
from sqlalchemy.orm import Session

from portal.access.auth import CurrentUser, can, require
from portal.errors import InputError
from portal.i18n import _
from portal.records.fields import Choice, FieldType, TableSpec
from portal.records.query import ESTIMATE_FROM, _Joins, select_view, sort_keys, where_clause
from portal.records.view import ViewState

CARDS_PER_COLUMN = 10  # what a screen shows of a column; the rest is counted ("and 12,345 more")
MAX_CARDS_PER_COLUMN = 100
COUNT_UP_TO = 10_000  # a column counts its cards exactly up to this many; beyond, it says "more than 10,000"


@dataclass(frozen=True)
class MoveInput:
    """Something a move needs typed or chosen (a reply's text, a reason): a small form before the move."""

    name: str  # the keyword the move's function takes
    label: str  # English source (N_())
    kind: str = "text"  # "text", "long_text", "select" or "checkbox"
    choices: tuple[Choice, ...] = ()  # "select": its options
    required: bool = False  # marked with * (the domain function still says what is missing)


@dataclass(frozen=True)
class CardMove:
    """Moving a card from one of `sources` to column `to`, through the area's domain function `run`."""

    name: str  # unique within the board
    label: str  # English source (N_()): what the move is called (the domain's move name)
    to: str  # the column the card lands in when the move succeeds
    sources: frozenset[str]  # the columns it is offered from (the domain decides, and may still refuse)
    run: Callable[..., Any]  # run(session, actor=, record_id=, version=, **inputs): raises the domain's refusals
    permission: str | None = None  # offered only to holders (the domain function checks it again)
    inputs: tuple[MoveInput, ...] = ()


@dataclass(frozen=True)
class Board:
    """A table's kanban: columns from a single-select field, and the moves between them."""

    table: str  # the TableSpec's name
    field: str  # a SINGLE_SELECT field: one column per choice, in the choices' order
    moves: tuple[CardMove, ...] = ()

    def move(self, name: str) -> CardMove:
        """The move called `name`; refused (InputError "move") when the board has none of that name."""
        found = next((m for m in self.moves if m.name == name), None)
        if found is None:
            raise InputError("move", _("Cards on this board cannot be moved that way."))
        return found

    def moves_from(self, column: str, actor: CurrentUser | None) -> list[CardMove]:
        """The moves offered to `actor` for a card in `column`."""
        return [m for m in self.moves if column in m.sources and (m.permission is None or can(actor, m.permission))]


@dataclass
class BoardColumn:
    value: str
    label: str  # English source
    count: int  # every matching card in this column
    cards: list[dict[str, Any]] = field(default_factory=list)  # the first ones, in the view's order
    exact: bool = True  # False: `count` is the planner's estimate (a large table seen whole), or a floor
    at_least: bool = False  # `count` is COUNT_UP_TO and there are more

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.cards))


_BOARDS: dict[str, Board] = {}


def register_board(board: Board) -> Board:
    _BOARDS[board.table] = board
    return board


def board_of(spec: TableSpec) -> Board | None:
    """The board registered for `spec`'s table, if any."""
    return _BOARDS.get(spec.name)


def column_counts(session: Session, *, actor: CurrentUser | None, spec: TableSpec, board: Board,
                  view: ViewState) -> tuple[dict[str, int], bool]:
    """How many of the view's rows are in each column, and whether exactly. With conditions (filters, search, the
    actor's row scope): one statement, each column counted up to COUNT_UP_TO + 1 (a count above COUNT_UP_TO means
    "more than that"), so a column of a million closed complaints stops early while the open ones, found through
    their indexes, are counted exactly. A large table seen whole (no condition at all) is counted from the
    planner's statistics instead (its row estimate × each value's share in its sample), as the grid counts it."""
    require(actor, spec.view_permission)
    clauses, _problems = where_clause(spec, view, actor)
    if not clauses:
        estimated = _estimated_counts(session, spec, board.field)
        if estimated is not None:
            return estimated, False
    col, table = spec.column(board.field), spec.model.__table__
    branches = []
    for choice in spec.field(board.field).choices:
        found = select(spec.id_column).select_from(table).where(*clauses, col == choice.value).limit(COUNT_UP_TO + 1)
        branches.append(select(literal(choice.value).label("value"), func.count().label("n"))
                        .select_from(found.subquery()))
    return {value: n for value, n in session.execute(union_all(*branches)) if n}, True


def _estimated_counts(session: Session, spec: TableSpec, name: str) -> dict[str, int] | None:
    """Each value's estimated count from the planner's statistics (None: a small table, or no statistics yet)."""
    row = session.execute(text(
        "select c.reltuples::bigint, s.most_common_vals::text::text[], s.most_common_freqs from pg_class c "
        "left join pg_stats s on s.schemaname = current_schema() and s.tablename = :t and s.attname = :c "
        "where c.oid = cast(:t as regclass)"), {"t": spec.name, "c": name}).first()
    if row is None or row[0] is None or row[0] < ESTIMATE_FROM or row[1] is None:
        return None
    return {value: round(freq * row[0]) for value, freq in zip(row[1], row[2], strict=True)}


def column_cards(session: Session, *, actor: CurrentUser | None, spec: TableSpec, board: Board, view: ViewState,
                 columns: tuple[str, ...], per_column: int = CARDS_PER_COLUMN) -> dict[str, list[dict[str, Any]]]:
    """The first `per_column` cards of each of `columns` in the view's order, fields as the grid reads them (masked
    in SQL, user and link names joined): the ids by one UNION ALL of a LIMIT per column, then their fields."""
    require(actor, spec.view_permission)
    if not columns:
        return {}
    per_column = max(1, min(per_column, MAX_CARDS_PER_COLUMN))
    clauses, _problems = where_clause(spec, view, actor)
    state = spec.column(board.field)
    branches = []
    for value in columns:
        joins = _Joins(spec)
        keys = sort_keys(spec, view, actor, joins)
        ids = (joins.apply(select(spec.id_column.label("id")).select_from(spec.model.__table__))
               .where(*clauses, state == value)
               .order_by(*(e.desc() if d else e.asc() for e, d in keys)).limit(per_column))
        branches.append(select(ids.subquery().c.id))
    chosen = union_all(*branches).subquery("cards")
    names = tuple(dict.fromkeys((*(view.columns or spec.default_columns()), spec.title_field, board.field)))
    stmt, keys, _problems = select_view(spec, view, actor, columns=names, filtered=False)
    stmt = stmt.join(chosen, chosen.c.id == spec.id_column).add_columns(state.label("__column"))
    rows = session.execute(stmt.order_by(*(e.desc() if d else e.asc() for e, d in keys))).mappings().all()
    found: dict[str, list[dict[str, Any]]] = {value: [] for value in columns}
    for row in rows:
        found[row["__column"]].append({k: v for k, v in row.items() if not k.startswith("__")})
    return found


def read_board(session: Session, *, actor: CurrentUser | None, spec: TableSpec, board: Board, view: ViewState,
               per_column: int = CARDS_PER_COLUMN) -> list[BoardColumn]:
    """Every column of the board for `view` (its filters, search and sort; the actor's rows only), in the
    field's order: its count and first cards. Two statements. An estimated count is never below the cards found,
    a column with fewer cards than fit is counted by them (exactly), and one above COUNT_UP_TO says so."""
    fld = spec.field(board.field)
    if fld.type is not FieldType.SINGLE_SELECT:
        raise TypeError(f"{spec.name}.{board.field}: a board's columns come from a single-select field")
    counts, exact = column_counts(session, actor=actor, spec=spec, board=board, view=view)
    wanted = tuple(c.value for c in fld.choices if not exact or counts.get(c.value))
    cards = column_cards(session, actor=actor, spec=spec, board=board, view=view, columns=wanted,
                         per_column=per_column)
    columns = []
    for choice in fld.choices:
        found = cards.get(choice.value, [])
        full = len(found) >= max(1, min(per_column, MAX_CARDS_PER_COLUMN))
        count = counts.get(choice.value, 0) if exact else (
            max(counts.get(choice.value, 0), len(found)) if full else len(found))
        if count > COUNT_UP_TO:
            columns.append(BoardColumn(choice.value, choice.label, COUNT_UP_TO, found, exact=False, at_least=True))
        else:
            columns.append(BoardColumn(choice.value, choice.label, count, found, exact=exact or not full))
    return columns


def move_card(session: Session, *, actor: CurrentUser, board: Board, move: str, record_id: int, version: int,
              inputs: Mapping[str, Any] | None = None) -> None:
    """Make `move` on a card: the area's domain function with the version the card showed; its refusal (rule,
    permission, stale version, missing input) propagates unchanged and nothing is written."""
    chosen = board.move(move)
    if chosen.permission is not None:
        require(actor, chosen.permission)
    known = {i.name for i in chosen.inputs}
    values = {k: v for k, v in (inputs or {}).items() if k in known}
    chosen.run(session, actor=actor, record_id=record_id, version=version, **values)


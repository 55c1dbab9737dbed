"""COPY-speed writes for imports and scale seeding, on the session's own connection (same transaction)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, Table, text
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, DropConstraint


def raw_cursor(session: Session) -> Any:
    """A psycopg cursor on the session's connection (inside its transaction)."""
    return session.connection().connection.driver_connection.cursor()


def copy_rows(session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY `rows` into `table` (`columns` in order); returns how many were written."""
    count = 0
    with raw_cursor(session).copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def reserve_ids(session: Session, table: str, count: int) -> list[int]:
    """Take `count` ids from the table's id sequence (so COPYed rows and their audit rows agree)."""
    if count <= 0:
        return []
    return session.scalar(text("select array_agg(nextval(pg_get_serial_sequence(:t, 'id'))) "
                               "from generate_series(1, :n)"), {"t": table, "n": count})


@contextmanager
def rebuilt_after(session: Session, tables: Sequence[Table], *, rebuild: bool,
                  maintenance_work_mem: str = "512MB") -> Iterator[None]:
    """Around a bulk load into `tables` (in `session`'s transaction): with `rebuild`, drop their secondary indexes
    and foreign keys first and build them again at the end — several times faster than keeping them up to date
    row by row, and checked once over the whole table. Without `rebuild` (small loads) nothing changes."""
    indexes = [index for table in tables for index in table.indexes] if rebuild else []
    keys = [fk for table in tables for fk in sorted(table.foreign_key_constraints, key=lambda f: f.name)
            ] if rebuild else []
    for index in indexes:
        session.execute(text(f"DROP INDEX IF EXISTS {index.name}"))
    for fk in keys:
        session.execute(DropConstraint(fk))
    yield
    if rebuild:
        session.execute(text(f"SET LOCAL maintenance_work_mem = '{maintenance_work_mem}'"))
    for index in indexes:
        index.create(session.connection())
    for fk in keys:
        session.execute(AddConstraint(fk))


def vacuum_analyze(engine: Engine, tables: Sequence[str]) -> None:
    """VACUUM (ANALYZE) after a bulk load: the planner's estimates and index-only scans are right at once."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.execute(text(f"VACUUM (ANALYZE) {table}"))

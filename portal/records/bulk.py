"""COPY-speed writes for imports and scale seeding, on the session's own connection (same transaction)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session


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

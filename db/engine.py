"""One Engine per process and short units of work: `with unit_of_work(actor) as s: ...`."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import db.audit  # noqa: F401  (registers audit capture on every Session)
import db.input_guard  # noqa: F401  (refuses NUL text and out-of-range integers on every Engine)
from db.embedded import DatabaseStartError, start_embedded
from portal.config import get_settings

_engines: dict[str, Engine] = {}
_embedded: dict[object, str] = {}  # data dir -> URL of the embedded server this process started or joined
_lock = threading.Lock()


def database_url() -> str:
    """The configured `DATABASE_URL`, or the embedded server's URL (started on first use)."""
    settings = get_settings()
    if settings.database_url:
        url = settings.database_url
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    url = _embedded.get(settings.data_dir)
    if url is None:  # start (or join) once per process: every unit of work asks
        url = _embedded[settings.data_dir] = start_embedded(settings.data_dir)
    return url


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default: the configured database), checked on creation."""
    url = url or database_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
            try:
                with engine.connect() as conn:
                    conn.execute(text("select 1"))
            except OperationalError as exc:
                engine.dispose()
                raise DatabaseStartError(
                    f"Cannot reach the database at {engine.url.render_as_string(hide_password=True)}: "
                    f"{str(exc.orig).strip().splitlines()[0]}. Check DATABASE_URL and that the server runs."
                ) from exc
            _engines[url] = engine
        return engine


def reset_engines() -> None:
    """Dispose every engine (tests, and after DATABASE_URL changes)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _embedded.clear()


@contextmanager
def unit_of_work(actor_id: int | None = None, *, engine: Engine | None = None) -> Iterator[Session]:
    """A session in one transaction, committed on success; `actor_id` is who the audit log names."""
    with Session(engine or get_engine(), expire_on_commit=False) as session, session.begin():
        session.info["actor_id"] = actor_id
        yield session

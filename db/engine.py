"""One Engine per process and short units of work: `with unit_of_work(actor) as s: ...`."""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import db.audit  # noqa: F401  (registers audit capture on every Session)
import db.input_guard  # noqa: F401  (refuses NUL text and out-of-range integers on every Engine)
from db.embedded import DatabaseStartError, start_embedded
from db.roles import ensure_app_role
from portal.config import get_settings

_engines: dict[str, Engine] = {}
_embedded: dict[object, tuple[str, str]] = {}  # data dir -> (app, owner) URLs of the embedded server in use
_warned: set[str] = set()
_lock = threading.Lock()
log = logging.getLogger(__name__)


def _with_driver(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _urls() -> tuple[str, str]:
    """(the portal's URL, the owner's URL): `DATABASE_URL` and `DATABASE_OWNER_URL`, or the embedded server's."""
    settings = get_settings()
    if settings.database_url:
        app = _with_driver(settings.database_url)
        if not settings.database_owner_url:
            if app not in _warned:
                _warned.add(app)
                log.warning("Only DATABASE_URL is set: the portal works as the owner of its tables, so the history "
                            "tables are guarded only by triggers their owner can switch off. Set DATABASE_OWNER_URL "
                            "to the owner and DATABASE_URL to a role that owns nothing (README, Settings).")
            return app, app
        return app, _with_driver(settings.database_owner_url)
    urls = _embedded.get(settings.data_dir)
    if urls is None:  # start (or join) once per process: every unit of work asks
        owner = start_embedded(settings.data_dir)
        urls = _embedded[settings.data_dir] = (ensure_app_role(owner), owner)
    return urls


def database_url() -> str:
    """The portal's own database URL (a role that owns nothing): `DATABASE_URL`, or the embedded server's
    `portal_app` login (the server is started on first use)."""
    return _urls()[0]


def owner_database_url() -> str:
    """The URL of the role that owns the schema: migrations, bulk loads and maintenance (db/roles.py)."""
    return _urls()[1]


def app_role_name() -> str | None:
    """The portal's database role, or None when it is the owner itself (one URL for both)."""
    app, owner = _urls()
    app_user, owner_user = make_url(app).username, make_url(owner).username
    return None if app_user == owner_user else app_user


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default: the portal's own role on the configured database), checked on
    creation."""
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


def get_owner_engine() -> Engine:
    """The engine of the schema's owner: migrations (db/migrate.py), bulk seeding, VACUUM; never page code."""
    return get_engine(owner_database_url())


def reset_engines() -> None:
    """Dispose every engine (tests, and after DATABASE_URL changes)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _embedded.clear()
        _warned.clear()


@contextmanager
def unit_of_work(actor_id: int | None = None, *, engine: Engine | None = None) -> Iterator[Session]:
    """A session in one transaction, committed on success; `actor_id` is who the audit log names."""
    with Session(engine or get_engine(), expire_on_commit=False) as session, session.begin():
        session.info["actor_id"] = actor_id
        yield session

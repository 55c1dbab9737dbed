"""Apply Alembic migrations as the owner, serialised across processes with a PostgreSQL advisory lock; after every
upgrade, guard the history tables and grant the portal's role what db/roles.py allows."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from db import roles

ROOT = Path(__file__).resolve().parent.parent
MIGRATION_LOCK = 72_105_001  # any constant shared by every portal process
CONFIGURED = "configured"  # `upgrade(app_role=...)` default: the role of DATABASE_URL (db/engine.py)


def alembic_config() -> Config:
    return Config(str(ROOT / "alembic.ini"))


def _run(engine: Engine, fn, revision: str, after=None) -> None:
    with engine.connect() as conn:
        conn.execute(text("select pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
        try:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            fn(cfg, revision)
            conn.commit()
            if after is not None:
                after(conn)
                conn.commit()
        finally:
            conn.rollback()
            conn.execute(text("select pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            conn.commit()


def upgrade(engine: Engine, revision: str = "head", *, app_role: str | None = CONFIGURED) -> None:
    """Bring the schema up to `revision` (several processes may call this at once), connected as the owner;
    then apply db/roles.py's rules for `app_role` (default: the portal's configured role; None: no grants)."""
    if app_role == CONFIGURED:
        from db.engine import app_role_name

        app_role = app_role_name()
    _run(engine, command.upgrade, revision, after=lambda conn: roles.protect(conn, app_role))


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema down to `revision` (`base` removes everything)."""
    _run(engine, command.downgrade, revision)

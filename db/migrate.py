"""Apply Alembic migrations, serialised across processes with a PostgreSQL advisory lock."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parent.parent
MIGRATION_LOCK = 72_105_001  # any constant shared by every portal process


def alembic_config() -> Config:
    return Config(str(ROOT / "alembic.ini"))


def _run(engine: Engine, fn, revision: str) -> None:
    with engine.connect() as conn:
        conn.execute(text("select pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
        try:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            fn(cfg, revision)
            conn.commit()
        finally:
            conn.execute(text("select pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            conn.commit()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (several processes may call this at once)."""
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema down to `revision` (`base` removes everything)."""
    _run(engine, command.downgrade, revision)

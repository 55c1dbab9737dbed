"""Alembic environment: runs on a connection handed in by db/migrate.py (or the configured database)."""
from alembic import context

from db.schema import Base, described_here

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from db.engine import get_engine

        with get_engine().connect() as conn:
            context.configure(connection=conn, target_metadata=target_metadata, compare_type=True,
                              include_name=described_here)
            with context.begin_transaction():
                context.run_migrations()
            conn.commit()
        return
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True,
                      include_name=described_here)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run `python -m portal migrate`.")
run_migrations_online()

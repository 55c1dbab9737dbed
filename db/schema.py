"""The whole schema: `Base.metadata` with every table registered on it, the shared ones (db/models.py) and each
workflow's (db/complaint_models.py, db/incident_models.py, db/training_models.py, db/notification_models.py).
Whatever needs all tables at once (Alembic's autogenerate, the test database's truncation) imports `Base` from here;
code that uses a table imports the module that defines it. The job queue's tables (procrastinate_*, migration 0015)
are procrastinate's own and not described here."""
from __future__ import annotations

from db import complaint_models, incident_models, notification_models, supply_models, training_models  # noqa: F401
from db.models import Base

__all__ = ["Base"]

QUEUE_PREFIX = "procrastinate_"  # the job queue's tables, types and functions (migration 0015)


def described_here(name: str | None, type_: str, _parent_names: dict) -> bool:
    """Alembic's `include_name`: compare only what these models describe, not the job queue's own tables."""
    return not (type_ == "table" and name is not None and name.startswith(QUEUE_PREFIX))

"""The whole schema: `Base.metadata` with every table registered on it, the shared ones (db/models.py) and each
workflow's (db/complaint_models.py, db/incident_models.py, db/training_models.py). Whatever needs all tables at
once (Alembic's autogenerate, the test database's truncation) imports `Base` from here; code that uses a table
imports the module that defines it."""
from __future__ import annotations

from db import complaint_models, incident_models, training_models  # noqa: F401  (registers their tables)
from db.models import Base

__all__ = ["Base"]

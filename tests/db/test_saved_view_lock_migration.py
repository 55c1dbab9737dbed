"""Migration 0027: shared views made before views could be locked stay as they were — changed only by their owner and
supervisors (locked); personal views are never locked."""
from sqlalchemy import text

from db import migrate


def test_shared_views_saved_before_locking_existed_stay_locked(db, engine, admin):
    migrate.downgrade(engine, "0027-1")
    try:
        with engine.begin() as conn:
            conn.execute(text("insert into saved_views (table_name, name, owner_id, shared, is_default, state) "
                              "values ('retailers', 'Shared', :o, true, false, '{}'), "
                              "('retailers', 'Mine', :o, false, false, '{}')"), {"o": admin.id})
    finally:
        migrate.upgrade(engine)
    with engine.connect() as conn:
        assert dict(conn.execute(text("select name, locked from saved_views")).all()) == {"Shared": True, "Mine": False}

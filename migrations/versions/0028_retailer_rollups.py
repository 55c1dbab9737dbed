"""retailers: three rollup columns kept by triggers — complaints in the last 90 days, training sessions attended this
year, open (awaiting approval) supply requests — each with a sort index ending in id, so a directory page sorted or
filtered by one reads 50 rows from an index instead of counting for 200,000 retailers

The triggers are statement triggers over transition tables (one UPDATE per statement, COPY included) that add each
statement's changes to the counters. Two of the counts move with the calendar: the window ("since", the center's
midnight 89 days before today) and the year are kept in `app_state` ('retailer_rollups') by
portal/retailers/rollups.py, which moves them forward once a center day under an advisory lock that the triggers
take shared (so no write counts against a window being moved) and recomputes everything when the state is missing.
Until then (state missing, e.g. after TRUNCATE) the triggers count nothing.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 16:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

LOCK = 7_007_030  # pg_advisory_xact_lock key shared with portal/retailers/rollups.py (ROLLUPS_LOCK)
COLUMNS = ('complaints_90d', 'sessions_attended_year', 'open_supply_requests')

FUNCTIONS = f"""
CREATE FUNCTION retailer_rollups_add(deltas jsonb, counter text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('UPDATE retailers r SET %1$I = r.%1$I + d.n FROM (SELECT (e->>0)::int AS id, (e->>1)::int AS n
                    FROM jsonb_array_elements($1) e) d WHERE r.id = d.id', counter) USING deltas;
END $$;

CREATE FUNCTION retailer_rollups_complaints() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE since timestamptz; deltas jsonb;
BEGIN
    PERFORM pg_advisory_xact_lock_shared({LOCK});
    SELECT (value->>'since')::timestamptz INTO since FROM app_state WHERE key = 'retailer_rollups';
    IF since IS NULL THEN RETURN NULL; END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT jsonb_agg(jsonb_build_array(retailer_id, n)) INTO deltas FROM (SELECT retailer_id, count(*) AS n
            FROM new_rows WHERE retailer_id IS NOT NULL AND received_at >= since GROUP BY 1) c;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT jsonb_agg(jsonb_build_array(retailer_id, -n)) INTO deltas FROM (SELECT retailer_id, count(*) AS n
            FROM old_rows WHERE retailer_id IS NOT NULL AND received_at >= since GROUP BY 1) c;
    ELSE
        SELECT jsonb_agg(jsonb_build_array(retailer_id, n)) INTO deltas FROM (SELECT retailer_id, sum(n) AS n FROM (
            SELECT retailer_id, 1 AS n FROM new_rows WHERE retailer_id IS NOT NULL AND received_at >= since
            UNION ALL
            SELECT retailer_id, -1 FROM old_rows WHERE retailer_id IS NOT NULL AND received_at >= since) x
            GROUP BY 1 HAVING sum(n) <> 0) c;
    END IF;
    IF deltas IS NOT NULL THEN PERFORM retailer_rollups_add(deltas, 'complaints_90d'); END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION retailer_rollups_supply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE deltas jsonb;
BEGIN
    PERFORM pg_advisory_xact_lock_shared({LOCK});
    IF NOT EXISTS (SELECT 1 FROM app_state WHERE key = 'retailer_rollups') THEN RETURN NULL; END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT jsonb_agg(jsonb_build_array(retailer_id, n)) INTO deltas FROM (SELECT retailer_id, count(*) AS n
            FROM new_rows WHERE state = 'requested' GROUP BY 1) c;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT jsonb_agg(jsonb_build_array(retailer_id, -n)) INTO deltas FROM (SELECT retailer_id, count(*) AS n
            FROM old_rows WHERE state = 'requested' GROUP BY 1) c;
    ELSE
        SELECT jsonb_agg(jsonb_build_array(retailer_id, n)) INTO deltas FROM (SELECT retailer_id, sum(n) AS n FROM (
            SELECT retailer_id, 1 AS n FROM new_rows WHERE state = 'requested'
            UNION ALL
            SELECT retailer_id, -1 FROM old_rows WHERE state = 'requested') x GROUP BY 1 HAVING sum(n) <> 0) c;
    END IF;
    IF deltas IS NOT NULL THEN PERFORM retailer_rollups_add(deltas, 'open_supply_requests'); END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION retailer_rollups_sign_ups() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE y0 timestamptz; y1 timestamptz; deltas jsonb;
BEGIN
    PERFORM pg_advisory_xact_lock_shared({LOCK});
    SELECT (value->>'year_start')::timestamptz, (value->>'year_end')::timestamptz INTO y0, y1
        FROM app_state WHERE key = 'retailer_rollups';
    IF y0 IS NULL THEN RETURN NULL; END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT jsonb_agg(jsonb_build_array(retailer_id, n)) INTO deltas FROM (SELECT u.retailer_id, count(*) AS n
            FROM new_rows u JOIN training_sessions s ON s.id = u.session_id
            WHERE u.attended AND s.starts_at >= y0 AND s.starts_at < y1 GROUP BY 1) c;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT jsonb_agg(jsonb_build_array(retailer_id, -n)) INTO deltas FROM (SELECT u.retailer_id, count(*) AS n
            FROM old_rows u JOIN training_sessions s ON s.id = u.session_id
            WHERE u.attended AND s.starts_at >= y0 AND s.starts_at < y1 GROUP BY 1) c;
    ELSE
        SELECT jsonb_agg(jsonb_build_array(retailer_id, n)) INTO deltas FROM (SELECT retailer_id, sum(n) AS n FROM (
            SELECT u.retailer_id, 1 AS n FROM new_rows u JOIN training_sessions s ON s.id = u.session_id
            WHERE u.attended AND s.starts_at >= y0 AND s.starts_at < y1
            UNION ALL
            SELECT u.retailer_id, -1 FROM old_rows u JOIN training_sessions s ON s.id = u.session_id
            WHERE u.attended AND s.starts_at >= y0 AND s.starts_at < y1) x GROUP BY 1 HAVING sum(n) <> 0) c;
    END IF;
    IF deltas IS NOT NULL THEN PERFORM retailer_rollups_add(deltas, 'sessions_attended_year'); END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION retailer_rollups_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE y0 timestamptz; y1 timestamptz; deltas jsonb;
BEGIN
    PERFORM pg_advisory_xact_lock_shared({LOCK});
    SELECT (value->>'year_start')::timestamptz, (value->>'year_end')::timestamptz INTO y0, y1
        FROM app_state WHERE key = 'retailer_rollups';
    IF y0 IS NULL THEN RETURN NULL; END IF;
    SELECT jsonb_agg(jsonb_build_array(retailer_id, n)) INTO deltas FROM (
        SELECT u.retailer_id, sum((n.starts_at >= y0 AND n.starts_at < y1)::int
                                  - (o.starts_at >= y0 AND o.starts_at < y1)::int) AS n
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        JOIN training_sign_ups u ON u.session_id = n.id AND u.attended
        WHERE o.starts_at IS DISTINCT FROM n.starts_at GROUP BY 1) c WHERE n <> 0;
    IF deltas IS NOT NULL THEN PERFORM retailer_rollups_add(deltas, 'sessions_attended_year'); END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION retailer_rollups_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared({LOCK});
    DELETE FROM app_state WHERE key = 'retailer_rollups';
    RETURN NULL;
END $$;
"""


def _triggers(table: str, function: str) -> str:
    return f"""
CREATE TRIGGER retailer_rollups_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER retailer_rollups_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER retailer_rollups_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER retailer_rollups_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION retailer_rollups_forget();
"""


TRIGGERS = (_triggers("complaints", "retailer_rollups_complaints")
            + _triggers("supply_requests", "retailer_rollups_supply")
            + _triggers("training_sign_ups", "retailer_rollups_sign_ups") + """
CREATE TRIGGER retailer_rollups_update AFTER UPDATE ON training_sessions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION retailer_rollups_sessions();
""")

DROP = """
DROP TRIGGER IF EXISTS retailer_rollups_update ON training_sessions;
""" + "".join(f"""
DROP TRIGGER IF EXISTS retailer_rollups_insert ON {t};
DROP TRIGGER IF EXISTS retailer_rollups_update ON {t};
DROP TRIGGER IF EXISTS retailer_rollups_delete ON {t};
DROP TRIGGER IF EXISTS retailer_rollups_truncate ON {t};
""" for t in ("complaints", "supply_requests", "training_sign_ups")) + """
DROP FUNCTION IF EXISTS retailer_rollups_forget();
DROP FUNCTION IF EXISTS retailer_rollups_sessions();
DROP FUNCTION IF EXISTS retailer_rollups_sign_ups();
DROP FUNCTION IF EXISTS retailer_rollups_supply();
DROP FUNCTION IF EXISTS retailer_rollups_complaints();
DROP FUNCTION IF EXISTS retailer_rollups_add(jsonb, text);
DELETE FROM app_state WHERE key = 'retailer_rollups';
"""


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column('retailers', sa.Column(name, sa.Integer(), server_default='0', nullable=False))
        op.create_index(f'ix_retailers_{name}_id', 'retailers', [name, 'id'])
    op.create_index('ix_supply_requests_open_retailer', 'supply_requests', ['retailer_id'],
                    postgresql_where=sa.text("state = 'requested'"))
    op.execute(FUNCTIONS)
    op.execute(TRIGGERS)


def downgrade() -> None:
    op.execute(DROP)
    op.drop_index('ix_supply_requests_open_retailer', table_name='supply_requests')
    for name in reversed(COLUMNS):
        op.drop_index(f'ix_retailers_{name}_id', table_name='retailers')
        op.drop_column('retailers', name)

"""history cannot be rewritten: the audit log, the complaint timelines and the incident logs refuse UPDATE, DELETE
and TRUNCATE, whoever asks

One trigger function, `portal_history_guard`, for every append-only table: as a row trigger it refuses UPDATE and
DELETE, except an UPDATE that changes only the columns named as its arguments (the incident log's "significant" flag
and who set it); as a statement trigger it refuses TRUNCATE, except from the tables' owner in a transaction that
set `portal.reset_history` (the test suite resetting its database). The portal's own database role has no UPDATE,
DELETE or TRUNCATE on these tables in the first place (db/roles.py grants, after every migration); this guards
against the owner's mistakes too. db/roles.py `protect` puts the same triggers on any history table added later.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 05:00:00
"""
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

GUARD = """
CREATE FUNCTION portal_history_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF current_setting('portal.reset_history', true) = 'on'
           AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
            RETURN NULL;
        END IF;
    ELSIF TG_OP = 'UPDATE' AND TG_NARGS > 0 AND (to_jsonb(NEW) - TG_ARGV) = (to_jsonb(OLD) - TG_ARGV) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
"""
# the history tables at this revision, with the columns that may still change
TABLES = {"audit_log": "", "complaint_events": "", "incident_timeline_entries": "'significant', 'flagged_by_id'"}


def upgrade() -> None:
    op.execute(GUARD)
    for table, allowed in TABLES.items():
        op.execute(f"CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION portal_history_guard({allowed})")
        op.execute(f"CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION portal_history_guard()")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS history_no_truncate ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS history_append_only ON {table}")
    op.execute("DROP FUNCTION IF EXISTS portal_history_guard() CASCADE")  # and those db/roles.py added later

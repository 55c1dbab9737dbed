"""training coverage counted afresh, and kept only while nothing it reads has changed: a partial index of the
attended sign-ups by session (the year's ~2,000 sessions give their attendees from the index alone, instead of a scan
of every sign-up), and a change counter that the coverage page compares before reusing a count.

The counter is the sequence `training_coverage_changes`, bumped by a statement trigger on every write to what the
report reads: retailers (status, district, business type, customer manager), sign-ups (attended, session, retailer)
and sessions (start time), including COPY and TRUNCATE. The trigger first takes an advisory lock shared, held to the
writer's commit; the page keeps a count only under a marker read while it holds that lock exclusively (nobody between
bumping the counter and committing), so a count kept under marker N saw every write that bumped it to N or below, and
any later commit bumps it past N (portal/training/reports.py `coverage_marker`). An audit-log id would not do: ids
are handed out in statement order, not commit order, and not every write is audited.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 06:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

LOCK = 7_007_002  # pg_advisory_xact_lock key shared with portal/training/reports.py (COVERAGE_LOCK)

UPGRADE = f"""
CREATE SEQUENCE training_coverage_changes;

CREATE FUNCTION training_coverage_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared({LOCK});
    PERFORM nextval('training_coverage_changes');
    RETURN NULL;
END $$;

CREATE TRIGGER training_coverage_retailers
    AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF id, status, district, business_type, manager_id ON retailers
    FOR EACH STATEMENT EXECUTE FUNCTION training_coverage_changed();
CREATE TRIGGER training_coverage_sign_ups
    AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF attended, session_id, retailer_id ON training_sign_ups
    FOR EACH STATEMENT EXECUTE FUNCTION training_coverage_changed();
CREATE TRIGGER training_coverage_sessions
    AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF id, starts_at ON training_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION training_coverage_changed();
"""

DOWNGRADE = """
DROP TRIGGER IF EXISTS training_coverage_sessions ON training_sessions;
DROP TRIGGER IF EXISTS training_coverage_sign_ups ON training_sign_ups;
DROP TRIGGER IF EXISTS training_coverage_retailers ON retailers;
DROP FUNCTION IF EXISTS training_coverage_changed();
DROP SEQUENCE IF EXISTS training_coverage_changes;
"""


def upgrade() -> None:
    op.create_index('ix_training_sign_ups_attended_session', 'training_sign_ups', ['session_id', 'retailer_id'],
                    postgresql_where=sa.text('attended'))
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
    op.drop_index('ix_training_sign_ups_attended_session', table_name='training_sign_ups')

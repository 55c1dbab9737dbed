"""complaint dashboard: each center day's figures kept in `complaint_dashboard_days` (for the whole center, per
handling department, per retailer district), so a year of figures reads ~5,000 small rows instead of ~250,000
complaints; a partial index of the complaints not answered yet (the only figures that change with the clock), and a
narrow one of the complainants' phone numbers by receipt (repeat complainants hash a period's numbers)

The rows hold only what does not depend on "now" (counts, working-day handling times, counts by category, grade,
channel and root cause). They are a cache kept exact by triggers: any write to a complaint drops the rows of its
receipt day (± 1 day, whatever the center's time zone), a retailer moving district drops its complaints' days, a
calendar change drops every row (handling times change). The dashboard computes missing days from the complaints
in the same statement that reads the rows, and stores them under an advisory lock that writers take shared, so a
day is never stored from a snapshot older than a committed write (portal/dashboards/complaints.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 04:30:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

LOCK = 7_007_001  # pg_advisory_xact_lock key shared with portal/dashboards/complaints.py (DAYS_LOCK)

FUNCTIONS = f"""
CREATE FUNCTION complaint_dashboard_days_drop() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared({LOCK});
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        DELETE FROM complaint_dashboard_days d
        USING (SELECT DISTINCT (received_at AT TIME ZONE 'UTC')::date AS day FROM new_rows) n
        WHERE d.day BETWEEN n.day - 1 AND n.day + 1;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM complaint_dashboard_days d
        USING (SELECT DISTINCT (received_at AT TIME ZONE 'UTC')::date AS day FROM old_rows) o
        WHERE d.day BETWEEN o.day - 1 AND o.day + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION complaint_dashboard_days_drop_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared({LOCK});
    DELETE FROM complaint_dashboard_days;
    RETURN NULL;
END $$;

CREATE FUNCTION complaint_dashboard_days_drop_retailer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared({LOCK});
    DELETE FROM complaint_dashboard_days d
    USING (SELECT DISTINCT (received_at AT TIME ZONE 'UTC')::date AS day FROM complaints
           WHERE retailer_id = NEW.id) c
    WHERE d.day BETWEEN c.day - 1 AND c.day + 1;
    RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER complaint_dashboard_days_insert AFTER INSERT ON complaints REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION complaint_dashboard_days_drop();
CREATE TRIGGER complaint_dashboard_days_update AFTER UPDATE ON complaints
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION complaint_dashboard_days_drop();
CREATE TRIGGER complaint_dashboard_days_delete AFTER DELETE ON complaints REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION complaint_dashboard_days_drop();
CREATE TRIGGER complaint_dashboard_days_truncate AFTER TRUNCATE ON complaints
    FOR EACH STATEMENT EXECUTE FUNCTION complaint_dashboard_days_drop_all();
CREATE TRIGGER complaint_dashboard_days_calendar AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON calendar_days
    FOR EACH STATEMENT EXECUTE FUNCTION complaint_dashboard_days_drop_all();
CREATE TRIGGER complaint_dashboard_days_district AFTER UPDATE OF district ON retailers
    FOR EACH ROW WHEN (OLD.district IS DISTINCT FROM NEW.district)
    EXECUTE FUNCTION complaint_dashboard_days_drop_retailer();
"""

DROP = """
DROP TRIGGER IF EXISTS complaint_dashboard_days_district ON retailers;
DROP TRIGGER IF EXISTS complaint_dashboard_days_calendar ON calendar_days;
DROP TRIGGER IF EXISTS complaint_dashboard_days_truncate ON complaints;
DROP TRIGGER IF EXISTS complaint_dashboard_days_delete ON complaints;
DROP TRIGGER IF EXISTS complaint_dashboard_days_update ON complaints;
DROP TRIGGER IF EXISTS complaint_dashboard_days_insert ON complaints;
DROP FUNCTION IF EXISTS complaint_dashboard_days_drop_retailer();
DROP FUNCTION IF EXISTS complaint_dashboard_days_drop_all();
DROP FUNCTION IF EXISTS complaint_dashboard_days_drop();
"""

UNANSWERED = ['state', 'department_id', 'retailer_id', 'first_replied_at', 'first_reply_due_at', 'resolution_due_at',
              'paused_since']


def upgrade() -> None:
    op.create_table(
        'complaint_dashboard_days',
        sa.Column('zone', sa.String(length=64), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('level', sa.SmallInteger(), nullable=False),
        sa.Column('key', sa.Text(), nullable=False),
        sa.Column('complaints', sa.Integer(), nullable=False),
        sa.Column('first_replied', sa.Integer(), nullable=False),
        sa.Column('replied_in_time', sa.Integer(), nullable=False),
        sa.Column('answered', sa.Integer(), nullable=False),
        sa.Column('resolved_in_time', sa.Integer(), nullable=False),
        sa.Column('followed_up', sa.Integer(), nullable=False),
        sa.Column('surveyed', sa.Integer(), nullable=False),
        sa.Column('satisfied', sa.Integer(), nullable=False),
        sa.Column('reopened', sa.Integer(), nullable=False),
        sa.Column('handling', postgresql.ARRAY(sa.Float()), nullable=False),
        sa.Column('handling_sum', sa.Float(), nullable=False),
        sa.Column('counts', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint('zone', 'day', 'level', 'key', name=op.f('pk_complaint_dashboard_days')),
    )
    op.create_index('ix_complaints_unanswered', 'complaints', ['received_at'], postgresql_include=UNANSWERED,
                    postgresql_where=sa.text('first_replied_at IS NULL OR replied_at IS NULL'))
    op.create_index('ix_complaints_phone_received', 'complaints', ['received_at'],
                    postgresql_include=['complainant_phone', 'state'],
                    postgresql_where=sa.text('complainant_phone IS NOT NULL'))
    op.execute(FUNCTIONS)
    op.execute(TRIGGERS)


def downgrade() -> None:
    op.execute(DROP)
    op.drop_index('ix_complaints_phone_received', table_name='complaints')
    op.drop_index('ix_complaints_unanswered', table_name='complaints')
    op.drop_table('complaint_dashboard_days')

"""notifications: the job queue (procrastinate) and the notifications table

- The job queue: procrastinate 3.10.0's own schema (`migrations/sql/procrastinate-3.10.0.sql`, a copy of the pinned
  package's `procrastinate/sql/schema.sql`, kept here so this revision never changes with the package): its
  procrastinate_* tables, types and functions. The audit hook (db/audit.py) defers one job per flush with
  `procrastinate_defer_jobs_v1` in the domain's own transaction (an outbox); the worker (`python -m portal worker`)
  runs them. A later procrastinate version brings its migrations in a later revision.
- notifications: one notice to one user (db/notification_models.py), unique on (rule, record, occasion, user).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 08:30:00
"""
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

QUEUE_SCHEMA = Path(__file__).resolve().parent.parent / "sql" / "procrastinate-3.10.0.sql"
QUEUE_TABLES = ("procrastinate_events", "procrastinate_periodic_defers", "procrastinate_jobs",
                "procrastinate_workers")
QUEUE_TYPES = ("procrastinate_job_to_defer_v1", "procrastinate_job_event_type", "procrastinate_job_status")


def upgrade() -> None:
    # the script as it is, on the driver's connection: no bind parameters, several statements
    op.get_bind().connection.driver_connection.execute(QUEUE_SCHEMA.read_text(encoding="utf-8"))
    op.create_table(
        'notifications',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=60), nullable=False),
        sa.Column('record_table', sa.String(length=60), nullable=False),
        sa.Column('record_id', sa.String(length=60), nullable=False),
        sa.Column('occasion', sa.String(length=120), nullable=False),
        sa.Column('msgid', sa.Text(), nullable=False),
        sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"),
                  nullable=False),
        sa.Column('link', sa.String(length=300), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('rule', 'record_table', 'record_id', 'occasion', 'user_id', name='uq_notifications_key'),
    )
    op.create_index('ix_notifications_unread', 'notifications', ['user_id'], postgresql_where=sa.text('read_at IS NULL'))
    op.create_index('ix_notifications_user_list', 'notifications',
                    ['user_id', sa.text('(read_at IS NOT NULL)'), sa.text('created_at DESC'), sa.text('id DESC')])


def downgrade() -> None:
    op.drop_table('notifications')
    op.execute(f"DROP TABLE IF EXISTS {', '.join(QUEUE_TABLES)} CASCADE")
    op.execute("""
        DO $$
        DECLARE f regprocedure;
        BEGIN
            FOR f IN SELECT oid::regprocedure FROM pg_proc
                     WHERE proname LIKE 'procrastinate\\_%' AND pronamespace = 'public'::regnamespace LOOP
                EXECUTE 'DROP FUNCTION ' || f || ' CASCADE';
            END LOOP;
        END $$;
    """)
    op.execute(f"DROP TYPE IF EXISTS {', '.join(QUEUE_TYPES)} CASCADE")

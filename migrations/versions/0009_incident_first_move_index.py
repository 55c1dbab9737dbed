"""incident dashboard: a partial index on each incident's move out of "open", so time to respond is one index
probe per incident instead of a walk through its ~20 timeline entries

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 04:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_incident_timeline_entries_first_move', 'incident_timeline_entries',
                    ['incident_id', 'happened_at'],
                    postgresql_where=sa.text("kind = 'status_change' and (data ->> 'from') = 'open'"))


def downgrade() -> None:
    op.drop_index('ix_incident_timeline_entries_first_move', table_name='incident_timeline_entries')

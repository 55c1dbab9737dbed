"""complaint dashboard: a covering index on the receipt time, so a year of figures (about 250,000 complaints at a
million) is read from the index alone, never from the wide complaint rows

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 04:00:00
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# what portal/dashboards/complaints.py reads of each complaint (keep in step with db/complaint_models.py)
DASHBOARD_COLUMNS = ['state', 'category_id', 'grade', 'channel', 'department_id', 'retailer_id', 'complainant_phone',
                     'first_replied_at', 'first_reply_due_at', 'replied_at', 'resolution_due_at', 'followed_up_at',
                     'satisfaction', 'reopen_count', 'paused_since', 'root_cause']


def upgrade() -> None:
    op.create_index('ix_complaints_dashboard', 'complaints', ['received_at'],
                    postgresql_include=DASHBOARD_COLUMNS)


def downgrade() -> None:
    op.drop_index('ix_complaints_dashboard', table_name='complaints')

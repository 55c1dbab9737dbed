"""complaint dashboard at scale: what changes with the clock is read from indexes alone

- ix_complaints_unanswered (0010) now carries `replied_at` and leaves out invalid complaints and duplicates (never
  answered, so most of its entries, each a heap visit): "overdue now" reads a few thousand index entries;
- ix_complaints_open_received: open complaints by receipt, for the backlog by age;
- ix_retailers_active_district: active retailers by district (complaints per 10,000 retailers), a narrow index
  instead of a scan of every retailer row.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 07:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

COUNTED = "state IN ('registered', 'assigned', 'in_progress', 'replied', 'followed_up', 'closed')"
OPEN = "state IN ('registered', 'assigned', 'in_progress', 'replied', 'followed_up')"
UNANSWERED = ['state', 'department_id', 'retailer_id', 'first_replied_at', 'first_reply_due_at', 'replied_at',
              'resolution_due_at', 'paused_since']


def upgrade() -> None:
    op.drop_index('ix_complaints_unanswered', table_name='complaints')
    op.create_index('ix_complaints_unanswered', 'complaints', ['received_at'], postgresql_include=UNANSWERED,
                    postgresql_where=sa.text(f'(first_replied_at IS NULL OR replied_at IS NULL) AND {COUNTED}'))
    op.create_index('ix_complaints_open_received', 'complaints', ['received_at'],
                    postgresql_include=['department_id', 'retailer_id'], postgresql_where=sa.text(OPEN))
    op.create_index('ix_retailers_active_district', 'retailers', ['district'],
                    postgresql_where=sa.text("status = 'active'"))


def downgrade() -> None:
    op.drop_index('ix_retailers_active_district', table_name='retailers')
    op.drop_index('ix_complaints_open_received', table_name='complaints')
    op.drop_index('ix_complaints_unanswered', table_name='complaints')
    op.create_index('ix_complaints_unanswered', 'complaints', ['received_at'], postgresql_include=[
        'state', 'department_id', 'retailer_id', 'first_replied_at', 'first_reply_due_at', 'resolution_due_at',
        'paused_since'], postgresql_where=sa.text('first_replied_at IS NULL OR replied_at IS NULL'))

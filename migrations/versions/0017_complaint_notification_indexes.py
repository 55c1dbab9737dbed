"""complaint notification scans: the running clocks by due time, the answers awaiting their follow-up

The periodic scans of the complaint rules (portal/complaints/notify_clock.py) read only what is due, each minute, at
a million complaints:
- ix_complaints_reply_clock: complaints whose first reply is still to give (running states), by its due time;
- ix_complaints_resolution_clock: complaints whose resolution clock runs, by its due time;
- ix_complaints_awaiting_follow_up: answered complaints (replied, not followed up yet), by the answer's time.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 10:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

RUNNING = "state IN ('registered', 'assigned', 'in_progress')"


def upgrade() -> None:
    op.create_index('ix_complaints_reply_clock', 'complaints', ['first_reply_due_at'],
                    postgresql_where=sa.text(f'{RUNNING} AND first_replied_at IS NULL'))
    op.create_index('ix_complaints_resolution_clock', 'complaints', ['resolution_due_at'],
                    postgresql_where=sa.text(RUNNING))
    op.create_index('ix_complaints_awaiting_follow_up', 'complaints', ['replied_at'],
                    postgresql_where=sa.text("state = 'replied'"))


def downgrade() -> None:
    op.drop_index('ix_complaints_awaiting_follow_up', table_name='complaints')
    op.drop_index('ix_complaints_resolution_clock', table_name='complaints')
    op.drop_index('ix_complaints_reply_clock', table_name='complaints')

"""complaints: the triage order (state, highest grade first, oldest first) is read from an index

A supervisor's three-level sort of the grid — state, then grade from high to low, then oldest first — sorted all
940,000 closed complaints for each page at a million (an index on the state alone, then a sort of the rest). The
single-column index on state becomes (state, grade DESC, received_at, id): the page is read off the index in that
order (id ends every grid sort), and it still answers everything the old one did (state leads).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 19:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_complaints_triage_order', 'complaints',
                    ['state', sa.text('grade DESC'), 'received_at', 'id'])
    op.drop_index('ix_complaints_state', table_name='complaints')


def downgrade() -> None:
    op.create_index('ix_complaints_state', 'complaints', ['state'])
    op.drop_index('ix_complaints_triage_order', table_name='complaints')

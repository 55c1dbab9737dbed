"""complaints: the triage order (state, highest grade first, oldest first) and the grade sort are read from indexes

A supervisor's three-level sort of the grid — state, then grade from high to low, then oldest first — sorted all
940,000 closed complaints for each page at a million (an index on the state alone, then a sort of the rest). The
single-column index on state becomes (state, grade DESC, received_at, id): the page is read off the index in that
order (id ends every grid sort), and it still answers everything the old one did (state leads). Likewise the grade's
index becomes (grade, id), as the other sortable columns' are: "highest grade first" read 1M index entries and
sorted them (170 ms) for a page of 50.

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
    op.create_index('ix_complaints_grade_id', 'complaints', ['grade', 'id'])
    op.drop_index('ix_complaints_grade', table_name='complaints')


def downgrade() -> None:
    op.create_index('ix_complaints_grade', 'complaints', ['grade'])
    op.drop_index('ix_complaints_grade_id', table_name='complaints')
    op.create_index('ix_complaints_state', 'complaints', ['state'])
    op.drop_index('ix_complaints_triage_order', table_name='complaints')

"""complaints: the grid grouped by department then state (issue 16) reads one index, not the table

The single-column index on department_id becomes (department_id, state) with the grade and the handler at hand, so
the grouped grid's counts and its usual totals (average grade, handlers filled) at a million complaints are an
index-only scan; it still answers everything the old one did (department_id leads).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 16:10:00
"""
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_complaints_department_state', 'complaints', ['department_id', 'state'],
                    postgresql_include=['grade', 'handler_id'])
    op.drop_index('ix_complaints_department_id', table_name='complaints')


def downgrade() -> None:
    op.create_index('ix_complaints_department_id', 'complaints', ['department_id'])
    op.drop_index('ix_complaints_department_state', table_name='complaints')

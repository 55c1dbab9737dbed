"""complaints: the kanban's counts per state of one department (department × state) from an index alone

A board of complaints filtered to a department (the supervisor's usual board) counts its columns with one GROUP BY;
at a province's million complaints that read the department's rows from the table (~500 ms); this index answers
it by an index-only scan (~50 ms).

Revision ID: 0028
Revises: 0026
Create Date: 2026-12-06 16:30:00
"""
from alembic import op

revision = '0028'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_complaints_department_state', 'complaints', ['department_id', 'state'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_complaints_department_state', table_name='complaints')

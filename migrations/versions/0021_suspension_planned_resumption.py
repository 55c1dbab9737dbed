"""incident suspensions: the planned resumption (what retailers are told), after the suspension

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 12:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('incident_suspensions', sa.Column('planned_resumption_at', sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(op.f('ck_incident_suspensions_planned_after_suspended'), 'incident_suspensions',
                               'planned_resumption_at > suspended_at')


def downgrade() -> None:
    op.drop_constraint(op.f('ck_incident_suspensions_planned_after_suspended'), 'incident_suspensions', type_='check')
    op.drop_column('incident_suspensions', 'planned_resumption_at')

"""notification rules: an admin's settings per built-in rule, each periodic scan's last run, urgent notices

- notification_rule_settings: on/off, audiences, lead time of a built-in rule (none: as built);
- notification_scan_runs: the last run of each periodic scan (the admin home shows it);
- notifications.urgent: grade 1 and severity 1-2 notices, which reach a person in their quiet hours too.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 10:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('notifications', sa.Column('urgent', sa.Boolean(), server_default='false', nullable=False))
    op.create_table(
        'notification_rule_settings',
        sa.Column('rule', sa.String(length=60), nullable=False),
        sa.Column('enabled', sa.Boolean(), server_default='true', nullable=False),
        sa.Column('audiences', sa.ARRAY(sa.String(length=40)), nullable=True),
        sa.Column('lead_minutes', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.PrimaryKeyConstraint('rule', name=op.f('pk_notification_rule_settings')),
    )
    op.create_table(
        'notification_scan_runs',
        sa.Column('scan', sa.String(length=80), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('duration_ms', sa.Float(), nullable=True),
        sa.Column('rows_read', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('made', sa.Integer(), server_default='0', nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('runs', sa.BigInteger(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('scan', name=op.f('pk_notification_scan_runs')),
    )


def downgrade() -> None:
    op.drop_table('notification_scan_runs')
    op.drop_table('notification_rule_settings')
    op.drop_column('notifications', 'urgent')

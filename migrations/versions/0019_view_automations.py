"""view automations: watched saved views (enter / morning digest), where each one's scan stands, its members

- view_automations: a saved view watched for records entering it, or summed up every morning (audited, versioned);
- view_automation_scans: each one's watermark (database time of the last read of changed records), the center day of
  its last full pass, the day of its last digest;
- view_automation_members: the records each watched view holds (and how often each entered);
- ix_complaints_updated_at_id: the complaints changed since a watermark, from an index.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 10:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'view_automations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('view_id', sa.Integer(), nullable=False),
        sa.Column('table_name', sa.String(length=60), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('trigger', sa.String(length=10), nullable=False),
        sa.Column('recipient_kind', sa.String(length=12), nullable=False),
        sa.Column('recipient', sa.String(length=60), nullable=False),
        sa.Column('template', sa.Text(), nullable=False),
        sa.Column('enabled', sa.Boolean(), server_default='true', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.CheckConstraint("trigger in ('enter','digest')", name=op.f('ck_view_automations_trigger')),
        sa.CheckConstraint("recipient_kind in ('user','role','department','field')",
                           name=op.f('ck_view_automations_recipient_kind')),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_view_automations_owner_id_users')),
        sa.ForeignKeyConstraint(['view_id'], ['saved_views.id'], ondelete='CASCADE',
                                name=op.f('fk_view_automations_view_id_saved_views')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_view_automations')),
    )
    op.create_index('ix_view_automations_view', 'view_automations', ['view_id'], unique=False)
    op.create_table(
        'view_automation_scans',
        sa.Column('automation_id', sa.Integer(), nullable=False),
        sa.Column('watermark', sa.DateTime(timezone=True), nullable=True),
        sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('full_pass_on', sa.Date(), nullable=True),
        sa.Column('digest_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['automation_id'], ['view_automations.id'], ondelete='CASCADE',
                                name=op.f('fk_view_automation_scans_automation_id_view_automations')),
        sa.PrimaryKeyConstraint('automation_id', name=op.f('pk_view_automation_scans')),
    )
    op.create_table(
        'view_automation_members',
        sa.Column('automation_id', sa.Integer(), nullable=False),
        sa.Column('record_id', sa.BigInteger(), nullable=False),
        sa.Column('inside', sa.Boolean(), server_default='true', nullable=False),
        sa.Column('entries', sa.Integer(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint(['automation_id'], ['view_automations.id'], ondelete='CASCADE',
                                name=op.f('fk_view_automation_members_automation_id_view_automations')),
        sa.PrimaryKeyConstraint('automation_id', 'record_id', name=op.f('pk_view_automation_members')),
    )
    op.create_index('ix_complaints_updated_at_id', 'complaints', ['updated_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_complaints_updated_at_id', table_name='complaints')
    op.drop_table('view_automation_members')
    op.drop_table('view_automation_scans')
    op.drop_index('ix_view_automations_view', table_name='view_automations')
    op.drop_table('view_automations')

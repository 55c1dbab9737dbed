"""deliveries: e-mail and gateway messages, each user's preferences, users' e-mail address and mobile number

- users.email, users.mobile: where the notifications worker sends a person's e-mail and text messages;
- deliveries: each message to send on a channel (a notification, a day's digest, a test message, a message to a
  retailer), its status, attempts and last error; `key` (unique) is its idempotency key;
- notification_preferences: a user's channels, daily digest and quiet hours.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 10:30:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('email', sa.String(length=254), nullable=True))
    op.add_column('users', sa.Column('mobile', sa.String(length=20), nullable=True))
    op.create_table(
        'deliveries',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('recipient_kind', sa.String(length=10), nullable=False),
        sa.Column('recipient_id', sa.BigInteger(), nullable=True),
        sa.Column('address', sa.String(length=254), nullable=True),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('notification_id', sa.BigInteger(), nullable=True),
        sa.Column('about_table', sa.String(length=60), nullable=True),
        sa.Column('about_id', sa.String(length=60), nullable=True),
        sa.Column('msgid', sa.Text(), nullable=False),
        sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"),
                  nullable=False),
        sa.Column('link', sa.String(length=300), nullable=True),
        sa.Column('status', sa.String(length=10), server_default='queued', nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('reason', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('not_before', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("channel in ('email','gateway')", name=op.f('ck_deliveries_channel')),
        sa.CheckConstraint("status in ('queued','retrying','sent','failed','skipped')",
                           name=op.f('ck_deliveries_status')),
        sa.CheckConstraint("kind in ('notification','digest','test','retailer')", name=op.f('ck_deliveries_kind')),
        sa.CheckConstraint("recipient_kind in ('user','retailer','address')",
                           name=op.f('ck_deliveries_recipient_kind')),
        sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], ondelete='CASCADE',
                                name=op.f('fk_deliveries_notification_id_notifications')),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_deliveries_created_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
        sa.UniqueConstraint('key', name=op.f('uq_deliveries_key')),
    )
    op.create_index('ix_deliveries_created', 'deliveries', [sa.text('created_at DESC'), sa.text('id DESC')])
    op.create_index('ix_deliveries_status_created', 'deliveries', ['status', sa.text('created_at DESC')])
    op.create_index('ix_deliveries_about', 'deliveries', ['about_table', 'about_id'])
    op.create_index('ix_deliveries_notification', 'deliveries', ['notification_id'])
    op.create_table(
        'notification_preferences',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.Boolean(), server_default='true', nullable=False),
        sa.Column('gateway', sa.Boolean(), server_default='false', nullable=False),
        sa.Column('digest', sa.Boolean(), server_default='false', nullable=False),
        sa.Column('digest_hour', sa.SmallInteger(), server_default='8', nullable=False),
        sa.Column('quiet_from', sa.Time(), nullable=True),
        sa.Column('quiet_until', sa.Time(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.CheckConstraint('digest_hour between 0 and 23', name=op.f('ck_notification_preferences_digest_hour')),
        sa.CheckConstraint("(quiet_from is null) = (quiet_until is null) and (quiet_from is null or "
                           "quiet_from <> quiet_until)", name=op.f('ck_notification_preferences_quiet_hours')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_notification_preferences_user_id_users')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_preferences')),
    )


def downgrade() -> None:
    op.drop_table('notification_preferences')
    op.drop_table('deliveries')
    op.drop_column('users', 'mobile')
    op.drop_column('users', 'email')

"""sessions and accounts: single-sign-on address per user, append-only security events

- users.sso_email: the address a single-sign-on provider must verify to sign that user in (explicit mapping);
- security_events: sign-ins, failures, locks, sign-outs, refusals, role and password changes; UPDATE and DELETE
  are refused by a trigger (the table is a record, like audit_log).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 04:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

KINDS = ("sign_in", "sign_in_failed", "locked", "sign_out", "session_ended", "permission_denied", "role_change",
         "password_change", "sso_refused")


def upgrade() -> None:
    op.add_column('users', sa.Column('sso_email', sa.String(length=254), nullable=True))
    op.create_unique_constraint(op.f('uq_users_sso_email'), 'users', ['sso_email'])
    op.create_check_constraint(op.f('ck_users_sso_email_lowercase'), 'users', 'sso_email = lower(sso_email)')
    op.create_table(
        'security_events',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('login', sa.String(length=60), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.CheckConstraint("kind in (" + ", ".join(repr(k) for k in KINDS) + ")", name=op.f('ck_security_events_kind')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_security_events_user_id_users')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_security_events_actor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_security_events')),
    )
    op.create_index('ix_security_events_at', 'security_events', ['at'])
    op.create_index('ix_security_events_user_at', 'security_events', ['user_id', 'at'])
    op.execute("""
        CREATE FUNCTION security_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'security_events is append-only: % refused', TG_OP;
        END $$;
        CREATE TRIGGER security_events_append_only BEFORE UPDATE OR DELETE ON security_events
            FOR EACH ROW EXECUTE FUNCTION security_events_append_only();
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER security_events_append_only ON security_events; "
               "DROP FUNCTION security_events_append_only();")
    op.drop_index('ix_security_events_user_at', table_name='security_events')
    op.drop_index('ix_security_events_at', table_name='security_events')
    op.drop_table('security_events')
    op.drop_constraint(op.f('ck_users_sso_email_lowercase'), 'users', type_='check')
    op.drop_constraint(op.f('uq_users_sso_email'), 'users', type_='unique')
    op.drop_column('users', 'sso_email')

"""records: change sets — the audit rows one bulk change, import, restore or undo wrote, under one id, so a bulk
change or an import can be undone (issue 16); an undo is a change set naming the one it undid

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 16:10:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'change_sets',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('table_name', sa.String(length=60), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"),
                  nullable=False),
        sa.Column('records', sa.Integer(), server_default='0', nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('undoes_id', sa.BigInteger(), nullable=True),
        sa.CheckConstraint("kind in ('bulk', 'import', 'restore', 'undo')", name=op.f('ck_change_sets_kind')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_change_sets_actor_id_users')),
        sa.ForeignKeyConstraint(['undoes_id'], ['change_sets.id'], name=op.f('fk_change_sets_undoes_id_change_sets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_sets')),
        sa.UniqueConstraint('undoes_id', name=op.f('uq_change_sets_undoes_id')))
    op.create_index('ix_change_sets_table_kind_at', 'change_sets', ['table_name', 'kind', 'at'])
    op.add_column('audit_log', sa.Column('change_set_id', sa.BigInteger(), nullable=True))
    op.create_foreign_key(op.f('fk_audit_log_change_set_id_change_sets'), 'audit_log', 'change_sets',
                          ['change_set_id'], ['id'])
    op.create_index('ix_audit_log_change_set', 'audit_log', ['change_set_id'],
                    postgresql_where=sa.text('change_set_id is not null'))


def downgrade() -> None:
    op.drop_index('ix_audit_log_change_set', table_name='audit_log')
    op.drop_constraint(op.f('fk_audit_log_change_set_id_change_sets'), 'audit_log', type_='foreignkey')
    op.drop_column('audit_log', 'change_set_id')
    op.drop_index('ix_change_sets_table_kind_at', table_name='change_sets')
    op.drop_table('change_sets')

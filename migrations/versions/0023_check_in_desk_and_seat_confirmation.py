"""training sign-ups: the check-in desk's walk-ins, late arrivals and excused absences; a seat given from the waiting
list waits for the retailer's confirmation until its deadline (the release scan reads a partial index)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 13:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

UNCONFIRMED = "confirm_by is not null and confirmed_at is null and state = 'signed_up'"


def upgrade() -> None:
    for name in ('walk_in', 'late', 'excused'):
        op.add_column('training_sign_ups', sa.Column(name, sa.Boolean(), server_default='false', nullable=False))
    op.add_column('training_sign_ups', sa.Column('confirm_by', sa.DateTime(timezone=True), nullable=True))
    op.add_column('training_sign_ups', sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('training_sign_ups', sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_training_sign_ups_confirmed_by_id_users'), 'training_sign_ups', 'users',
                          ['confirmed_by_id'], ['id'])
    op.create_check_constraint(op.f('ck_training_sign_ups_late_attended'), 'training_sign_ups', 'not late or attended')
    op.create_check_constraint(op.f('ck_training_sign_ups_excused_absent'), 'training_sign_ups',
                               'not excused or attended is false')
    op.create_check_constraint(op.f('ck_training_sign_ups_confirmed_promotion'), 'training_sign_ups',
                               'confirmed_at is null or confirm_by is not null')
    op.create_index('ix_training_sign_ups_unconfirmed', 'training_sign_ups', ['confirm_by'],
                    postgresql_where=sa.text(UNCONFIRMED))


def downgrade() -> None:
    op.drop_index('ix_training_sign_ups_unconfirmed', table_name='training_sign_ups',
                  postgresql_where=sa.text(UNCONFIRMED))
    for name in ('confirmed_promotion', 'excused_absent', 'late_attended'):
        op.drop_constraint(op.f(f'ck_training_sign_ups_{name}'), 'training_sign_ups', type_='check')
    op.drop_constraint(op.f('fk_training_sign_ups_confirmed_by_id_users'), 'training_sign_ups', type_='foreignkey')
    for name in ('confirmed_by_id', 'confirmed_at', 'confirm_by', 'excused', 'late', 'walk_in'):
        op.drop_column('training_sign_ups', name)

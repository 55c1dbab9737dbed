"""complaint lists at scale: keyset sort indexes, partial indexes of the open states for My work, pairs-of-characters
search on descriptions and complainant names (replacing the trigram index on descriptions), trigram search on
reference and phone numbers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 03:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

OPEN = "state in ('registered', 'assigned', 'in_progress', 'replied', 'followed_up')"
WORKING = "state in ('assigned', 'in_progress')"


def upgrade() -> None:
    op.drop_index('ix_complaints_description_trgm', table_name='complaints')
    op.drop_index('ix_complaints_received_at', table_name='complaints')
    op.drop_index('ix_complaints_next_due_at', table_name='complaints')
    op.create_index('ix_complaints_received_at_id', 'complaints', ['received_at', 'id'])
    op.create_index('ix_complaints_next_due_at_id', 'complaints', ['next_due_at', 'id'])
    op.create_index('ix_complaints_open_owner', 'complaints', ['first_contact_owner_id', 'next_due_at'],
                    postgresql_where=sa.text(OPEN))
    op.create_index('ix_complaints_working_handler', 'complaints', ['handler_id', 'next_due_at'],
                    postgresql_where=sa.text(WORKING))
    op.create_index('ix_complaints_working_department', 'complaints', ['department_id', 'next_due_at'],
                    postgresql_where=sa.text(WORKING))
    for column in ('description', 'complainant_name'):
        op.create_index(f'ix_complaints_{column}_grams', 'complaints', [sa.text(f'portal_grams({column})')],
                        postgresql_using='gin')
    for column in ('reference', 'complainant_phone'):
        op.create_index(f'ix_complaints_{column}_trgm', 'complaints', [column], postgresql_using='gin',
                        postgresql_ops={column: 'gin_trgm_ops'})


def downgrade() -> None:
    for column in ('reference', 'complainant_phone'):
        op.drop_index(f'ix_complaints_{column}_trgm', table_name='complaints')
    for column in ('description', 'complainant_name'):
        op.drop_index(f'ix_complaints_{column}_grams', table_name='complaints')
    for name in ('working_department', 'working_handler', 'open_owner', 'next_due_at_id', 'received_at_id'):
        op.drop_index(f'ix_complaints_{name}', table_name='complaints')
    op.create_index('ix_complaints_next_due_at', 'complaints', ['next_due_at'])
    op.create_index('ix_complaints_received_at', 'complaints', ['received_at'])
    op.create_index('ix_complaints_description_trgm', 'complaints', ['description'], postgresql_using='gin',
                    postgresql_ops={'description': 'gin_trgm_ops'})

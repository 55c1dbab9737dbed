"""complaints: the e-mail and postal address a written complaint's answer goes to

Revision ID: 0022
Revises: 0016
Create Date: 2026-12-06 10:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('complaints', sa.Column('complainant_email', sa.String(length=254), nullable=True))
    op.add_column('complaints', sa.Column('complainant_address', sa.String(length=300), nullable=True))


def downgrade() -> None:
    op.drop_column('complaints', 'complainant_address')
    op.drop_column('complaints', 'complainant_email')

"""training coverage at scale: one partial index of the active retailers by district, business type and licence
number, carrying id, customer manager and star rating, so the untrained list filtered by district and business type
walks a few thousand index entries in licence order (and counts them) instead of a district's heap pages

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 04:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_retailers_active_coverage', 'retailers', ['district', 'business_type', 'license_no'],
                    postgresql_include=['id', 'manager_id', 'star_rating'],
                    postgresql_where=sa.text("status = 'active'"))


def downgrade() -> None:
    op.drop_index('ix_retailers_active_coverage', table_name='retailers')

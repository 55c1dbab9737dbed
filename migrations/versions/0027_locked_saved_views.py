"""saved views: a shared view can be locked (only its owner or a supervisor then changes it)

Until now only a shared view's owner and supervisors could change it: the shared views there are stay so (locked).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 16:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('saved_views', sa.Column('locked', sa.Boolean(), server_default='false', nullable=False))
    op.execute("UPDATE saved_views SET locked = true WHERE shared")


def downgrade() -> None:
    op.drop_column('saved_views', 'locked')

"""records layer: pg_trgm, saved views, indexes for every filter, sort and quick search of retailers

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

SORT_INDEXES = ("shop_name", "owner_name", "district", "route", "business_type", "star_rating", "status",
                "is_key_customer", "updated_at")
TRGM_INDEXES = ("license_no", "phone")
GRAM_INDEXES = ("shop_name", "owner_name", "address")
# Every pair of adjacent characters of a text, lower-cased (plus its last character alone: harmless). pg_trgm
# needs 3 characters to use its index, but Chinese words (names, 便利, 超市) are often 2: a GIN index over these
# pairs finds them exactly, and gives candidates (then checked with ILIKE) for longer words. Each character is
# doubled, the first dropped, and the rest cut in twos: "便利店" -> 便利 利店 店. Built-in functions only and
# not STRICT, so PostgreSQL inlines it: index maintenance costs about 3 µs a value instead of 7.
GRAMS_FUNCTION = r"""
CREATE FUNCTION portal_grams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT string_to_array(regexp_replace(substr(regexp_replace(lower(t), '(.)', E'\\1\\1', 'g'), 2),
                                        '(..)', E'\\1\x1f', 'g'), E'\x1f')
$$;
-- what a search word of 2+ characters asks of that index: exactly its pairs
CREATE FUNCTION portal_query_grams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT ARRAY(SELECT DISTINCT g FROM unnest(portal_grams(t)) AS g WHERE length(g) = 2)
$$
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(GRAMS_FUNCTION)
    op.create_table('saved_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('shared', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('is_default', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('state', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_saved_views_name_not_blank')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_saved_views_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_views')),
    sa.UniqueConstraint('table_name', 'owner_id', 'name', name='uq_saved_views_owner_name')
    )
    op.create_index('ix_saved_views_personal_default', 'saved_views', ['table_name', 'owner_id'], unique=True,
                    postgresql_where=sa.text('is_default AND NOT shared'))
    op.create_index('ix_saved_views_shared_default', 'saved_views', ['table_name'], unique=True,
                    postgresql_where=sa.text('is_default AND shared'))
    for column in SORT_INDEXES:
        op.create_index(f'ix_retailers_{column}_id', 'retailers', [column, 'id'], unique=False)
    for column in TRGM_INDEXES:
        op.create_index(f'ix_retailers_{column}_trgm', 'retailers', [column], unique=False,
                        postgresql_using='gin', postgresql_ops={column: 'gin_trgm_ops'})
    for column in GRAM_INDEXES:
        op.create_index(f'ix_retailers_{column}_grams', 'retailers', [sa.text(f'portal_grams({column})')],
                        unique=False, postgresql_using='gin')


def downgrade() -> None:
    for column in GRAM_INDEXES:
        op.drop_index(f'ix_retailers_{column}_grams', table_name='retailers')
    for column in TRGM_INDEXES:
        op.drop_index(f'ix_retailers_{column}_trgm', table_name='retailers')
    for column in SORT_INDEXES:
        op.drop_index(f'ix_retailers_{column}_id', table_name='retailers')
    op.drop_index('ix_saved_views_shared_default', table_name='saved_views')
    op.drop_index('ix_saved_views_personal_default', table_name='saved_views')
    op.drop_table('saved_views')
    op.execute("DROP FUNCTION IF EXISTS portal_query_grams(text)")
    op.execute("DROP FUNCTION IF EXISTS portal_grams(text)")
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")

"""complaints: the e-mail and postal address a written complaint's answer goes to; who gave the answer; a
supervisor's re-triage and ownership transfer on the timeline

replied_by_id: the follow-up is made by someone else (ISO 10002's independent check). Filled in for the complaints
awaiting a follow-up from their latest answer on the timeline; older ones keep none (their handler is refused anyway).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 10:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

KINDS = ("state_change", "field_change", "note", "reply", "follow_up", "pause", "resume", "link", "attachment")


def upgrade() -> None:
    op.add_column('complaints', sa.Column('complainant_email', sa.String(length=254), nullable=True))
    op.add_column('complaints', sa.Column('complainant_address', sa.String(length=300), nullable=True))
    op.add_column('complaints', sa.Column('replied_by_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_complaints_replied_by_id_users'), 'complaints', 'users', ['replied_by_id'], ['id'])
    op.execute("""
        UPDATE complaints c SET replied_by_id = (
            SELECT e.actor_id FROM complaint_events e
            WHERE e.complaint_id = c.id AND e.kind = 'reply' AND (e.data->>'final')::boolean
            ORDER BY e.at DESC, e.id DESC LIMIT 1)
        WHERE c.state IN ('replied', 'followed_up')
    """)
    _kinds(KINDS + ("retriage", "transfer"))


def _kinds(kinds: tuple[str, ...], *, not_valid: bool = False) -> None:
    """The timeline's kinds (a history table: going back leaves newer rows alone, NOT VALID)."""
    op.drop_constraint(op.f('ck_complaint_events_kind'), 'complaint_events', type_='check')
    op.execute(f"ALTER TABLE complaint_events ADD CONSTRAINT ck_complaint_events_kind CHECK (kind in ("
               f"{', '.join(repr(k) for k in kinds)})){' NOT VALID' if not_valid else ''}")


def downgrade() -> None:
    _kinds(KINDS, not_valid=True)
    op.drop_constraint(op.f('fk_complaints_replied_by_id_users'), 'complaints', type_='foreignkey')
    op.drop_column('complaints', 'replied_by_id')
    op.drop_column('complaints', 'complainant_address')
    op.drop_column('complaints', 'complainant_email')

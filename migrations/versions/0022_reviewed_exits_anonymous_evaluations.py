"""complaints: an agent's closure as invalid or duplicate awaits a supervisor's confirmation (on the timeline as
"review"); training: a session's evaluation forms may be anonymous (an evaluation names its session, and no sign-up
when anonymous)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 13:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

KINDS = ("state_change", "field_change", "note", "reply", "follow_up", "pause", "resume", "link", "attachment",
         "retriage", "transfer")


def upgrade() -> None:
    op.add_column('complaints', sa.Column('awaiting_review', sa.Boolean(), server_default='false', nullable=False))
    op.create_check_constraint(op.f('ck_complaints_awaiting_review_side_exit'), 'complaints',
                               "not awaiting_review or state in ('invalid', 'duplicate')")
    op.create_index('ix_complaints_awaiting_review', 'complaints', ['closed_at'], unique=False,
                    postgresql_where=sa.text('awaiting_review'))
    _kinds(KINDS + ("review",))
    op.add_column('training_sessions', sa.Column('anonymous_evaluation', sa.Boolean(), server_default='false',
                                                 nullable=False))
    op.add_column('training_evaluations', sa.Column('session_id', sa.Integer(), nullable=True))
    op.execute("UPDATE training_evaluations e SET session_id = u.session_id FROM training_sign_ups u "
               "WHERE u.id = e.sign_up_id")
    op.alter_column('training_evaluations', 'session_id', nullable=False)
    op.create_foreign_key(op.f('fk_training_evaluations_session_id_training_sessions'), 'training_evaluations',
                          'training_sessions', ['session_id'], ['id'])
    op.create_index('ix_training_evaluations_session_id', 'training_evaluations', ['session_id'], unique=False)
    op.alter_column('training_evaluations', 'sign_up_id', nullable=True)


def _kinds(kinds: tuple[str, ...], *, not_valid: bool = False) -> None:
    """The timeline's kinds (a history table: going back leaves newer rows alone, NOT VALID)."""
    op.drop_constraint(op.f('ck_complaint_events_kind'), 'complaint_events', type_='check')
    op.execute(f"ALTER TABLE complaint_events ADD CONSTRAINT ck_complaint_events_kind CHECK (kind in ("
               f"{', '.join(repr(k) for k in kinds)})){' NOT VALID' if not_valid else ''}")


def downgrade() -> None:
    op.execute("DELETE FROM training_evaluations WHERE sign_up_id IS NULL")  # anonymous forms have no place before
    op.alter_column('training_evaluations', 'sign_up_id', nullable=False)
    op.drop_index('ix_training_evaluations_session_id', table_name='training_evaluations')
    op.drop_constraint(op.f('fk_training_evaluations_session_id_training_sessions'), 'training_evaluations',
                       type_='foreignkey')
    op.drop_column('training_evaluations', 'session_id')
    op.drop_column('training_sessions', 'anonymous_evaluation')
    _kinds(KINDS, not_valid=True)
    op.drop_index('ix_complaints_awaiting_review', table_name='complaints', postgresql_where=sa.text('awaiting_review'))
    op.drop_constraint(op.f('ck_complaints_awaiting_review_side_exit'), 'complaints', type_='check')
    op.drop_column('complaints', 'awaiting_review')

"""incidents: the command group (组长, 副组长, members), checklist ticks, the supervision review's reviewer and time;
the reviewer role (督察考评中心 staff); timeline entries for the group, the checklist and the review

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 13:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

OLD_ROLES = ('agent', 'handler', 'supervisor', 'training_coordinator', 'emergency_coordinator', 'viewer', 'admin',
             'customer_manager')
NEW_ROLES = OLD_ROLES + ('reviewer',)
OLD_KINDS = ('update', 'decision', 'action', 'customer_notice', 'resource', 'status_change', 'severity_change',
             'commander_change')
NEW_KINDS = OLD_KINDS + ('command_group', 'checklist', 'review')


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} in ({', '.join(repr(v) for v in values)})"


def _roles(roles: tuple[str, ...]) -> None:
    op.drop_constraint(op.f('ck_users_known_roles'), 'users', type_='check')
    op.create_check_constraint(op.f('ck_users_known_roles'), 'users',
                               f"roles <@ ARRAY[{','.join(repr(r) for r in roles)}]::varchar[]")
    op.drop_constraint(op.f('ck_supply_approval_limits_role'), 'supply_approval_limits', type_='check')
    op.create_check_constraint(op.f('ck_supply_approval_limits_role'), 'supply_approval_limits', _in('role', roles))


def _kinds(kinds: tuple[str, ...]) -> None:
    op.drop_constraint(op.f('ck_incident_timeline_entries_kind'), 'incident_timeline_entries', type_='check')
    op.create_check_constraint(op.f('ck_incident_timeline_entries_kind'), 'incident_timeline_entries',
                               _in('kind', kinds))


def upgrade() -> None:
    _roles(NEW_ROLES)
    _kinds(NEW_KINDS)
    op.add_column('incidents', sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
    op.add_column('incidents', sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_foreign_key(op.f('fk_incidents_reviewed_by_id_users'), 'incidents', 'users', ['reviewed_by_id'], ['id'])
    op.create_check_constraint(op.f('ck_incidents_reviewed_by_and_at'), 'incidents',
                               '(reviewed_by_id is null) = (reviewed_at is null)')
    op.create_table('incident_command_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.String(length=15), nullable=False),
    sa.Column('named_by_id', sa.Integer(), nullable=False),
    sa.Column('named_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("position in ('leader', 'deputy_leader', 'member')",
                       name=op.f('ck_incident_command_members_position')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'],
                            name=op.f('fk_incident_command_members_incident_id_incidents')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_incident_command_members_user_id_users')),
    sa.ForeignKeyConstraint(['named_by_id'], ['users.id'], name=op.f('fk_incident_command_members_named_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_command_members')),
    sa.UniqueConstraint('incident_id', 'user_id', name='uq_incident_command_members_incident_user'),
    )
    op.create_index('ix_incident_command_members_one_leader', 'incident_command_members', ['incident_id', 'position'],
                    unique=True, postgresql_where=sa.text("position <> 'member'"))
    op.create_index('ix_incident_command_members_user_id', 'incident_command_members', ['user_id'])
    op.create_table('incident_checklist_ticks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=40), nullable=False),
    sa.Column('ticked_by_id', sa.Integer(), nullable=False),
    sa.Column('ticked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'],
                            name=op.f('fk_incident_checklist_ticks_incident_id_incidents')),
    sa.ForeignKeyConstraint(['ticked_by_id'], ['users.id'],
                            name=op.f('fk_incident_checklist_ticks_ticked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_checklist_ticks')),
    sa.UniqueConstraint('incident_id', 'item', name='uq_incident_checklist_ticks_incident_item'),
    )


def downgrade() -> None:
    op.drop_table('incident_checklist_ticks')
    op.drop_index('ix_incident_command_members_user_id', table_name='incident_command_members')
    op.drop_index('ix_incident_command_members_one_leader', table_name='incident_command_members')
    op.drop_table('incident_command_members')
    op.drop_constraint(op.f('ck_incidents_reviewed_by_and_at'), 'incidents', type_='check')
    op.drop_constraint(op.f('fk_incidents_reviewed_by_id_users'), 'incidents', type_='foreignkey')
    op.drop_column('incidents', 'reviewed_at')
    op.drop_column('incidents', 'reviewed_by_id')
    _kinds(OLD_KINDS)
    _roles(OLD_ROLES)

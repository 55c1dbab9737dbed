"""incidents: the log as ICS-214 (each entry's author position, files on an entry), the brief's objectives
(ICS-201), and supply approvals by post (客户服务部主任 / 营销部副经理, each with a quantity limit) with each delivery
route's order day

The approval limits per portal role are replaced by the plan's posts: nobody holds a post until an admin names them
(Admin · Supply), so no request is approved by a role's old limit. Downgrading brings the role limits back empty.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 13:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

MAX_FILE = 10 * 1024 * 1024
ROLES = ('agent', 'handler', 'supervisor', 'training_coordinator', 'emergency_coordinator', 'viewer', 'admin',
         'reviewer', 'customer_manager')  # (as 0025 left them)


def upgrade() -> None:
    op.add_column('incidents', sa.Column('objectives', sa.Text(), server_default='', nullable=False))
    op.add_column('incident_timeline_entries', sa.Column('author_position', sa.String(length=30), nullable=True))
    op.create_table(
        'incident_entry_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.BigInteger(), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.CheckConstraint(f'size_bytes between 1 and {MAX_FILE}', name=op.f('ck_incident_entry_files_size_bytes')),
        sa.CheckConstraint('octet_length(content) = size_bytes', name=op.f('ck_incident_entry_files_content_size')),
        sa.ForeignKeyConstraint(['entry_id'], ['incident_timeline_entries.id'],
                                name=op.f('fk_incident_entry_files_entry_id_incident_timeline_entries')),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'],
                                name=op.f('fk_incident_entry_files_incident_id_incidents')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                                name=op.f('fk_incident_entry_files_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_entry_files')))
    op.create_index('ix_incident_entry_files_incident', 'incident_entry_files', ['incident_id', 'entry_id'])
    op.drop_table('supply_approval_limits')
    op.create_table(
        'supply_approvers',
        sa.Column('post', sa.String(length=30), nullable=False),
        sa.Column('holder_id', sa.Integer(), nullable=True),
        sa.Column('max_quantity', sa.Integer(), server_default='0', nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.CheckConstraint("post in ('customer_service_head', 'marketing_deputy_manager')",
                           name=op.f('ck_supply_approvers_post')),
        sa.CheckConstraint('max_quantity between 0 and 100000', name=op.f('ck_supply_approvers_max_quantity')),
        sa.ForeignKeyConstraint(['holder_id'], ['users.id'], name=op.f('fk_supply_approvers_holder_id_users')),
        sa.PrimaryKeyConstraint('post', name=op.f('pk_supply_approvers')))
    op.create_table(
        'route_order_days',
        sa.Column('route', sa.String(length=30), nullable=False),
        sa.Column('weekday', sa.SmallInteger(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.CheckConstraint('weekday between 1 and 7', name=op.f('ck_route_order_days_weekday')),
        sa.PrimaryKeyConstraint('route', name=op.f('pk_route_order_days')))


def downgrade() -> None:
    op.drop_table('route_order_days')
    op.drop_table('supply_approvers')
    op.create_table(
        'supply_approval_limits',
        sa.Column('role', sa.String(length=30), nullable=False),
        sa.Column('max_quantity', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.CheckConstraint(f"role in ({', '.join(repr(r) for r in ROLES)})",
                           name=op.f('ck_supply_approval_limits_role')),
        sa.CheckConstraint('max_quantity between 0 and 100000', name=op.f('ck_supply_approval_limits_max_quantity')),
        sa.PrimaryKeyConstraint('role', name=op.f('pk_supply_approval_limits')))
    op.drop_index('ix_incident_entry_files_incident', table_name='incident_entry_files')
    op.drop_table('incident_entry_files')
    op.drop_column('incident_timeline_entries', 'author_position')
    op.drop_column('incidents', 'objectives')

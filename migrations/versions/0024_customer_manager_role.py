"""roles: the customer manager (客户经理), who checks in and calls the absentees of their own retailers

Going back takes the role from whoever holds it (and drops an approval limit set for it) before the old lists return.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 13:10:00
"""
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

OLD = ("agent", "handler", "supervisor", "training_coordinator", "emergency_coordinator", "viewer", "admin")
NEW = OLD + ("customer_manager",)


def _roles(roles: tuple[str, ...]) -> None:
    listed = ",".join(f"'{r}'" for r in roles)
    op.drop_constraint(op.f('ck_users_known_roles'), 'users', type_='check')
    op.create_check_constraint(op.f('ck_users_known_roles'), 'users', f"roles <@ ARRAY[{listed}]::varchar[]")
    op.drop_constraint(op.f('ck_supply_approval_limits_role'), 'supply_approval_limits', type_='check')
    op.create_check_constraint(op.f('ck_supply_approval_limits_role'), 'supply_approval_limits',
                               f"role in ({', '.join(repr(r) for r in roles)})")


def upgrade() -> None:
    _roles(NEW)


def downgrade() -> None:
    op.execute("UPDATE users SET roles = array_remove(roles, 'customer_manager') WHERE 'customer_manager' = ANY(roles)")
    op.execute("DELETE FROM supply_approval_limits WHERE role = 'customer_manager'")
    _roles(OLD)

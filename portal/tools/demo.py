"""Demo center: staff of every role, 300 believable retailers in six districts of one city
(portal/retailers/demo.py), and each area's demo records (portal/<area>/demo.py)."""
from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Department
from portal.access.auth import SYSTEM
from portal.access.users import create_user
from portal.complaints.demo import seed_demo_complaints
from portal.incidents.demo import seed_demo_incidents
from portal.retailers.demo import SEED, build_retailers
from portal.training.demo import seed_demo_training

DEMO_PASSWORD = "portal-demo-2026"

# login, name, staff ID, roles, department code
DEMO_USERS: list[tuple[str, str, str, list[str], str]] = [
    ("zhanghua", "张华", "KF1000", ["supervisor"], "customer_service"),
    ("wangli", "王丽", "KF1001", ["agent"], "customer_service"),
    ("zhaomin", "赵敏", "KF1002", ["agent"], "customer_service"),
    ("liuyang", "刘洋", "KF2001", ["handler", "customer_manager"], "marketing"),
    ("chenjing", "陈静", "KF2002", ["handler", "training_coordinator", "customer_manager"], "marketing"),
    ("zhoujie", "周杰", "KF2003", ["handler", "customer_manager"], "marketing"),
    ("sunhao", "孙浩", "KF3001", ["handler"], "logistics"),
    ("wuting", "吴婷", "KF4001", ["handler", "admin"], "information"),
    ("huangwei", "黄伟", "KF6001", ["emergency_coordinator"], "security"),
    ("xuming", "徐明", "KF7001", ["viewer", "reviewer"], "supervision"),
]
# the marketing handlers who act as customer managers (客户经理, the role), two districts each
CUSTOMER_MANAGERS = tuple(login for login, _name, _staff, roles, _dept in DEMO_USERS if "customer_manager" in roles)

def seed_demo(session: Session) -> dict[str, int]:
    """Create the demo staff (password DEMO_PASSWORD) and 300 retailers; returns how many of each."""
    dept_ids = dict(session.execute(select(Department.code, Department.id)).all())
    users = {}
    for login, name, staff_id, roles, dept in DEMO_USERS:
        users[login] = create_user(session, actor=SYSTEM, login=login, name=name, staff_id=staff_id,
                                   password=DEMO_PASSWORD, roles=roles, department_id=dept_ids[dept],
                                   language="zh_CN")
    retailers = build_retailers({login: users[login].id for login in CUSTOMER_MANAGERS})
    session.add_all(retailers)
    session.flush()
    seed_demo_complaints(session, random.Random(SEED))
    seed_demo_incidents(session, random.Random(SEED))
    seed_demo_training(session, random.Random(SEED))
    return {"users": len(users), "retailers": len(retailers)}

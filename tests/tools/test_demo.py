"""Demo center: staff of every role who can sign in, 300 valid retailers, seeded once, audited."""
import re
from collections import Counter

from sqlalchemy import func, select

from db.engine import unit_of_work
from db.models import BUSINESS_TYPES, RETAILER_STATUSES, ROLES, AuditLog, Department, Retailer, User
from portal.access.auth import sign_in
from portal.bootstrap import seed_demo_once
from portal.center.reference import DEPARTMENTS
from portal.tools.demo import CUSTOMER_MANAGERS, DEMO_PASSWORD, DEMO_USERS, build_retailers, seed_demo

DEMO_LOGINS = {login for login, *_ in DEMO_USERS}


def test_demo_users_cover_every_role_and_use_known_departments():
    assert {role for *_, roles, _dept in DEMO_USERS for role in roles} == set(ROLES)
    assert {dept for *_, dept in DEMO_USERS} <= {code for code, *_ in DEPARTMENTS}
    assert "admin" not in DEMO_LOGINS
    assert len(DEMO_LOGINS) == len(DEMO_USERS) == len({staff_id for _, _, staff_id, *_ in DEMO_USERS})
    managers = [u for u in DEMO_USERS if u[0] in CUSTOMER_MANAGERS]
    assert len(managers) >= 2 and all("handler" in roles and dept == "marketing" for *_, roles, dept in managers)


def test_seed_demo_creates_staff_and_retailers_in_the_database(db):
    with unit_of_work(engine=db) as s:
        counts = seed_demo(s)
    assert counts == {"users": len(DEMO_USERS), "retailers": 300}
    with unit_of_work(engine=db) as s:
        users = {u.login: u for u in s.scalars(select(User).where(User.login.in_(DEMO_LOGINS)))}
        depts = dict(s.execute(select(Department.id, Department.code)).all())
        retailers = s.scalars(select(Retailer)).all()
    assert set(users) == DEMO_LOGINS
    assert {role for u in users.values() for role in u.roles} == set(ROLES)
    for login, name, staff_id, roles, dept in DEMO_USERS:
        u = users[login]
        assert (u.name, u.staff_id, sorted(u.roles), depts[u.department_id], u.language) == (
            name, staff_id, sorted(roles), dept, "zh_CN")

    assert len(retailers) == 300
    assert len({r.license_no for r in retailers}) == 300
    assert all(re.fullmatch(r"\d{12}", r.license_no) for r in retailers)
    assert all(re.fullmatch(r"1[358]\d{9}", r.phone) for r in retailers)
    assert {r.business_type for r in retailers} == set(BUSINESS_TYPES)
    assert {r.status for r in retailers} <= set(RETAILER_STATUSES)
    assert all(1 <= r.star_rating <= 5 and r.shop_name and r.owner_name and r.address for r in retailers)
    assert {r.manager_id for r in retailers} == {users[login].id for login in CUSTOMER_MANAGERS}
    assert 5 <= len({r.district for r in retailers}) <= 7
    routes: dict[str, set[str]] = {}
    for r in retailers:
        routes.setdefault(r.district, set()).add(r.route)
    assert all(3 <= len(v) <= 5 for v in routes.values())
    # realistic skews: convenience and tobacco & liquor lead, ~10% key, ~95% integrity, mostly active
    top_two = {t for t, _ in Counter(r.business_type for r in retailers).most_common(2)}
    assert top_two == {"convenience", "tobacco_liquor"}
    assert 15 <= sum(r.is_key_customer for r in retailers) <= 45
    assert sum(r.integrity_flag for r in retailers) >= 270
    assert sum(r.status == "active" for r in retailers) >= 260
    assert sum(r.star_rating in (3, 4) for r in retailers) > 150


def test_demo_data_is_deterministic():
    ids = {login: n for n, login in enumerate(CUSTOMER_MANAGERS, 1)}
    cols = ("license_no", "shop_name", "owner_name", "phone", "district", "route", "star_rating", "status")
    first, second = ([tuple(getattr(r, c) for c in cols) for r in build_retailers(ids)] for _ in range(2))
    assert first == second


def test_every_demo_user_signs_in_with_the_demo_password(db):
    assert seed_demo_once(db)
    for login, name, staff_id, roles, _dept in DEMO_USERS:
        user, token = sign_in(login, DEMO_PASSWORD)
        assert token and (user.name, user.staff_id, user.roles) == (name, staff_id, frozenset(roles))


def test_seed_demo_once_seeds_only_once_and_is_audited(db):
    assert seed_demo_once(db) is True
    assert seed_demo_once(db) is False
    with unit_of_work(engine=db) as s:
        assert s.scalar(select(func.count()).select_from(Retailer)) == 300
        assert s.scalar(select(func.count()).select_from(User).where(User.login.in_(DEMO_LOGINS))) == len(DEMO_USERS)
        audited = s.scalar(select(func.count(func.distinct(AuditLog.record_id)))
                           .where(AuditLog.table_name == "retailers"))
    assert audited == 300

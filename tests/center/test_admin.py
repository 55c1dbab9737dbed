"""Administration of reference data: departments, categories, SLA limits, the working-day calendar."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from db.engine import unit_of_work
from db.models import AuditLog, CalendarDay, ComplaintCategory, Department, SlaLimit
from portal.access.auth import MAX_FAILURES, PermissionDenied, SignInError, resume_session, sign_in
from portal.access.users import create_user, list_users, reset_password
from portal.center.admin import (
    create_category,
    create_department,
    list_categories,
    list_departments,
    update_category,
    update_department,
    update_sla_limit,
)
from portal.center.workdays import calendar_exceptions, load_calendar, set_calendar_day
from portal.errors import InputError
from tests.conftest import TEST_PASSWORD


def _department(code: str) -> Department:
    with unit_of_work() as s:
        return s.scalar(select(Department).where(Department.code == code))


def _category(code: str) -> ComplaintCategory:
    with unit_of_work() as s:
        return s.scalar(select(ComplaintCategory).where(ComplaintCategory.code == code))


def _audit(table: str, record_id: object) -> dict[str, AuditLog]:
    with unit_of_work() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.table_name == table, AuditLog.record_id == str(record_id))
                         .order_by(AuditLog.id)).all()
    return {row.field: row for row in rows}


def _first_free_saturday(year: int) -> date:
    with unit_of_work() as s:
        taken = {d.day for d in calendar_exceptions(s, year)}
    day = date(year, 1, 1)
    while day.weekday() != 5 or day in taken:
        day += timedelta(days=1)
    return day


# --- permissions ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["agent", "handler", "supervisor", "viewer", "training_coordinator"])
def test_only_admins_change_reference_data(db, make_user, role):
    someone = make_user(role)
    dept = _department("finance")
    attempts = [
        lambda s: create_department(s, actor=someone, name_en="Legal", name_zh="法务部"),
        lambda s: update_department(s, actor=someone, department_id=dept.id, version=dept.version,
                                    name_en="Money", name_zh="财务部", active=True),
        lambda s: create_category(s, actor=someone, name_en="Packaging", name_zh="包装",
                                  default_department_id=dept.id),
        lambda s: update_sla_limit(s, actor=someone, grade=1, version=1, first_reply_hours=12,
                                   resolution_working_days=3),
        lambda s: set_calendar_day(s, actor=someone, day=date(2031, 1, 4), is_working_day=True),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied), unit_of_work(someone.id) as s:
            attempt(s)
    assert _department("finance").name_en == "Finance"


# --- users (beyond tests/access/test_auth.py) ---------------------------------------------------------------

def test_password_reset_lifts_a_sign_in_lock_and_signs_the_user_out(db, make_user, admin):
    agent = make_user("agent")
    _, token = sign_in(agent.login, TEST_PASSWORD)
    for _attempt in range(MAX_FAILURES):
        with pytest.raises(SignInError):
            sign_in(agent.login, "wrong-password")
    with unit_of_work(admin.id) as s:
        reset_password(s, actor=admin, user_id=agent.id, password="brand-new-password")
    with unit_of_work() as s:
        assert resume_session(s, token, idle_minutes=30) is None
    assert sign_in(agent.login, "brand-new-password")[0].id == agent.id
    assert _audit("users", agent.id)["password_hash"].actor_id == admin.id


def test_user_list_is_for_admins_only(db, make_user, admin):
    supervisor = make_user("supervisor")
    with pytest.raises(PermissionDenied), unit_of_work(supervisor.id) as s:
        list_users(s, actor=supervisor)
    with unit_of_work(admin.id) as s:
        assert {u.login for u in list_users(s, actor=admin)} == {"admin", supervisor.login}


@pytest.mark.parametrize("change, field", [
    ({"language": "fr"}, "language"), ({"department_id": 999_999}, "department_id"),
    ({"staff_id": "S" * 21}, "staff_id"),
])
def test_user_input_errors_name_the_field(db, admin, change, field):
    values = {"login": "newbie", "name": "Newbie", "staff_id": "N1", "password": TEST_PASSWORD, "roles": ["agent"]}
    with pytest.raises(InputError) as err, unit_of_work(admin.id) as s:
        create_user(s, actor=admin, **values | change)
    assert err.value.field == field


# --- departments ----------------------------------------------------------------------------------------

def test_admin_adds_a_department_with_a_derived_code_and_the_audit_log_names_who(db, admin):
    with unit_of_work(admin.id) as s:
        dept = create_department(s, actor=admin, name_en=" Legal affairs ", name_zh="法务部")
    assert (dept.code, dept.name_en, dept.active) == ("legal_affairs", "Legal affairs", True)
    audit = _audit("departments", dept.id)
    assert audit["name_zh"].new_value == "法务部" and audit["name_zh"].actor_id == admin.id


@pytest.mark.parametrize("fields, field", [
    ({"name_en": "", "name_zh": "法务部"}, "name_en"),
    ({"name_en": "Legal", "name_zh": "  "}, "name_zh"),
    ({"name_en": "finance", "name_zh": "法务部"}, "name_en"),  # clashes with Finance, case aside
    ({"name_en": "Legal", "name_zh": "财务部"}, "name_zh"),
    ({"name_en": "Legal", "name_zh": "法务部", "code": "Legal Dept"}, "code"),
    ({"name_en": "法务", "name_zh": "法务部"}, "code"),  # nothing to derive a code from
    ({"name_en": "Legal", "name_zh": "法务部", "code": "finance"}, "code"),
    ({"name_en": "L" * 101, "name_zh": "法务部", "code": "legal"}, "name_en"),
])
def test_department_input_errors_name_the_field(db, admin, fields, field):
    with pytest.raises(InputError) as err, unit_of_work(admin.id) as s:
        create_department(s, actor=admin, **fields)
    assert err.value.field == field and str(err.value)


def test_admin_renames_and_deactivates_a_department(db, admin):
    dept = _department("security")
    with unit_of_work(admin.id) as s:
        update_department(s, actor=admin, department_id=dept.id, version=dept.version, name_en="Safety & security",
                          name_zh="安全保卫处", active=False)
    with unit_of_work() as s:
        assert "security" not in {d.code for d in list_departments(s, active_only=True)}
        assert "security" in {d.code for d in list_departments(s)}
    audit = _audit("departments", dept.id)
    assert (audit["name_en"].old_value, audit["name_en"].new_value) == ("Security", "Safety & security")
    assert (audit["active"].old_value, audit["active"].new_value, audit["active"].actor_id) == (
        "true", "false", admin.id)


def test_department_handling_an_active_category_by_default_stays_active(db, admin):
    dept = _department("logistics")  # default department of "Delivery"
    with pytest.raises(InputError) as err, unit_of_work(admin.id) as s:
        update_department(s, actor=admin, department_id=dept.id, version=dept.version, name_en=dept.name_en,
                          name_zh=dept.name_zh, active=False)
    assert err.value.field == "active" and "Delivery" in str(err.value)
    assert _department("logistics").active


def test_stale_department_edit_is_refused(db, admin):
    dept = _department("finance")
    with unit_of_work(admin.id) as s:
        update_department(s, actor=admin, department_id=dept.id, version=dept.version, name_en="Finance & billing",
                          name_zh="财务部", active=True)
    with pytest.raises(InputError) as err, unit_of_work(admin.id) as s:
        update_department(s, actor=admin, department_id=dept.id, version=dept.version, name_en="Accounts",
                          name_zh="财务部", active=True)
    assert err.value.field == "version" and "Someone else changed" in str(err.value)
    assert _department("finance").name_en == "Finance & billing"


# --- categories -----------------------------------------------------------------------------------------

def test_admin_adds_a_category_with_its_default_department(db, admin):
    finance = _department("finance")
    with unit_of_work(admin.id) as s:
        cat = create_category(s, actor=admin, name_en="Packaging", name_zh="包装", default_department_id=finance.id,
                              sort_order=20)
    with unit_of_work() as s:
        assert [c.code for c in list_categories(s)][-1] == "packaging"
    audit = _audit("complaint_categories", cat.id)
    assert audit["default_department_id"].new_value == str(finance.id)
    assert audit["default_department_id"].actor_id == admin.id


def test_admin_changes_a_category_default_department_and_order(db, admin):
    cat, finance = _category("delivery"), _department("finance")
    with unit_of_work(admin.id) as s:
        update_category(s, actor=admin, category_id=cat.id, version=cat.version, name_en="Delivery & routes",
                        name_zh="送货", default_department_id=finance.id, sort_order=5, active=True)
    changed = _category("delivery")
    assert (changed.name_en, changed.default_department_id, changed.sort_order) == ("Delivery & routes",
                                                                                    finance.id, 5)
    audit = _audit("complaint_categories", cat.id)
    assert audit["default_department_id"].old_value == str(cat.default_department_id)
    assert audit["sort_order"].actor_id == admin.id


@pytest.mark.parametrize("change, field", [
    ({"name_en": " "}, "name_en"),
    ({"name_zh": "价格"}, "name_zh"),  # Pricing's Chinese name
    ({"default_department_id": None}, "default_department_id"),
    ({"default_department_id": 999_999}, "default_department_id"),
    ({"sort_order": -1}, "sort_order"),
    ({"sort_order": 1000}, "sort_order"),
])
def test_category_input_errors_name_the_field(db, admin, change, field):
    cat = _category("delivery")
    values = {"name_en": cat.name_en, "name_zh": cat.name_zh, "default_department_id": cat.default_department_id,
              "sort_order": cat.sort_order, "active": True} | change
    with pytest.raises(InputError) as err, unit_of_work(admin.id) as s:
        update_category(s, actor=admin, category_id=cat.id, version=cat.version, **values)
    assert err.value.field == field


def test_a_category_cannot_be_given_an_inactive_default_department(db, admin):
    with unit_of_work(admin.id) as s:
        legal = create_department(s, actor=admin, name_en="Legal", name_zh="法务部")
    with unit_of_work(admin.id) as s:
        update_department(s, actor=admin, department_id=legal.id, version=legal.version, name_en="Legal",
                          name_zh="法务部", active=False)
    with pytest.raises(InputError) as err, unit_of_work(admin.id) as s:
        create_category(s, actor=admin, name_en="Contracts", name_zh="合同", default_department_id=legal.id)
    assert err.value.field == "default_department_id"


def test_stale_category_edit_is_refused(db, admin):
    cat = _category("pricing")
    values = {"name_en": "Prices", "name_zh": cat.name_zh, "default_department_id": cat.default_department_id,
              "sort_order": cat.sort_order, "active": True}
    with unit_of_work(admin.id) as s:
        update_category(s, actor=admin, category_id=cat.id, version=cat.version, **values)
    with pytest.raises(InputError) as err, unit_of_work(admin.id) as s:
        update_category(s, actor=admin, category_id=cat.id, version=cat.version, **values | {"active": False})
    assert err.value.field == "version"
    assert _category("pricing").active


# --- SLA limits -----------------------------------------------------------------------------------------

def test_admin_sets_a_grade_limits_and_the_audit_log_names_who(db, admin):
    with unit_of_work(admin.id) as s:
        update_sla_limit(s, actor=admin, grade=2, version=1, first_reply_hours=12, resolution_working_days=3)
    with unit_of_work() as s:
        limit = s.get(SlaLimit, 2)
    assert (limit.first_reply_hours, limit.resolution_working_days) == (12, 3)
    audit = _audit("sla_limits", 2)
    assert (audit["first_reply_hours"].old_value, audit["first_reply_hours"].new_value) == ("24", "12")
    assert audit["resolution_working_days"].actor_id == admin.id


@pytest.mark.parametrize("hours, days, field", [
    (0, 2, "first_reply_hours"), (721, 2, "first_reply_hours"),
    (24, 0, "resolution_working_days"), (24, 61, "resolution_working_days"),
])
def test_sla_limits_out_of_range_name_the_field(db, admin, hours, days, field):
    with pytest.raises(InputError) as err, unit_of_work(admin.id) as s:
        update_sla_limit(s, actor=admin, grade=3, version=1, first_reply_hours=hours, resolution_working_days=days)
    assert err.value.field == field


def test_stale_sla_edit_is_refused(db, admin):
    with unit_of_work(admin.id) as s:
        update_sla_limit(s, actor=admin, grade=4, version=1, first_reply_hours=8, resolution_working_days=1)
    with pytest.raises(InputError) as err, unit_of_work(admin.id) as s:
        update_sla_limit(s, actor=admin, grade=4, version=1, first_reply_hours=48, resolution_working_days=5)
    assert err.value.field == "version"
    with unit_of_work() as s:
        assert s.get(SlaLimit, 4).first_reply_hours == 8


# --- calendar -------------------------------------------------------------------------------------------

def test_admin_adds_a_make_up_working_day_and_removes_it_again(db, admin):
    year = date.today().year + 1
    saturday = _first_free_saturday(year)
    with unit_of_work(admin.id) as s:
        set_calendar_day(s, actor=admin, day=saturday, is_working_day=True, name="调休上班")
    with unit_of_work() as s:
        assert load_calendar(s).is_working_day(saturday)
        row = s.get(CalendarDay, saturday)
    assert (row.source, row.name) == ("admin", "调休上班")
    assert _audit("calendar_days", saturday.isoformat())["is_working_day"].actor_id == admin.id
    with unit_of_work(admin.id) as s:
        set_calendar_day(s, actor=admin, day=saturday, is_working_day=None)
    with unit_of_work() as s:
        assert not load_calendar(s).is_working_day(saturday)


def test_calendar_refuses_a_day_that_is_already_so(db, admin):
    year = date.today().year + 1
    saturday = _first_free_saturday(year)
    with pytest.raises(InputError) as err, unit_of_work(admin.id) as s:
        set_calendar_day(s, actor=admin, day=saturday, is_working_day=False, name="Weekend")
    assert err.value.field == "kind"
    with pytest.raises(InputError) as err, unit_of_work(admin.id) as s:
        set_calendar_day(s, actor=admin, day=saturday, is_working_day=True, name="x" * 101)
    assert err.value.field == "name"


def test_admin_corrects_a_library_holiday_into_a_working_day(db, admin):
    year = date.today().year + 1
    with unit_of_work() as s:
        holiday = next(d for d in calendar_exceptions(s, year) if not d.is_working_day)
    with unit_of_work(admin.id) as s:
        set_calendar_day(s, actor=admin, day=holiday.day, is_working_day=True, name="Library was wrong")
    with unit_of_work() as s:
        assert load_calendar(s).is_working_day(holiday.day)
        assert s.get(CalendarDay, holiday.day).source == "admin"

"""The admin pages, used through their forms as an administrator would."""
from datetime import date, timedelta

from sqlalchemy import select

from db.engine import unit_of_work
from db.models import CalendarDay, ComplaintCategory, Department, SlaLimit, User
from portal.access.auth import SYSTEM, sign_in
from portal.center.admin import update_category
from portal.center.workdays import calendar_exceptions
from portal.ui.text import shown


def _open(signed_in, page: str):
    at = signed_in("admin").switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def _department_id(code: str) -> int:
    with unit_of_work() as s:
        return s.scalar(select(Department.id).where(Department.code == code))


def test_every_admin_page_opens_for_an_admin(signed_in):
    at = signed_in("admin")
    for page in ("admin_users", "admin_departments", "admin_categories", "admin_sla", "admin_calendar"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert not at.error and at.title, page


def test_admin_creates_a_user_who_appears_in_the_list_and_can_sign_in(signed_in):
    at = _open(signed_in, "admin_users")
    password = at.text_input(key="new_user_password").value
    assert len(password) >= 10  # a generated one is offered
    at.text_input(key="new_user_login").input("Clerk.Wang")
    at.text_input(key="new_user_name").input("王小二")
    at.text_input(key="new_user_staff_id").input("K0042")
    at.selectbox(key="new_user_department").set_value(_department_id("customer_service"))
    at.multiselect(key="new_user_roles").select("agent")
    at.button(key="new_user_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "clerk.wang" in at.success[0].value and password in at.success[0].value
    assert "clerk.wang" in list(at.dataframe[0].value["login"])
    assert at.text_input(key="new_user_login").value == ""  # the form is ready for the next one
    with unit_of_work() as s:
        clerk = s.scalar(select(User).where(User.login == "clerk.wang"))
    assert (clerk.name, clerk.staff_id, clerk.roles) == ("王小二", "K0042", ["agent"])
    assert sign_in("clerk.wang", password)[0].id == clerk.id


def test_user_form_error_names_the_field_and_keeps_the_input(signed_in, make_user):
    make_user("agent", staff_id="K0001", name="Li Wei")
    at = _open(signed_in, "admin_users")
    at.text_input(key="new_user_login").input("newbie")
    at.text_input(key="new_user_name").input("Newbie")
    at.text_input(key="new_user_staff_id").input("K0001")
    at.button(key="new_user_save").click().run()
    assert [e.value for e in at.error] == ["Staff ID “K0001” belongs to Li Wei."]
    assert at.text_input(key="new_user_name").value == "Newbie"


def test_admin_deactivates_a_user_through_the_edit_form(signed_in, make_user):
    agent = make_user("agent")
    at = _open(signed_in, "admin_users")
    at.selectbox(key="edit_user_pick").set_value(agent.id).run()
    at.checkbox(key=f"user_{agent.id}_active").uncheck()
    at.button(key=f"user_{agent.id}_save").click().run()
    assert not at.error, [e.value for e in at.error]
    with unit_of_work() as s:
        assert not s.get(User, agent.id).active


def test_admin_resets_a_password_and_sees_it_once(signed_in, make_user):
    agent = make_user("agent")
    at = _open(signed_in, "admin_users")
    at.selectbox(key="reset_pick").set_value(agent.id)
    at.button(key="reset_save").click().run()
    message = at.success[0].value
    new_password = message.split("`")[1]
    assert sign_in(agent.login, new_password)[0].id == agent.id
    at.run()
    assert not at.success  # shown only once


def test_admin_adds_a_department_and_cannot_deactivate_one_that_handles_a_category(signed_in):
    at = _open(signed_in, "admin_departments")
    at.text_input(key="new_department_name_en").input("Legal affairs")
    at.text_input(key="new_department_name_zh").input("法务部")
    at.button(key="new_department_save").click().run()
    assert not at.error and at.success[0].value == "Department Legal affairs added."
    assert "legal_affairs" in list(at.dataframe[0].value["code"])
    logistics = _department_id("logistics")
    at.selectbox(key="edit_department_pick").set_value(logistics).run()
    at.checkbox(key=f"department_{logistics}_active").uncheck()
    at.button(key=f"department_{logistics}_save").click().run()
    assert "Delivery" in at.error[0].value and "choose another default department" in at.error[0].value
    assert at.checkbox(key=f"department_{logistics}_active").value is False  # the input stays


def test_admin_edits_a_category_default_department(signed_in):
    with unit_of_work() as s:
        delivery = s.scalar(select(ComplaintCategory).where(ComplaintCategory.code == "delivery"))
    finance = _department_id("finance")
    at = _open(signed_in, "admin_categories")
    at.selectbox(key="edit_category_pick").set_value(delivery.id).run()
    at.selectbox(key=f"category_{delivery.id}_department").set_value(finance)
    at.button(key=f"category_{delivery.id}_save").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == "Category Delivery saved."
    table = at.dataframe[0].value.set_index("code")
    assert table.loc["delivery", "department"] == "Finance"
    with unit_of_work() as s:
        assert s.get(ComplaintCategory, delivery.id).default_department_id == finance


def test_stale_category_edit_shows_the_error_and_keeps_the_input(signed_in):
    with unit_of_work() as s:
        pricing = s.scalar(select(ComplaintCategory).where(ComplaintCategory.code == "pricing"))
    at = _open(signed_in, "admin_categories")
    at.selectbox(key="edit_category_pick").set_value(pricing.id).run()
    at.text_input(key=f"category_{pricing.id}_name_en").input("Prices")
    with unit_of_work() as s:  # someone else saves the category meanwhile
        update_category(s, actor=SYSTEM, category_id=pricing.id, version=pricing.version, name_en="Price",
                        name_zh=pricing.name_zh, default_department_id=pricing.default_department_id,
                        sort_order=pricing.sort_order, active=True)
    at.button(key=f"category_{pricing.id}_save").click().run()
    assert "Someone else changed this category meanwhile" in at.error[0].value
    assert at.text_input(key=f"category_{pricing.id}_name_en").value == "Prices"
    at.button(key=f"reload_category_{pricing.id}_").click().run()
    assert not at.error
    assert at.text_input(key=f"category_{pricing.id}_name_en").value == "Price"


def test_sla_limit_with_a_bad_value_gets_a_field_error_and_keeps_the_input(signed_in):
    at = _open(signed_in, "admin_sla")
    at.number_input(key="sla_3_days").set_value(0)
    at.button(key="sla_3_save").click().run()
    assert [shown(e.value) for e in at.error] == ["Resolution: a whole number of working days from 1 to 60."]
    assert at.number_input(key="sla_3_days").value == 0
    with unit_of_work() as s:
        assert s.get(SlaLimit, 3).resolution_working_days == 2
    at.number_input(key="sla_3_days").set_value(3)
    at.button(key="sla_3_save").click().run()
    assert not at.error and at.success[0].value == "Time limits of grade 3 saved."
    with unit_of_work() as s:
        assert s.get(SlaLimit, 3).resolution_working_days == 3


def test_admin_adds_a_make_up_working_day_on_the_calendar_page(signed_in):
    year = date.today().year + 1
    with unit_of_work() as s:
        taken = {d.day for d in calendar_exceptions(s, year)}
    saturday = next(d for d in (date(year, 1, 1) + timedelta(days=i) for i in range(366))
                    if d.weekday() == 5 and d not in taken)
    at = _open(signed_in, "admin_calendar")
    at.selectbox(key="calendar_year").set_value(year).run()
    prefix = f"calendar_{year}_"
    at.date_input(key=prefix + "day").set_value(saturday)
    at.radio(key=prefix + "kind").set_value(True)
    at.text_input(key=prefix + "name").input("调休上班")
    at.button(key=prefix + "save").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success
    table = at.dataframe[0].value
    assert list(table.loc[table["day"] == saturday, "kind"]) == ["Make-up working day"]
    with unit_of_work() as s:
        row = s.get(CalendarDay, saturday)
    assert (row.is_working_day, row.source, row.name) == (True, "admin", "调休上班")
    # ... and the admin can take it back
    at.selectbox(key="calendar_remove_day").set_value(saturday)
    at.button(key="calendar_remove_save").click().run()
    with unit_of_work() as s:
        assert s.get(CalendarDay, saturday) is None


def test_working_day_checker_skips_the_weekend(signed_in):
    at = _open(signed_in, "admin_calendar")
    with unit_of_work() as s:
        taken = {d.day for d in s.scalars(select(CalendarDay))}
    friday = next(d for d in (date.today() + timedelta(days=i) for i in range(400))
                  if d.weekday() == 4 and not {d, d + timedelta(days=1), d + timedelta(days=2),
                                               d + timedelta(days=3)} & taken)
    at.date_input(key="check_start").set_value(friday)
    at.number_input(key="check_days").set_value(1).run()
    assert at.metric[0].delta == "Monday"


def test_an_unconfirmed_year_is_said_to_supervisors_and_confirmed_by_an_admin(signed_in, make_user):
    from portal.center_time import today

    make_user("supervisor", login="zhanghua", language="en")
    year = today().year
    home = signed_in("zhanghua")
    assert any(f"calendar of {year}" in w.value for w in home.warning)
    at = _open(signed_in, "admin_calendar")
    at.selectbox(key="calendar_year").set_value(year).run()
    assert any("Not confirmed yet" in w.value for w in at.warning)
    at.button(key=f"calendar_confirm_{year}").click().run()
    assert not at.exception and not any("Not confirmed yet" in w.value for w in at.warning)
    assert any("Confirmed against the official notice" in c.value for c in at.caption)
    home = signed_in("zhanghua")
    assert not any(f"calendar of {year}," in w.value or f"calendar of {year} " in w.value for w in home.warning)


def test_the_admin_chooses_where_time_limits_count_from(signed_in):
    from portal.center.admin import sla_clock_start

    at = _open(signed_in, "admin_sla")
    assert at.radio(key="sla_clock_start").value == "received"
    at.radio(key="sla_clock_start").set_value("registered").run()
    assert not at.exception
    with unit_of_work() as s:
        assert sla_clock_start(s) == "registered"

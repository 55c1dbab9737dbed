"""Training workflow fixes (issue 13 §8), through the pages: the session page opens for every role; refused
sign-ups are shown as refusals; capacity above 100 is refused in the reader's language."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db.engine import unit_of_work
from db.models import ROLES
from tests.training.test_pages import _approved_session, _errors, staff  # noqa: F401 (fixture)


@pytest.mark.parametrize("role", ROLES)
def test_the_session_page_opens_for_every_role(signed_in, staff, make_user, role):  # noqa: F811
    sid = _approved_session(staff, starts_at=datetime.now(UTC) + timedelta(days=5))
    make_user(role, login=f"who_{role}", language="en")
    at = signed_in(f"who_{role}").switch_page("pages/training_session.py")
    at.query_params["id"] = str(sid)
    at.run()
    assert not at.exception, (role, at.exception)
    assert not at.error, (role, _errors(at))
    assert at.title and at.title[0].value == "卷烟陈列技巧"
    links = [p.label for p in at.get("page_link")]
    assert ("Check retailers in" in links) == (role in ("training_coordinator", "supervisor")), links


def _session_page(signed_in, sid: int, login: str = "coord"):
    at = signed_in(login).switch_page("pages/training_session.py")
    at.query_params["id"] = str(sid)
    return at.run()


def test_a_refused_sign_up_is_an_error_and_a_partial_one_a_success_with_a_warning(signed_in, staff):  # noqa: F811
    from portal import training as tr

    sid = _approved_session(staff, starts_at=datetime.now(UTC) + timedelta(days=5), capacity=5)
    first, second = staff["retailers"][:2]
    with unit_of_work(staff["coordinator"].id) as s:
        tr.sign_up(s, actor=staff["coordinator"], session_id=sid, retailer_id=first)
    at = _session_page(signed_in, sid)
    at.text_input(key="signup_search").input("测试便利店").run()
    at.multiselect(key="signup_pick").set_value([first]).run()
    at.button(key="signup_save").click().run()
    assert not at.success, [m.value for m in at.success]
    assert len(at.error) == 1 and at.error[0].value.startswith("Not signed up:")
    assert "already signed up" in at.error[0].value
    assert at.multiselect(key="signup_pick").value == [first]  # the choice stays

    at.multiselect(key="signup_pick").set_value([first, second]).run()
    at.button(key="signup_save").click().run()
    assert not at.error, _errors(at)
    assert [m.value for m in at.success] == ["1 signed up, 0 on the waiting list."]
    assert len(at.warning) == 1 and "already signed up" in at.warning[0].value


@pytest.mark.parametrize(("language", "message"), [("en", "Capacity: between 1 and 100 attendees per session."),
                                                   ("zh_CN", "人数上限：每期1至100人。")])
def test_capacity_101_is_refused_naming_the_field_and_the_limit_in_the_readers_language(
        signed_in, staff, make_user, language, message):  # noqa: F811
    from portal.i18n import set_language

    make_user("training_coordinator", login="coord2", language=language)
    set_language(language)  # AppTest formats select options in this thread: in the page's language
    at = signed_in("coord2").switch_page("pages/training_plan.py").run()
    at.selectbox(key="session_new_course").set_value(staff["course_id"])
    at.date_input(key="session_new_day").set_value(datetime.now(UTC).date() + timedelta(days=10))
    at.text_input(key="session_new_place").input("公司三楼培训室")
    at.selectbox(key="session_new_trainer").set_value(staff["trainer"].id)
    at.number_input(key="session_new_capacity").set_value(101)
    at.button(key="session_new_save").click().run()
    assert not at.exception, at.exception
    assert _errors(at) == [message]
    assert at.number_input(key="session_new_capacity").value == 101

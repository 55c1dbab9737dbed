"""AppTest: Admin · Notification rules (switch a rule off, back to the built-in setting; others refused) and the
automations page (a template naming a missing field refused on screen, an automation saved, switched off, deleted;
a viewer refused)."""
from __future__ import annotations

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.engine import unit_of_work
from db.notification_models import NotificationRuleSetting, ViewAutomation
from portal.complaints.table import COMPLAINTS
from portal.config import ROOT
from portal.records.filters import IS, Filter
from portal.records.view import ViewState
from portal.records.views import save_view

RULES_PAGE, AUTOMATIONS_PAGE = "pages/admin_rules.py", "pages/automations.py"
REFUSED = "You do not have access to this page."


def _errors(at) -> list[str]:
    return [e.value for e in at.error]


def _setting(rule: str):
    with unit_of_work() as s:
        row = s.get(NotificationRuleSetting, rule)
        return None if row is None else (row.enabled, row.audiences, row.version)


def test_the_admin_switches_a_rule_off_and_back(signed_in):
    at = signed_in("admin").switch_page(RULES_PAGE).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Notification rules"
    assert "Complaint assigned: tell its new handler" in [m.value.strip("*") for m in at.markdown]
    prefix = "rule_complaint_assigned_"
    assert at.multiselect(key=prefix + "audiences").value == ["handler"]
    assert at.multiselect(key=prefix + "audiences").options == ["the complaint's handler",
                                                                 "the handlers of the complaint's department"]
    at.toggle(key=prefix + "enabled").set_value(False)
    at.button(key=prefix + "save").click().run()
    assert not at.exception, at.exception
    assert _setting("complaint_assigned") == (False, ["handler"], 1)
    assert "Rule “Complaint assigned: tell its new handler” saved." in [s.value for s in at.success]
    assert at.toggle(key=prefix + "enabled").value is False
    at.button(key=prefix + "reset").click().run()
    assert not at.exception, at.exception
    assert _setting("complaint_assigned") is None
    assert at.toggle(key=prefix + "enabled").value is True


def test_a_stale_rule_save_is_refused_on_screen(signed_in):
    at = signed_in("admin").switch_page(RULES_PAGE).run()
    other = signed_in("admin").switch_page(RULES_PAGE).run()
    prefix = "rule_complaint_assigned_"
    other.toggle(key=prefix + "enabled").set_value(False)
    other.button(key=prefix + "save").click().run()
    at.multiselect(key=prefix + "audiences").select("department_handlers")
    at.button(key=prefix + "save").click().run()
    assert not at.exception, at.exception
    assert any("meanwhile" in e for e in _errors(at)), _errors(at)
    assert _setting("complaint_assigned") == (False, ["handler"], 1)  # the first save stands


def _refused(page: str, user) -> AppTest:
    """The page run straight (the navigation does not even offer it to this user)."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=30)
    at.session_state["user"] = user
    return at.run()


def test_others_may_not_open_the_rules_page(db, make_user):
    at = _refused(RULES_PAGE, make_user("supervisor", login="boss", language="en"))
    assert REFUSED in _errors(at)
    assert not at.toggle


def test_a_supervisor_makes_switches_and_deletes_an_automation(signed_in, make_user):
    boss = make_user("supervisor", login="boss", language="en")
    with unit_of_work(boss.id) as s:
        view = save_view(s, actor=boss, spec=COMPLAINTS, name="Grade 1 **now**",
                         state=ViewState(filters=(Filter("grade", IS, "1"),))).id
    at = signed_in("boss")
    at.query_params["view"] = str(view)
    at.switch_page(AUTOMATIONS_PAGE).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="automations.view").value == view
    at.selectbox(key="automations.kind").set_value("field")
    at.run()
    assert at.selectbox(key="automations.who.field").options == ["Handler", "First-contact owner"]
    at.text_area(key="automations.template").input("{reference} is grade 1, handler {handler_name}")
    at.button(key="automations.save").click().run()
    assert not at.exception, at.exception
    assert any("“handler\\_name”" in e for e in _errors(at)), _errors(at)  # (escaped: shown as typed)
    assert at.text_area(key="automations.template").value.endswith("{handler_name}")  # kept to correct

    at.text_area(key="automations.template").input("{reference} is grade 1, handler {handler}")
    at.button(key="automations.save").click().run()
    assert not at.exception, at.exception
    with unit_of_work() as s:
        [made] = s.scalars(select(ViewAutomation)).all()
        assert (made.view_id, made.recipient_kind, made.recipient) == (view, "field", "handler_id")
    assert "Grade 1 \\*\\*now\\*\\*" in at.markdown[-1].value  # the view's name as typed, not bold
    at.toggle(key=f"automations.on.{made.id}").set_value(False).run()
    with unit_of_work() as s:
        assert s.get(ViewAutomation, made.id).enabled is False
    at.button(key=f"automations.delete.{made.id}").click().run()
    assert not at.exception, at.exception
    with unit_of_work() as s:
        assert s.scalars(select(ViewAutomation)).all() == []


def test_a_viewer_may_not_open_the_automations_page(db, make_user):
    at = _refused(AUTOMATIONS_PAGE, make_user("viewer", login="watcher", language="en"))
    assert REFUSED in _errors(at)
    assert not at.text_area

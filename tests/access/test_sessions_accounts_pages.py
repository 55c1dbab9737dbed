"""Issue 13 §4 through the pages: a demoted user's next run, unusable logins on the sign-in form, changing one's own
password, the security events page, and refusals recorded."""
import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.engine import unit_of_work
from db.models import Retailer, SecurityEvent, User, UserSession
from portal.access.users import update_user
from portal.config import ROOT
from tests.conftest import TEST_PASSWORD
from tests.support.app import open_app, submit_sign_in

SUPERVISOR_ONLY = {"Register a complaint", "Check-in", "Evaluations"}


def _listed(monkeypatch) -> list[str]:
    listed: list[str] = []
    real_navigation = st.navigation

    def spy(pages, **kwargs):
        sections = pages.values() if isinstance(pages, dict) else [pages]
        listed[:] = [page.title for section in sections for page in section]
        return real_navigation(pages, **kwargs)

    monkeypatch.setattr(st, "navigation", spy)
    return listed


def test_a_demoted_supervisor_loses_her_pages_and_edits_on_her_next_run(signed_in, make_user, admin, monkeypatch):
    listed = _listed(monkeypatch)
    sup = make_user("supervisor", login="sup1", language="en")
    at = signed_in("sup1")
    assert SUPERVISOR_ONLY <= set(listed)
    with unit_of_work(admin.id) as s:  # an admin demotes her while her tab is open
        row = s.get(User, sup.id)
        update_user(s, actor=admin, user_id=sup.id, version=row.version, name=row.name, staff_id=row.staff_id,
                    roles=["viewer"], department_id=None, active=True, language="en")
    at.run()  # her next action (any click reruns the script)
    assert not at.exception, at.exception
    assert not SUPERVISOR_ONLY & set(listed), listed
    assert at.session_state["user"].roles == {"viewer"}
    with unit_of_work(admin.id) as s:  # a retailer for the grid to show (an empty grid is not drawn)
        s.add(Retailer(license_no="330102123456", shop_name="金叶便利店", owner_name="李建国", phone="13812345678",
                       district="城东区", business_type="convenience"))
    grid = at.switch_page("pages/retailers.py").run()  # the retailer grid: no editing for a viewer
    assert not grid.exception and not grid.data_editor and grid.dataframe


def test_a_deactivated_user_is_signed_out_on_her_next_run(signed_in, make_user, admin):
    agent = make_user("agent", login="agent1", language="en")
    at = signed_in("agent1")
    with unit_of_work(admin.id) as s:
        row = s.get(User, agent.id)
        update_user(s, actor=admin, user_id=agent.id, version=row.version, name=row.name, staff_id=row.staff_id,
                    roles=["agent"], department_id=None, active=False, language="en")
    at.run()
    assert not at.exception, at.exception
    assert "user" not in at.session_state
    assert at.text_input(key="sign_in_login") is not None


def test_long_or_nul_logins_get_the_ordinary_refusal(db):
    for login in ("a" * 61, "admin\x00", "x" * 10_000):
        at = submit_sign_in(open_app(), login, TEST_PASSWORD)
        assert not at.exception, at.exception
        assert [e.value for e in at.error] == ["Wrong login or password."]


def test_changing_ones_password_on_the_account_page(signed_in, make_user):
    make_user("agent", login="agent2", language="en")
    at = signed_in("agent2")
    at = at.switch_page("pages/account.py").run()
    at.text_input(key="password_current").input("wrong-current-password")
    at.text_input(key="password_new").input("a-fresh-long-phrase")
    at.text_input(key="password_again").input("a-fresh-long-phrase")
    at.button(key="password_save").click().run()
    assert [e.value for e in at.error] == ["The current password is not right."]
    at.text_input(key="password_current").input(TEST_PASSWORD)
    at.text_input(key="password_new").input("a-fresh-long-phrase")
    at.text_input(key="password_again").input("a-fresh-long-phrase")
    at.button(key="password_save").click().run()
    assert not at.error and at.success[0].value.startswith("Password changed.")
    with unit_of_work() as s:  # the browser that signed in before (the test's own AppTest) is the one kept
        live = s.scalars(select(UserSession).where(UserSession.revoked_at.is_(None))).all()
        assert [row.user_id for row in live] == [at.session_state["user"].id]


def test_admin_reads_security_events_and_refusals_are_among_them(signed_in, make_user):
    agent = make_user("agent", login="agent3", language="en")
    submit_sign_in(open_app(), "agent3", "not-the-password")
    refused = AppTest.from_file(str(ROOT / "pages" / "admin_users.py"), default_timeout=30)
    refused.session_state["user"] = agent
    refused.run()
    with unit_of_work() as s:
        kinds = s.scalars(select(SecurityEvent.kind).where(SecurityEvent.login == "agent3")).all()
    assert {"sign_in_failed", "permission_denied"} <= set(kinds), kinds
    at = signed_in("admin").switch_page("pages/admin_security.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert {"Sign-in refused", "Permission refused", "Signed in"} <= set(table["kind"]), table
    assert "page needs admin.manage" in set(table["detail"])


def test_roles_are_read_once_per_run_though_entry_point_and_page_guard_both_ask(signed_in, monkeypatch):
    import portal.ui.session as session_module

    at = signed_in("admin")
    calls: list[int] = []
    real = session_module.session_user

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(session_module, "session_user", counting)
    for _run in range(3):
        calls.clear()
        at.run()  # the entry point (navigation) and the home page's guard both call current_user()
        assert not at.exception, at.exception
        assert len(calls) == 1, calls

"""Typed input survives a database outage (portal.ui.forms): the database is really stopped while a form is on
screen; the save is refused with the reason in the reader's language, the values stay, and once the database is
back Retry saves them exactly once."""
from __future__ import annotations

import types
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.complaint_models import Complaint
from db.engine import unit_of_work
from db.incident_models import IncidentTimelineEntry
from portal import incidents as ix
from portal.i18n import set_language
from portal.incidents.rules import utcnow
from tests.app import test_complaint_pages as complaint_pages
from tests.app.conftest import open_app, submit_sign_in
from tests.app.test_complaint_pages import INTAKE, _fill_intake
from tests.conftest import TEST_PASSWORD

desk = complaint_pages.desk  # the complaint pages' center (staff who sign in through the form)


@pytest.fixture(autouse=True)
def through_the_entry_point(monkeypatch):
    """Every run goes through streamlit_app.py and its navigation, as in a running server (AppTest would run a page
    of the `pages/` folder by itself; see tests/app/conftest.py), so the entry point's outage handling is in play."""
    from streamlit.runtime.scriptrunner import script_runner

    def run_main_script(main_script_path: str) -> None:
        module = types.ModuleType("__main__")
        module.__dict__["__file__"] = main_script_path
        with open(main_script_path, encoding="utf-8") as source:
            exec(compile(source.read(), main_script_path, "exec"), module.__dict__)  # noqa: S102

    monkeypatch.setattr(script_runner, "_mpa_v1", run_main_script)


def _open(login: str, page: str, **params):
    """Sign in through the form, then open `page` (with its URL parameters) as the navigation does."""
    at = submit_sign_in(open_app(), login, TEST_PASSWORD)
    at.run()
    at.switch_page(page)
    for k, v in params.items():
        at.query_params[k] = str(v)
    at.run()
    assert not at.exception, at.exception
    return at


def _complaints() -> list[str]:
    with unit_of_work() as s:
        return list(s.scalars(select(Complaint.complainant_name)))


def _warnings(at) -> list[str]:
    return [w.value for w in at.warning]


def test_the_intake_keeps_its_input_through_an_outage_and_retry_saves_it_once(desk, outage):
    at = _open("wangli", INTAKE)
    _fill_intake(at, desk, name="张三丰")
    outage.begin()
    at.button(key="intake.save").click().run()
    assert not at.exception, at.exception
    assert any("database did not answer" in w for w in _warnings(at)), _warnings(at)
    at.button(key="_forms.retry_page").click().run()  # still down: the same message, nothing lost
    assert any("database did not answer" in w for w in _warnings(at)), _warnings(at)
    outage.end()
    at.button(key="_forms.retry_page").click().run()
    assert not at.exception, at.exception
    assert _complaints() == ["张三丰"]
    with unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Complaint)) == 1


def _incident(actor) -> int:
    with unit_of_work(actor.id) as s:
        return ix.open_incident(s, actor=actor, type="severe_weather", severity=3, title="城东区暴雨",
                                started_at=utcnow() - timedelta(hours=2)).id


def _entries(incident_id: int) -> list[str]:
    with unit_of_work() as s:
        return list(s.scalars(select(IncidentTimelineEntry.text).where(IncidentTimelineEntry.incident_id == incident_id)
                              .where(IncidentTimelineEntry.kind == "update").order_by(IncidentTimelineEntry.id)))


def test_an_incident_entry_keeps_its_text_through_an_outage_and_retry_saves_it_once(make_user, outage):
    coordinator = make_user("emergency_coordinator", login="huangwei", language="zh_CN")
    set_language("zh_CN")  # AppTest formats option labels in this thread
    incident_id = _incident(coordinator)
    at = _open("huangwei", "pages/incident.py", id=incident_id)
    p = f"inc{incident_id}_entry_"
    at.text_area(key=p + "text").input("启动局部应急预案")
    at.checkbox(key=p + "significant").check()
    outage.begin()
    at.button(key=p + "save").click().run()
    assert not at.exception, at.exception
    assert any("数据库没有响应" in w for w in _warnings(at)), _warnings(at)  # in the reader's language
    outage.end()
    at.button(key="_forms.retry_page").click().run()
    assert not at.exception, at.exception
    assert _entries(incident_id) == ["启动局部应急预案"]
    at.run()
    assert at.text_area(key=p + "text").value == ""  # saved once, and the box is empty for the next entry
    assert _entries(incident_id) == ["启动局部应急预案"]

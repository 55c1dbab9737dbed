"""Typed input survives a database outage (portal.ui.forms): the database is really stopped while a form is on
screen; the save is refused with the reason in the reader's language, the values stay, and once the database is
back Retry saves them exactly once."""
from __future__ import annotations

import types
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from db.complaint_models import Complaint, ComplaintEvent
from db.engine import unit_of_work
from db.incident_models import Incident, IncidentTimelineEntry
from db.models import AuditLog, Department, Retailer
from db.training_models import SignUp, TrainingCourse, TrainingSession
from portal import incidents as ix
from portal.i18n import set_language
from portal.incidents.rules import utcnow
from portal.retailers.table import update_retailer
from tests.complaints import test_pages as complaint_pages
from tests.complaints.test_pages import INTAKE, PAGE, _fill_intake
from tests.conftest import TEST_PASSWORD
from tests.retailers import support as retailer_support
from tests.support.app import open_app, submit_sign_in
from tests.training import test_pages as training_pages

desk = complaint_pages.desk  # the complaint pages' center (staff who sign in through the form)
staff = training_pages.staff  # a coordinator ("coord"), a course and eight retailers
directory = retailer_support.directory_fixture  # five retailers and a supervisor ("sup")
UNANSWERED = "database did not answer"


@pytest.fixture(autouse=True)
def through_the_entry_point(monkeypatch):
    """Every run goes through streamlit_app.py and its navigation, as in a running server (AppTest would run a page
    of the `pages/` folder by itself; see tests/support/app.py), so the entry point's outage handling is in play."""
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
    assert any(UNANSWERED in w for w in _warnings(at)), _warnings(at)
    at.button(key="_forms.retry_page").click().run()  # still down: the same message, nothing lost
    assert any(UNANSWERED in w for w in _warnings(at)), _warnings(at)
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


def _through_an_outage(at, outage, save_key: str) -> None:
    """Press `save_key` while the database is stopped: the refusal shows and nothing is lost; start the database
    again and press Retry (the page's own, or the one next to the form)."""
    outage.begin()
    at.button(key=save_key).click().run()
    assert not at.exception, at.exception
    assert any(UNANSWERED in w for w in _warnings(at)), _warnings(at)
    retry = next(b for b in at.button if b.key == "_forms.retry_page" or str(b.key).endswith("retry"))
    outage.end()
    retry.click().run()
    assert not at.exception, at.exception
    assert not any(UNANSWERED in w for w in _warnings(at)), _warnings(at)


def test_a_complaint_move_and_a_note_are_kept_and_saved_on_retry(desk, outage):
    cid = desk.register(desk.agent, now=utcnow()).complaint_id
    at = _open("zhanghua", PAGE, id=cid)
    p = f"complaint.{cid}.assign."
    at.selectbox(key=p + "handler").set_value(desk.handler.id)
    at.text_input(key=p + "note").input("请尽快处理")
    _through_an_outage(at, outage, f"FormSubmitter:{p}form-Assign")
    with unit_of_work() as s:
        assert s.get(Complaint, cid).handler_id == desk.handler.id
        notes = s.scalars(select(ComplaintEvent.note).where(ComplaintEvent.complaint_id == cid,
                                                            ComplaintEvent.to_state == "assigned"))
        assert list(notes) == ["请尽快处理"]
    p = f"complaint.{cid}.note."
    at.text_area(key=p + "text").input("客户下午再来电")
    _through_an_outage(at, outage, p + "save")
    with unit_of_work() as s:
        assert list(s.scalars(select(ComplaintEvent.note).where(ComplaintEvent.complaint_id == cid,
                                                                ComplaintEvent.kind == "note"))) == ["客户下午再来电"]


def test_an_incident_form_and_the_boards_quick_log_are_kept_and_saved_on_retry(make_user, outage):
    coordinator = make_user("emergency_coordinator", login="huangwei", language="en")
    incident_id = _incident(coordinator)
    at = _open("huangwei", "pages/incident.py", id=incident_id)
    p = f"inc{incident_id}_severity_"
    at.selectbox(key=p + "to").set_value(2)
    at.selectbox(key=p + "commander").set_value(coordinator.id)
    at.text_input(key=p + "note").input("雨势加大")
    _through_an_outage(at, outage, p + "save")
    with unit_of_work() as s:
        assert s.get(Incident, incident_id).severity == 2
    at = _open("huangwei", "pages/incident_board.py")
    p = f"board_entry_{incident_id}_"
    at.text_area(key=p + "text").input("备用车辆已出发")
    _through_an_outage(at, outage, p + "save")
    assert _entries(incident_id) == ["备用车辆已出发"]


def test_a_training_form_is_kept_and_saved_on_retry(make_user, outage):
    make_user("training_coordinator", login="chenjing", language="en")
    at = _open("chenjing", "pages/training_catalog.py")
    at.text_input(key="course_new_title").input("网上订货操作")
    at.text_area(key="course_new_description").input("手机订货的每一步")
    _through_an_outage(at, outage, "course_new_save")
    with unit_of_work() as s:
        assert s.execute(select(TrainingCourse.title, TrainingCourse.description)).all() == [
            ("网上订货操作", "手机订货的每一步")]


def test_a_record_edit_is_kept_and_saved_on_retry(directory, outage):
    rid = directory.ids["330106000003"]
    at = _open("sup", "pages/retailer.py", id=rid)
    at.text_input(key=f"retailers.form.{rid}.owner_name").input("张敏敏")
    _through_an_outage(at, outage, f"FormSubmitter:retailers.form.{rid}-Save")
    with unit_of_work() as s:
        assert s.get(Retailer, rid).owner_name == "张敏敏"


def test_an_admin_form_is_kept_and_saved_on_retry(db, outage):
    at = _open("admin", "pages/admin_departments.py")
    at.text_input(key="new_department_name_en").input("Legal affairs")
    at.text_input(key="new_department_name_zh").input("法务部")
    _through_an_outage(at, outage, "new_department_save")
    with unit_of_work() as s:
        assert list(s.scalars(select(Department.name_zh).where(Department.name_en == "Legal affairs"))) == ["法务部"]


def test_the_supply_forms_and_the_objectives_keep_what_was_typed_and_retry_saves_it(make_user, outage):
    """Forms that took their starting values from `value=` lost them when the page failed: Retry then saved the
    values the database already had ("Approvers saved." with the old limit) or refused an empty brand name."""
    make_user("admin", login="wuting", language="en")
    at = _open("wuting", "pages/admin_supply.py")
    at.number_input(key="supply_approvers.limit.customer_service_head").set_value(27)
    _through_an_outage(at, outage, "FormSubmitter:supply_approvers.form-Save approvers")
    assert "Approvers saved." in [m.value for m in at.success]
    at.text_input(key="brand_new_name").input("断库品牌W")
    _through_an_outage(at, outage, "FormSubmitter:brand_new_form-Save brand")
    with unit_of_work() as s:
        [head, *_others] = ix.supply_approvers(s)
        assert (head.post, head.max_quantity) == ("customer_service_head", 27)
        assert [b.name for b in ix.list_brands(s)] == ["断库品牌W"]
    coordinator = make_user("emergency_coordinator", login="huangwei", language="en")
    incident_id = _incident(coordinator)
    at = _open("huangwei", "pages/incident.py", id=incident_id)
    p = f"inc{incident_id}_objectives_"
    at.text_area(key=p + "text").input("恢复城东-01 线路送货")
    _through_an_outage(at, outage, f"FormSubmitter:{p}form-Save objectives")
    with unit_of_work() as s:
        assert s.get(Incident, incident_id).objectives == "恢复城东-01 线路送货"


def test_a_tap_whose_action_runs_before_the_page_is_refused_and_retry_saves_it(staff, outage):
    now = datetime.now(UTC)
    with unit_of_work() as s:
        ts = TrainingSession(course_id=staff["course_id"], title="网上订货操作", starts_at=now - timedelta(minutes=20),
                             ends_at=now + timedelta(hours=2), place="培训室", format="lecture",
                             trainer_id=staff["trainer"].id, capacity=10, state="approved", approved_at=now)
        s.add(ts)
        s.flush()
        sign_up = SignUp(session_id=ts.id, retailer_id=staff["retailers"][0], state="signed_up", signed_up_at=now)
        s.add(sign_up)
        s.flush()
        sign_up_id = sign_up.id
    at = _open("coord", "pages/training_check_in.py")
    outage.begin()
    at.button(key=f"checkin_ontime_{sign_up_id}").click().run()  # on_click: runs before the page, outside its care
    assert not at.exception, at.exception
    assert any(UNANSWERED in w for w in _warnings(at)), _warnings(at)
    outage.end()
    at.button(key="_forms.retry_callback").click().run()
    assert not at.exception, at.exception
    with unit_of_work() as s:
        assert s.get(SignUp, sign_up_id).attended is True


def test_after_an_outage_the_page_shows_the_kept_values_again(desk, outage):
    at = _open("wangli", INTAKE)
    _fill_intake(at, desk, name="张三丰")
    at.segmented_control(key="intake.grade").set_value(2).run()
    outage.begin()
    at.button(key="intake.save").click().run()
    assert "intake.name" not in [t.key for t in at.text_input]  # the page could not be drawn
    outage.end()
    at.run()  # the page is shown again (no Retry): the form is back with everything typed and chosen, not saved yet
    assert at.text_input(key="intake.name").value == "张三丰"
    assert at.text_area(key="intake.description").value.startswith("送货员")
    assert at.selectbox(key="intake.category").value == desk.categories["delivery"]
    assert at.segmented_control(key="intake.grade").value == 2
    assert _complaints() == []
    at.button(key="intake.save").click().run()
    assert _complaints() == ["张三丰"]


def test_a_page_that_keeps_nothing_promises_nothing(db, outage):
    at = open_app()
    outage.begin()
    at = submit_sign_in(at, "admin", TEST_PASSWORD)  # the sign-in form keeps no password, so it says only the fact
    assert not at.exception, at.exception
    assert _warnings(at) == ["The database did not answer, so this page cannot be shown now. Press Retry in a "
                             "moment."]
    outage.end()
    at = submit_sign_in(at.button(key="_forms.retry_page").click().run(), "admin", TEST_PASSWORD)
    assert not at.exception and not [w for w in _warnings(at) if "did not answer" in w], _warnings(at)
    assert at.title  # the home page (an admin's home may warn of other things: a stopped worker, the calendar)


def _edit_cell(at, rows: dict) -> str:
    """Type into the records grid (AppTest seeds the editor's state), as the browser sends it: under the editor's
    widget id only, so a run that does not draw the grid drops it (as Streamlit does with a browser's edits)."""
    editor = at.data_editor[0].key
    at.session_state[editor] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    at.run()
    at._session_state._state._old_state.pop(editor, None)  # now held only under the widget's id, as a browser's edit is
    return editor


def _owner_changes(rid: int) -> list[tuple[str | None, str | None]]:
    """The audit rows of changes to a retailer's owner name: (old, new) for each."""
    with unit_of_work() as s:
        return s.execute(select(AuditLog.old_value, AuditLog.new_value).where(
            AuditLog.table_name == "retailers", AuditLog.record_id == str(rid), AuditLog.action == "update",
            AuditLog.field == "owner_name")).all()


def _kept_note(at) -> list[str]:
    return [i.value for i in at.info if "kept from before the outage" in i.value]


def _batch(at):
    """Edits wait for "Save changes" (the grid's other mode: by default a cell is saved as soon as it is left)."""
    return at.toggle(key="retailers.save_at_once").set_value(False).run()


def test_a_cell_saved_at_once_is_kept_through_a_failed_save_and_retry_saves_it_once(directory, outage):
    rid = directory.ids["330102000001"]
    at = _open("sup", "pages/retailers.py")
    outage.begin()
    _edit_cell(at, {0: {"owner_name": "王小伟"}})  # the run the edit starts saves it: the database does not answer
    assert not at.exception, at.exception
    assert any("did not answer" in w for w in _warnings(at)), _warnings(at)
    outage.end()
    assert directory.get("330102000001").owner_name == "王伟"
    at.button(key="_forms.retry_page").click().run()
    assert not at.exception, at.exception
    assert "Saved changes to 1 records." in [s.value for s in at.success]
    assert _owner_changes(rid) == [("王伟", "王小伟")]
    at.run()
    assert not _kept_note(at) and _owner_changes(rid) == [("王伟", "王小伟")]  # saved once


def test_grid_edits_are_kept_through_a_failed_save_and_retry_saves_them_once(directory, outage):
    rid = directory.ids["330102000001"]
    at = _batch(_open("sup", "pages/retailers.py"))
    _edit_cell(at, {0: {"owner_name": "王小伟"}})
    outage.begin()
    at.button(key="retailers.save").click().run()
    assert not at.exception, at.exception
    assert any("Retry saves it" in w for w in _warnings(at)), _warnings(at)  # the save is pressed again by Retry
    assert not at.data_editor  # the page could not be drawn: Streamlit dropped the editor's edits
    outage.end()
    at.button(key="_forms.retry_page").click().run()
    assert not at.exception, at.exception
    assert "Saved changes to 1 records." in [s.value for s in at.success]
    assert directory.get("330102000001").owner_name == "王小伟"
    assert _owner_changes(rid) == [("王伟", "王小伟")]  # saved once, with its audit row
    at.run()
    assert not _kept_note(at) and "retailers.save" not in [b.key for b in at.button]  # nothing left to save
    assert _owner_changes(rid) == [("王伟", "王小伟")]


def test_grid_edits_come_back_after_a_failed_page_load_and_save_with_new_ones(directory, outage):
    at = _batch(_open("sup", "pages/retailers.py"))
    _edit_cell(at, {0: {"owner_name": "王小伟", "star_rating": 5, "status": "Suspended"}})
    outage.begin()
    at.run()  # any rerun (a tick, a selection): the page cannot be read
    assert not at.data_editor
    outage.end()
    at.run()  # the grid is back with the kept edits typed in, and says so
    assert not at.exception, at.exception
    first = at.data_editor[0].value.iloc[0]
    assert (first["owner_name"], first["star_rating"], first["status"]) == ("王小伟", 5, "Suspended")
    assert _kept_note(at) == ["3 unsaved changes kept from before the outage: save or discard them."]
    assert directory.get("330102000001").owner_name == "王伟"  # not saved until Save
    _edit_cell(at, {1: {"star_rating": 4}})  # a new edit beside the kept one
    at.button(key="retailers.save").click().run()
    assert "Saved changes to 2 records." in [s.value for s in at.success]
    saved = directory.get("330102000001")
    assert (saved.owner_name, saved.star_rating, saved.status) == ("王小伟", 5, "suspended")
    assert directory.get("330102000002").star_rating == 4


def test_grid_edits_kept_through_an_outage_are_checked_against_the_version_seen_and_can_be_discarded(directory,
                                                                                                  outage):
    at = _batch(_open("sup", "pages/retailers.py"))
    _edit_cell(at, {0: {"owner_name": "王小伟"}})
    outage.begin()
    at.run()
    outage.end()
    seen = directory.get("330102000001")
    with unit_of_work(directory.supervisor.id) as s:  # someone else saves first, once the database is back
        update_retailer(s, actor=directory.supervisor, retailer_id=seen.id, version=seen.version,
                        values={"star_rating": 1})
    at.run()
    at.button(key="retailers.save").click().run()
    assert "was changed by" in at.error[0].value  # refused: the kept edit was made on the version seen before
    assert directory.get("330102000001").owner_name == "王伟"
    at.button(key="retailers.discard").click().run()
    assert not _kept_note(at) and list(at.data_editor[0].value["owner_name"])[0] == "王伟"
    assert directory.get("330102000001").owner_name == "王伟"


def test_the_database_stopping_in_the_middle_of_a_page_run_is_said_in_the_grid_part_once(directory, outage,
                                                                                            monkeypatch):
    """The page's guard read the user, then the database stops as the grid reads its rows (inside the page's part,
    inside the part that holds the rows: Streamlit would show a traceback for any exception leaving either). The
    part says so, once, with Retry, and nothing after it tries again; Retry draws the grid once the database is
    back."""
    from portal.ui import grid

    at = _open("sup", "pages/retailers.py")
    real = grid.fetch_page

    def database_stops(*args, **kwargs):
        outage.begin()
        return real(*args, **kwargs)

    monkeypatch.setattr(grid, "fetch_page", database_stops)
    at.run()
    assert not at.exception, at.exception
    assert [w for w in _warnings(at) if UNANSWERED in w] == [
        "The database did not answer, so this page cannot be shown now. Press Retry in a moment."]
    assert not at.data_editor
    monkeypatch.setattr(grid, "fetch_page", real)
    outage.end()
    next(b for b in at.button if str(b.key).startswith("_forms.retry")).click().run()
    assert not at.exception, at.exception
    assert not [w for w in _warnings(at) if UNANSWERED in w]
    assert "王伟" in list(at.data_editor[0].value["owner_name"])


def test_a_kanban_move_form_keeps_its_note_through_an_outage_and_retry_makes_the_move_once(desk, outage):
    cid = desk.register(desk.agent, now=utcnow()).complaint_id
    at = _open("zhanghua", "pages/complaints.py", **{"as": "kanban"})
    moves = next(s for s in at.selectbox if s.key and s.key.startswith(f"complaints.kanban.move.{cid}."))
    moves.set_value("assign").run()  # a form: an optional note
    note = next(t for t in at.text_input if t.key and t.key.endswith(".note"))
    note.input("请尽快处理")
    submit = next(b.key for b in at.button if b.key and b.key.endswith(".submit"))
    outage.begin()
    at.button(key=submit).click().run()
    assert not at.exception, at.exception
    assert any(UNANSWERED in w for w in _warnings(at)), _warnings(at)
    outage.end()
    next(b for b in at.button if b.key == "_forms.retry_page" or str(b.key).endswith("retry")).click().run()
    assert not at.exception, at.exception
    with unit_of_work() as s:
        assert s.get(Complaint, cid).state == "assigned"
        notes = s.scalars(select(ComplaintEvent.note).where(ComplaintEvent.complaint_id == cid,
                                                            ComplaintEvent.to_state == "assigned"))
        assert list(notes) == ["请尽快处理"]

"""The plan page (issue 17): a place already booked at that time is said and saved once the planner ticks "Both fit
in this place"; an approved session moved on the form goes back for approval, which the page says; the plan grid
has the seats taken, capacity and waiting columns."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.engine import unit_of_work
from db.training_models import TrainingSession
from portal import training as tr
from portal.center.sla import local
from tests.training.test_pages import _approved_session, _errors, staff  # noqa: F401 (fixture)


def _plan(signed_in, login: str, starts_at: datetime):
    at = signed_in(login).switch_page("pages/training_plan.py")
    at.query_params["month"] = f"{local(starts_at):%Y-%m}"
    return at.run()


def test_a_booked_place_is_a_warning_and_a_moved_approved_session_waits_for_approval(signed_in, staff,  # noqa: F811
                                                                                      make_user):
    starts = (datetime.now(UTC) + timedelta(days=10)).replace(hour=1, minute=0, second=0, microsecond=0)  # 09:00 CST
    approved = _approved_session(staff, starts_at=starts)  # 公司三楼培训室, the staff's trainer
    other = make_user("handler", name="刘洋")
    data = tr.SessionInput(course_id=staff["course_id"], starts_at=starts, ends_at=starts + timedelta(hours=2),
                           place="城西区分公司", format="discussion", trainer_id=other.id, capacity=10)
    with unit_of_work(staff["coordinator"].id) as s:
        draft = tr.create_session(s, actor=staff["coordinator"], data=data).id
        for retailer_id in staff["retailers"][:3]:  # two seats: the third waits
            tr.sign_up(s, actor=staff["coordinator"], session_id=approved, retailer_id=retailer_id)

    at = _plan(signed_in, "coord", starts)
    grid = at.dataframe[0].value
    assert list(grid.columns[grid.columns.get_loc("seats_taken"):][:3]) == ["seats_taken", "capacity", "waiting"]
    assert sorted(zip(grid.state, grid.seats_taken, grid.capacity, grid.waiting, strict=True)) == [
        ("approved", 2, 2, 1), ("draft", 0, 10, 0)]
    at.selectbox(key="plan_pick").set_value(draft).run()
    at.text_input(key=f"session_{draft}_place").input("公司三楼培训室")
    at.button(key=f"session_{draft}_save").click().run()
    [error] = _errors(at)
    assert error.startswith("Place: “公司三楼培训室” is booked for “卷烟陈列技巧”")
    assert "tick “Both fit in this place” and save again" in error
    assert at.text_input(key=f"session_{draft}_place").value == "公司三楼培训室"  # the input stays
    at.checkbox(key=f"session_{draft}_share_place").check()
    at.button(key=f"session_{draft}_save").click().run()
    assert not at.error, _errors(at)
    with unit_of_work() as s:
        assert s.get(TrainingSession, draft).place == "公司三楼培训室"

    at.selectbox(key="plan_pick").set_value(approved).run()
    at.text_input(key=f"session_{approved}_place").input("城东区分公司会议室")
    at.button(key=f"session_{approved}_save").click().run()
    assert not at.error, _errors(at)
    assert at.success[0].value.startswith("Moved after its approval: the session waits for the supervisor's approval")
    at.run()
    assert any(i.value.startswith("Approved ") and "waits for the supervisor's approval again" in i.value
               for i in at.info)
    with unit_of_work() as s:
        assert s.get(TrainingSession, approved).state == "submitted"
    boss = _plan(signed_in, "boss", starts)
    boss.selectbox(key="plan_pick").set_value(approved).run()
    boss.button(key=f"session_{approved}_approve").click().run()
    assert not boss.error, _errors(boss)
    with unit_of_work() as s:
        assert s.get(TrainingSession, approved).state == "approved"

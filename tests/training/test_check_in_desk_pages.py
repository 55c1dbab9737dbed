"""The check-in desk and the waiting list on their pages (AppTest), as the coordinator at the door uses them: a photo
of the printed code through the camera widget checks its retailer in; a tap on "Late" empties the search box; a
walk-in is seated once an excused absence frees a seat; "Sign up all shown" asks first when more than ten would wait;
the roster records a promoted retailer's confirming call."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.engine import unit_of_work
from db.training_models import SignUp
from portal import training as tr
from portal.ui.text import shown
from tests.training.support import add_retailers
from tests.training.test_check_in_desk import _sign_up, photo_of_printed_code, today  # noqa: F401  (fixture)
from tests.training.test_pages import _approved_session, staff  # noqa: F401  (the `staff` fixture)

DESK = "pages/training_check_in.py"


def _desk(signed_in, session_id: int):
    at = signed_in("coord")
    at.query_params["session"] = str(session_id)
    at.switch_page(DESK).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def test_a_photo_of_the_printed_code_taken_with_the_desks_camera_checks_the_retailer_in(signed_in, today):  # noqa: F811
    coordinator, sid, retailers = today
    at = _desk(signed_in, sid)
    assert not at.camera_input  # the camera is off until the desk switches it on
    at.toggle(key="checkin_camera_on").set_value(True).run()
    [camera] = at.camera_input
    camera.set_value(("code.jpg", photo_of_printed_code(coordinator, sid), "image/jpeg")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    [done] = at.success
    shop = done.value.removesuffix(" checked in late.")
    assert shop.startswith("测试便利店") and shop != done.value
    assert [c.key for c in at.camera_input] != [camera.key]  # a fresh camera, ready for the next code
    assert at.text_input(key="checkin_search").value == ""
    with unit_of_work() as s:
        assert s.query(SignUp).filter_by(session_id=sid, attended=True).count() == 1


def test_late_empties_the_search_box_and_a_walk_in_takes_an_excused_absentees_seat(signed_in, today):  # noqa: F811
    coordinator, sid, r = today
    at = _desk(signed_in, sid)
    at.text_input(key="checkin_search").input("测试便利店1").run()
    late = _sign_up(sid, r[1])
    at.button(key=f"checkin_late_{late.id}").click().run()
    assert at.success[0].value == "测试便利店1 checked in late."
    assert at.text_input(key="checkin_search").value == ""  # ready for the next name
    assert len(at.html) >= 2  # the style, and the script that gives the search box the focus again

    at.text_input(key="checkin_search").input("测试便利店4").run()  # not signed up: offered as a walk-in
    assert "seat the retailer as a walk-in below" in at.info[0].value
    assert at.button(key=f"checkin_seat_{r[4]}").disabled  # all three seats are taken
    absent = _sign_up(sid, r[0])
    at.selectbox(key="checkin_excuse_pick").set_value(absent.id)
    at.text_input(key="checkin_excuse_reason").input("店里进货")
    at.button(key="checkin_excuse_save").click().run()
    assert at.success[0].value == "Absence excused."
    at.text_input(key="checkin_search").input("测试便利店4").run()
    at.button(key=f"checkin_seat_{r[4]}").click().run()
    assert at.success[0].value == "测试便利店4 seated as a walk-in and checked in."
    walk_in = _sign_up(sid, r[4])
    assert (walk_in.walk_in, walk_in.attended) == (True, True)
    with unit_of_work(coordinator.id) as s:
        roster = {row["retailer_id"]: row for row in tr.roster(s, actor=coordinator, session_id=sid)}
    assert (roster[r[0]]["excused"], roster[r[1]]["late"], roster[r[4]]["walk_in"]) == (True, True, True)


def test_sign_up_all_shown_asks_first_when_more_than_ten_would_wait(signed_in, staff, db):  # noqa: F811
    add_retailers(db, 8, start=8)  # 16 untrained retailers
    sid = _approved_session(staff, starts_at=datetime.now(UTC) + timedelta(days=5), capacity=3)
    at = signed_in("coord")
    at.switch_page("pages/training_coverage.py").run()
    at.selectbox(key="untrained_session").set_value(sid).run()
    at.button(key="untrained_sign_up_all").click().run()
    assert not at.exception
    [question] = at.warning
    assert shown(question.value) == ("13 of these 16 retailers would go on the waiting list of “卷烟陈列技巧”: it has "
                                     "3 free seats. Sign them all up anyway?")
    with unit_of_work() as s:
        assert tr.seats_taken(s, sid) == 0  # nothing yet
    at.button(key="signup_overflow_go").click().run()
    assert at.success[0].value == "3 signed up, 13 on the waiting list."
    assert not at.warning


def test_the_roster_records_the_call_that_confirms_a_seat_from_the_waiting_list(signed_in, staff):  # noqa: F811
    sid = _approved_session(staff, starts_at=datetime.now(UTC) + timedelta(days=5), capacity=1)
    coordinator = staff["coordinator"]
    with unit_of_work(coordinator.id) as s:
        first = tr.sign_up(s, actor=coordinator, session_id=sid, retailer_id=staff["retailers"][0])
        tr.sign_up(s, actor=coordinator, session_id=sid, retailer_id=staff["retailers"][1])
    with unit_of_work(coordinator.id) as s:
        [promoted] = tr.cancel_sign_up(s, actor=coordinator, sign_up_id=first.id, version=None, reason="来不了")
    at = signed_in("coord")
    at.query_params["id"] = str(sid)
    at.switch_page("pages/training_session.py").run()
    assert any("Confirm a seat from the waiting list (1)" in e.label for e in at.expander)
    at.selectbox(key="roster_confirm_pick").set_value(promoted.id).run()
    at.button(key="roster_confirm").click().run()
    assert not at.exception and at.success[0].value == "Seat confirmed."
    assert not any("Confirm a seat" in e.label for e in at.expander)
    with unit_of_work() as s:
        assert s.get(SignUp, promoted.id).confirmed_by_id == coordinator.id

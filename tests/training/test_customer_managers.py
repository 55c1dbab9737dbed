"""Customer managers (客户经理, issue 17): they organise the sign-in of the retailers they look after and call those who
did not come (seed 000 篇九) — for their own retailers, and nothing more. Checked in the domain functions; their page
lists only their own retailers."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import update

from db.engine import unit_of_work
from db.models import Retailer, User
from portal import training as tr
from portal.access.auth import PermissionDenied, hash_password
from portal.center_time import CENTER_TZ
from portal.center_time import now as center_now
from portal.home import home_summary
from portal.training.managers import managed_sessions, managed_sign_ups
from portal.ui.nav import pages_for
from tests.conftest import TEST_PASSWORD
from tests.training.support import academy_fixture, english_fixture  # noqa: F401

MINE = "pages/training_my_retailers.py"


def _today_session(academy, capacity: int = 8) -> tuple[int, datetime]:
    """An approved session that began just after midnight today (center time): check-in is open."""
    midnight = datetime.combine(center_now().date(), time(0, 1), tzinfo=CENTER_TZ)
    day_before = midnight - timedelta(days=1)
    sid = academy.draft(starts_at=midnight, capacity=capacity, now=day_before)
    academy.run(academy.coordinator, tr.submit_session, session_id=sid, version=None, now=day_before)
    academy.run(academy.supervisor, tr.approve_session, session_id=sid, version=None, now=day_before)
    return sid, day_before


@pytest.fixture(name="managers")
def managers_fixture(academy, make_user):
    """Two customer managers (liu: retailers 0-2, zhou: 3-4), a handler named manager of retailer 5 without the role,
    retailer 6 without a manager; all seven seated at today's session."""
    liu = make_user("handler", "customer_manager", login="liuyang", name="刘洋", language="en")
    zhou = make_user("handler", "customer_manager", login="zhoujie", name="周杰", language="en")
    plain_handler = make_user("handler", name="孙浩", language="en")
    r = academy.retailers
    with unit_of_work(engine=academy.engine) as s:
        for manager, ids in ((liu, r[:3]), (zhou, r[3:5]), (plain_handler, r[5:6])):
            s.execute(update(Retailer).where(Retailer.id.in_(ids)).values(manager_id=manager.id))
    sid, before = _today_session(academy)
    seats = {rid: academy.sign_up(sid, rid, now=before).id for rid in r[:7]}
    return {"liu": liu, "zhou": zhou, "handler": plain_handler, "session": sid, "seats": seats}


def test_a_customer_manager_checks_in_their_own_retailers_and_not_another_managers(academy, managers):
    liu, seats, r = managers["liu"], managers["seats"], academy.retailers
    academy.run(liu, tr.mark_attendance, sign_up_id=seats[r[0]])
    assert academy.by_retailer(managers["session"])[r[0]].attended is True
    academy.run(liu, tr.mark_attendance, sign_up_id=seats[r[0]], attended=False)  # undo, too
    assert academy.by_retailer(managers["session"])[r[0]].attended is False
    for other in (r[3], r[5], r[6]):  # zhou's retailer, the handler's, one without a customer manager
        with pytest.raises(PermissionDenied):
            academy.run(liu, tr.mark_attendance, sign_up_id=seats[other])
    with pytest.raises(PermissionDenied):  # named manager of retailer 5 but without the role: no
        academy.run(managers["handler"], tr.mark_attendance, sign_up_id=seats[r[5]])
    assert all(su.attended is None for rid, su in academy.by_retailer(managers["session"]).items() if rid != r[0])
    academy.run(academy.coordinator, tr.mark_attendance, sign_up_id=seats[r[3]])  # the training staff: anyone


def test_a_customer_manager_calls_their_own_absentees_only(academy, managers):
    liu, seats, r, sid = managers["liu"], managers["seats"], academy.retailers, managers["session"]
    academy.run(liu, tr.mark_attendance, sign_up_id=seats[r[1]])
    academy.run(academy.coordinator, tr.mark_held, session_id=sid, version=None)
    academy.run(liu, tr.record_absence_follow_up, sign_up_id=seats[r[0]], version=None, reason="店里没人看店")
    assert academy.by_retailer(sid)[r[0]].absence_reason == "店里没人看店"
    assert academy.by_retailer(sid)[r[0]].follow_up_by_id == liu.id
    with pytest.raises(PermissionDenied):
        academy.run(liu, tr.record_absence_follow_up, sign_up_id=seats[r[3]], version=None, reason="不知道")
    assert academy.by_retailer(sid)[r[3]].absence_reason is None
    with unit_of_work(engine=academy.engine) as s:
        [row] = managed_sessions(s, actor=liu, start=center_now() - timedelta(days=2),
                                 end=center_now() + timedelta(days=2))
        mine = managed_sign_ups(s, actor=liu, session_id=sid)
        theirs = managed_sign_ups(s, actor=managers["zhou"], session_id=sid)
    assert (row["id"], row["seated"], row["checked_in"], row["absent"], row["called"]) == (sid, 3, 1, 2, 1)
    with unit_of_work(engine=academy.engine) as s:  # their home page: 3 seated today, 1 absentee still to call
        home = home_summary(s, actor=liu, language="en").items["My retailers' training"]
    assert [(i.count, i.page) for i in home] == [(3, MINE), (1, MINE)]
    assert [m["shop_name"] for m in mine] == ["测试便利店0", "测试便利店1", "测试便利店2"]
    assert [m["shop_name"] for m in theirs] == ["测试便利店3", "测试便利店4"] and theirs[0]["phone"] == "13800000003"


def test_a_customer_manager_neither_plans_nor_signs_up_nor_evaluates(academy, managers):
    liu, sid = managers["liu"], managers["session"]
    with pytest.raises(PermissionDenied):
        academy.run(liu, tr.update_session, session_id=sid, version=None, data=academy.session_input(capacity=9))
    with pytest.raises(PermissionDenied):
        academy.run(liu, tr.create_session, data=academy.session_input())
    for move in (tr.submit_session, tr.mark_held):
        with pytest.raises(PermissionDenied):
            academy.run(liu, move, session_id=sid, version=None)
    with pytest.raises(PermissionDenied):
        academy.run(liu, tr.cancel_session, session_id=sid, version=None, reason="下雨")
    with pytest.raises(PermissionDenied):
        academy.run(liu, tr.sign_up, session_id=sid, retailer_id=academy.retailers[7])
    academy.run(liu, tr.mark_attendance, sign_up_id=managers["seats"][academy.retailers[0]])
    with pytest.raises(PermissionDenied):
        academy.run(liu, tr.record_evaluation, sign_up_id=managers["seats"][academy.retailers[0]],
                    scores={"score_content": 5, "score_trainer": 5, "score_usefulness": 5})
    with pytest.raises(PermissionDenied):  # their page's lists are for customer managers
        academy.run(academy.coordinator, managed_sessions, start=center_now(), end=center_now())
    assert academy.session(sid).capacity == 8


def test_only_customer_managers_have_the_my_retailers_page(academy, managers):
    assert MINE in [p.path for p in pages_for(managers["liu"])]
    for who in (academy.coordinator, academy.supervisor, managers["handler"], academy.viewer):
        assert MINE not in [p.path for p in pages_for(who)]
    assert "pages/training_check_in.py" not in [p.path for p in pages_for(managers["liu"])]  # the desk: not theirs


def test_the_my_retailers_page_lists_only_their_retailers_and_checks_one_in(academy, managers, signed_in):
    with unit_of_work(engine=academy.engine) as s:  # the academy skips password hashing: this one signs in
        s.execute(update(User).where(User.id == managers["liu"].id).values(password_hash=hash_password(TEST_PASSWORD)))
    at = signed_in("liuyang").switch_page(MINE).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "My retailers' training"
    shops = " ".join(m.value for m in at.markdown)
    assert all(f"测试便利店{i}" in shops for i in range(3)) and not any(f"测试便利店{i}" in shops for i in (3, 4, 5))
    seat = managers["seats"][academy.retailers[2]]
    at.button(key=f"mine_in_{seat}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert academy.by_retailer(managers["session"])[academy.retailers[2]].attended is True
    assert at.button(key=f"mine_undo_{seat}").label == "Checked in · undo"
    assert [m.value for m in at.metric][:2] == ["3", "1"]


def test_the_my_retailers_page_opened_from_a_link_still_switches_sessions(academy, managers, signed_in):
    """Opened at `?session=` (a link from their home page), the picker went back to the linked session on every
    run: another session could not be chosen. The choice now goes into the address, as the other session pickers'."""
    with unit_of_work(engine=academy.engine) as s:
        s.execute(update(User).where(User.id == managers["liu"].id).values(password_hash=hash_password(TEST_PASSWORD)))
    later = datetime.combine(center_now().date(), time(3, 0), tzinfo=CENTER_TZ)  # a second session today
    before = later - timedelta(days=1)
    other = academy.draft(starts_at=later, capacity=8, now=before)
    academy.run(academy.coordinator, tr.submit_session, session_id=other, version=None, now=before)
    academy.run(academy.supervisor, tr.approve_session, session_id=other, version=None, now=before)
    academy.sign_up(other, academy.retailers[0], now=before)  # one of liu's retailers seated
    at = signed_in("liuyang").switch_page(MINE)
    at.query_params["session"] = str(managers["session"])
    at.run()
    picker = at.selectbox(key="mine_session")
    assert picker.value == managers["session"]
    picker.select(other).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="mine_session").value == other
    assert at.query_params["session"] == str(other)

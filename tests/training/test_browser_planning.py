"""In a real browser (issue 17): the coordinator moves an approved session to another room on the plan page and it
goes back for approval; a customer manager checks in one of their own retailers on "My retailers", where another
manager's retailer is not listed."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from db.engine import unit_of_work
from db.models import Retailer
from db.training_models import TrainingSession
from portal import training as tr
from portal.center_time import CENTER_TZ
from portal.center_time import now as center_now
from tests.complaints.test_browser import _as
from tests.support.browser import wait_for_app
from tests.training.support import add_retailers
from tests.training.test_browser import _pick

pytestmark = pytest.mark.e2e


def _session(actor, supervisor, course_id: int, trainer_id: int, starts_at: datetime, title: str) -> int:
    """An approved session (made the day before it, so one that began today is possible)."""
    data = tr.SessionInput(course_id=course_id, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
                           place="公司三楼培训室", format="lecture", trainer_id=trainer_id, capacity=10, title=title)
    before = starts_at - timedelta(days=1)
    with unit_of_work(actor.id) as s:
        sid = tr.create_session(s, actor=actor, data=data, now=before).id
        tr.submit_session(s, actor=actor, session_id=sid, version=None, now=before)
        tr.approve_session(s, actor=supervisor, session_id=sid, version=None, now=before)
    return sid


def test_a_moved_session_waits_for_approval_and_a_customer_manager_checks_in_their_retailer(base_url, page,
                                                                                           make_user, db, monkeypatch):
    coordinator = make_user("training_coordinator", login="chenjing", name="陈静", language="en")
    liu = make_user("handler", "customer_manager", login="liuyang", name="刘洋", language="en")
    monkeypatch.setattr("portal.access.users.hash_password", lambda _pw: "not-used")  # these two never sign in
    supervisor = make_user("supervisor", name="张华", language="en")
    zhou = make_user("handler", "customer_manager", name="周杰", language="en")
    mine, theirs = add_retailers(db, 2)
    with unit_of_work(engine=db) as s:
        s.execute(update(Retailer).where(Retailer.id == mine).values(manager_id=liu.id))
        s.execute(update(Retailer).where(Retailer.id == theirs).values(manager_id=zhou.id))
        course = tr.create_course(s, actor=coordinator, title="卷烟陈列技巧", kind="skill", duration_minutes=90).id
    today = _session(coordinator, supervisor, course, coordinator.id,
                     datetime.combine(center_now().date(), time(0, 1), tzinfo=CENTER_TZ), "今日陈列培训")
    later = _session(coordinator, supervisor, course, coordinator.id, center_now().replace(
        hour=9, minute=0, second=0, microsecond=0) + timedelta(days=3), "网上订货培训")
    with unit_of_work(coordinator.id) as s:
        for rid in (mine, theirs):
            tr.sign_up(s, actor=coordinator, session_id=today, retailer_id=rid,
                       now=datetime.combine(center_now().date(), time(0), tzinfo=CENTER_TZ))

    # the coordinator moves the approved session to another room: it goes back to the supervisor
    _as(page, base_url, "chenjing")
    with unit_of_work() as s:
        starts = s.get(TrainingSession, later).starts_at.astimezone(CENTER_TZ)
    page.goto(f"{base_url}/training_plan?month={starts:%Y-%m}")
    wait_for_app(page, settle_ms=300)
    _pick(page, "Session", re.compile("网上订货培训 · Approved"))
    page.get_by_text("Edit session").click()
    form = page.get_by_test_id("stForm").first
    form.get_by_label("Place", exact=True).fill("城东区分公司会议室")
    form.get_by_label("Place", exact=True).press("Tab")  # (left first: the redraw on leaving it cannot move
    # the button from under the click, which a busy CI once lost)
    form.get_by_role("button", name="Save changes").click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text(re.compile("Moved after its approval: the session waits for the supervisor's approval")))\
        .to_be_visible(timeout=15_000)  # (the save moves the session back and tells the approver: slow on a busy CI)
    with unit_of_work() as s:
        assert s.get(TrainingSession, later).state == "submitted"

    # the customer manager checks in their own retailer; the other manager's is not on their list
    _as(page, base_url, "liuyang")
    page.goto(f"{base_url}/training_my_retailers?session={today}")
    wait_for_app(page, settle_ms=300)
    expect(page.get_by_text("测试便利店0")).to_be_visible()
    expect(page.get_by_text("测试便利店1")).to_have_count(0)
    page.get_by_role("button", name="Check in", exact=True).click()
    wait_for_app(page, settle_ms=400)
    expect(page.get_by_text("测试便利店0 checked in.")).to_be_visible()
    with unit_of_work() as s:
        assert [su["attended"] for su in tr.roster(s, actor=coordinator, session_id=today)
                if su["retailer_id"] == mine] == [True]

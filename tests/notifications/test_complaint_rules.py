"""The complaint rules an event starts (portal/complaints/notify.py): reopened after a dissatisfied follow-up, grade 1
registered, a key customer's complaint. Through the real outbox and worker (the complaint's `__events__`), and on
hand-made events for what must tell nobody."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select, text

from db.engine import unit_of_work
from db.models import CalendarDay
from db.notification_models import Notification, NotificationRuleSetting
from portal import complaints as cx
from portal.i18n import set_language
from portal.notifications.inbox import message
from portal.notifications.rules import handle_event
from tests.complaints.support import FRIDAY_3PM, center_fixture, cst  # noqa: F401  (the `center` fixture)


def notes(center, rule: str) -> list[Notification]:
    with unit_of_work(engine=center.engine) as s:
        return list(s.scalars(select(Notification).where(Notification.rule == rule).order_by(Notification.id)))


def told(center, rule: str) -> list[int]:
    return sorted(n.user_id for n in notes(center, rule))


def text_of(note: Notification, language: str) -> str:
    try:
        set_language(language)
        return message(note)
    finally:
        set_language("en")


def event(actor, *changes) -> dict:
    return {"event": uuid.uuid4().hex, "actor": actor, "at": "2026-11-20T07:00:00+00:00",
            "changes": [dict(zip(("table", "record", "action", "field", "old", "new"), c, strict=True))
                        for c in changes]}


def handle(center, e) -> int:
    with unit_of_work(engine=center.engine) as s:
        return handle_event(s, e)


def test_a_grade_1_complaint_reaches_every_emergency_coordinator_and_supervisor_at_once(center, queue, make_user):
    coordinator = make_user("emergency_coordinator", department="security", name="黄伟")
    ordinary = center.register()  # grade 3: nobody beyond the usual
    major = center.register(grade=1)
    queue.work()
    assert told(center, "complaint_grade_one") == sorted([coordinator.id, center.supervisor.id,
                                                          center.supervisor2.id])
    note = notes(center, "complaint_grade_one")[0]
    assert note.urgent and note.record_id == str(major.complaint_id) != str(ordinary.complaint_id)
    assert text_of(note, "en") == f"Major complaint {major.reference} (grade 1) was registered: it is to be reported " \
                                  "at once"
    assert text_of(note, "zh_CN") == f"重大投诉 {major.reference}（1级）已登记，须立即上报"


def test_a_complaint_re_triaged_to_grade_1_raises_the_same_alarm_once(center, queue, make_user):
    coordinator = make_user("emergency_coordinator", department="security", name="黄伟")
    cid = center.register().complaint_id
    queue.work()
    center.run(center.supervisor, cx.retriage_complaint, complaint_id=cid, grade=2, reason="升为严重",
               now=FRIDAY_3PM + timedelta(hours=1))
    queue.work()
    assert notes(center, "complaint_grade_one") == []  # grade 2 is not major enough for this alarm
    center.run(center.supervisor, cx.retriage_complaint, complaint_id=cid, grade=1, reason="媒体已关注",
               now=FRIDAY_3PM + timedelta(hours=2))
    queue.work()
    assert told(center, "complaint_grade_one") == sorted([coordinator.id, center.supervisor2.id])  # not the one
    note = notes(center, "complaint_grade_one")[0]  # who raised it
    assert note.urgent and "re-triaged to grade 1" in text_of(note, "en")
    assert "重新定级为1级" in text_of(note, "zh_CN")


def test_grade_1_tells_nobody_of_what_they_registered_nor_of_a_duplicate(center, queue):
    center.register(center.supervisor, grade=1)  # a supervisor registered it: the other supervisor is told
    queue.work()
    assert told(center, "complaint_grade_one") == [center.supervisor2.id]
    original = center.register(grade=1)
    queue.work()
    center.register(grade=1, duplicate_of_id=original.complaint_id)  # a second call about the same: no new alarm
    queue.work()
    assert [n.record_id for n in notes(center, "complaint_grade_one")].count(str(original.complaint_id)) == 2
    assert len(notes(center, "complaint_grade_one")) == 3
    with unit_of_work(engine=center.engine) as s:
        s.add(NotificationRuleSetting(rule="complaint_grade_one", audiences=["emergency_coordinators"]))
    center.register(grade=1)
    queue.work()
    assert len(notes(center, "complaint_grade_one")) == 3  # no coordinator in this center: nobody


def test_a_key_customer_complaint_is_a_call_back_task_for_the_customer_manager(center, queue):
    with unit_of_work(engine=center.engine) as s:
        s.add(CalendarDay(day=date(2026, 11, 23), is_working_day=False, name="假日"))
        s.execute(text("update retailers set is_key_customer = true, manager_id = :m where id = :r"),
                  {"m": center.outsider.id, "r": center.retailer_id})
    reg = center.register()  # Friday 15:00 -> call back by Tuesday 15:00 (24 working hours; Monday a holiday)
    queue.work()
    [note] = notes(center, "complaint_key_customer")
    assert (note.user_id, note.record_id, note.occasion) == (center.outsider.id, str(reg.complaint_id),
                                                             "call_back")
    assert text_of(note, "en") == f"Key customer 金叶便利店 raised complaint {reg.reference}: call them back by " \
                                  "2026-11-24 15:00"
    assert text_of(note, "zh_CN") == f"重点客户“金叶便利店”提出投诉 {reg.reference}，请在 2026-11-24 15:00 前电话回访"
    center.register(center.outsider, channel="manager_visit")  # the manager (an agent) took it down on a visit
    queue.work()
    assert len(notes(center, "complaint_key_customer")) == 1


def test_no_call_back_for_an_ordinary_retailer_one_without_a_manager_or_no_retailer(center, queue):
    center.register()  # not a key customer
    with unit_of_work(engine=center.engine) as s:
        s.execute(text("update retailers set is_key_customer = true where id = :r"), {"r": center.retailer_id})
    center.register()  # a key customer without a customer manager
    center.register(retailer_id=None)
    queue.work()
    assert notes(center, "complaint_key_customer") == []
    with unit_of_work(engine=center.engine) as s:
        s.add(NotificationRuleSetting(rule="complaint_key_customer", audiences=["owner_department"]))
    center.register()  # the admin chose the customer-service desk (not the agent who took it down)
    queue.work()
    assert told(center, "complaint_key_customer") == [center.colleague.id]


def test_a_dissatisfied_follow_up_tells_the_handler_and_their_supervisor_each_time(center, queue, make_user):
    logistics_supervisor = make_user("supervisor", department="logistics", name="冯军")
    cid = center.register().complaint_id
    center.advance(cid, "replied")
    queue.work()
    center.run(center.agent, cx.record_follow_up, complaint_id=cid, level=2, method="phone",
               satisfaction="dissatisfied", now=FRIDAY_3PM + timedelta(hours=5))
    queue.work()
    assert told(center, "complaint_reopened") == sorted([center.handler.id, logistics_supervisor.id])
    note = notes(center, "complaint_reopened")[0]
    ref = center.get(cid).reference
    assert note.occasion == "reopened:1"
    assert text_of(note, "zh_CN") == f"投诉 {ref} 因回访不满意已重新处理，须在 2026-11-24 20:00 前办结"
    # answered again, dissatisfied again: told again; satisfied: nobody
    center.advance(cid, "replied", start=cst(11, 23, 9))
    center.run(center.agent, cx.record_follow_up, complaint_id=cid, level=2, method="phone",
               satisfaction="dissatisfied", now=cst(11, 23, 12))
    center.advance(cid, "replied", start=cst(11, 23, 13))
    center.run(center.agent, cx.record_follow_up, complaint_id=cid, level=2, method="phone", satisfaction="satisfied",
               now=cst(11, 23, 16))
    queue.work()
    assert [n.occasion for n in notes(center, "complaint_reopened")] == ["reopened:1"] * 2 + ["reopened:2"] * 2


def test_reopened_tells_nobody_of_a_count_that_did_not_go_up_nor_the_one_who_reopened_it(center):
    cid = str(center.register().complaint_id)
    center.run(center.supervisor, cx.assign_complaint, complaint_id=int(cid), handler_id=center.handler.id,
               now=FRIDAY_3PM)
    assert handle(center, event(center.agent.id, ("complaints", cid, "insert", "reopen_count", None, 0))) == 0
    assert handle(center, event(center.agent.id, ("complaints", cid, "update", "reopen_count", 2, 1))) == 0
    assert handle(center, event(center.agent.id, ("complaints", "999999", "update", "reopen_count", 0, 1))) == 0
    # the handler recorded the dissatisfied follow-up: only the supervisors are told (all: logistics has none)
    assert handle(center, event(center.handler.id, ("complaints", cid, "update", "reopen_count", 0, 1))) == 2
    assert told(center, "complaint_reopened") == sorted([center.supervisor.id, center.supervisor2.id])
    with unit_of_work(engine=center.engine) as s:
        s.add(NotificationRuleSetting(rule="complaint_reopened", enabled=False))
    assert handle(center, event(center.agent.id, ("complaints", cid, "update", "reopen_count", 1, 2))) == 0

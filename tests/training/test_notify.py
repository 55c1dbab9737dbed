"""The training rules of the notifications worker (portal/training/notify.py) on hand-made data with a fixed clock:
who is told, when (working days, a holiday and a make-up day), once however often the scan runs, and as an admin set
them (off, other audiences, another lead time)."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select, text

from db.engine import unit_of_work
from db.notification_models import Notification, NotificationRuleSetting
from portal import training as tr
from portal.access.auth import SYSTEM
from portal.center.workdays import set_calendar_day
from portal.i18n import set_language
from portal.notifications.inbox import link_target, message
from portal.notifications.rules import handle_event, run_scans
from tests.notifications import conftest as notifications
from tests.training.support import academy_fixture, cst  # noqa: F401  (the `academy` fixture)

queue = notifications.queue  # the fixture: an empty job queue of these tests' own

BEFORE = cst(11, 20, 10)  # when the December sessions are drafted and filled


def _scan(academy, now: datetime, rule: str) -> int:
    """Run every scan at `now`; how many notices `rule` made (it ran without an error)."""
    with unit_of_work(engine=academy.engine) as s:
        run = run_scans(s, now)[rule]
        assert run.error is None, run.error
        return run.made


def _notes(academy, rule: str) -> list[Notification]:
    with unit_of_work(engine=academy.engine) as s:
        return list(s.scalars(select(Notification).where(Notification.rule == rule).order_by(Notification.id)))


def _days_off(academy, *days: date, make_up: tuple[date, ...] = ()) -> None:
    with unit_of_work(engine=academy.engine) as s:
        for day in days:
            set_calendar_day(s, actor=SYSTEM, day=day, is_working_day=False, name="假日")
        for day in make_up:
            set_calendar_day(s, actor=SYSTEM, day=day, is_working_day=True, name="调休上班")


def _setting(academy, rule: str, **values) -> None:
    with unit_of_work(engine=academy.engine) as s:
        s.merge(NotificationRuleSetting(rule=rule, **values))


def _rendered(note: Notification) -> tuple[str, str]:
    try:
        set_language("zh_CN")
        zh = message(note)
        set_language("en")
        return message(note), zh
    finally:
        set_language("en")


def _need(academy, department: str, retailer: int) -> None:
    academy.run(academy.coordinator, tr.record_need, retailer_id=academy.retailers[retailer], topic="网上订货",
                month=date(2027, 1, 1), department_id=academy.departments[department], now=cst(12, 10))


def test_needs_not_submitted_reach_the_departments_that_owe_them_on_the_25th_and_the_28th(academy, make_user):
    cs_agent = academy.agent  # customer service, but may not submit needs: not told
    _need(academy, "customer_service", 0)
    _need(academy, "marketing", 1)
    _need(academy, "logistics", 2)  # nobody in logistics may submit: the training coordinators hear of it
    academy.run(academy.coordinator, tr.submit_needs, month=date(2027, 1, 1),
                department_id=academy.departments["marketing"], now=cst(12, 11))
    assert [_scan(academy, now, "training_needs_due") for now in (cst(12, 24, 20), cst(12, 25, 8))] == [0, 0]
    assert _scan(academy, cst(12, 25, 9), "training_needs_due") == 2
    assert [_scan(academy, now, "training_needs_due") for now in (cst(12, 25, 9, 1), cst(12, 26, 10))] == [0, 0]
    told = {(n.user_id, n.record_table, n.occasion) for n in _notes(academy, "training_needs_due")}
    assert told == {(academy.supervisor.id, "departments", "needs:2027-01:25th"),
                    (academy.coordinator.id, "training_needs", "needs:2027-01:25th")}
    assert cs_agent.id not in {n.user_id for n in _notes(academy, "training_needs_due")}
    mine = next(n for n in _notes(academy, "training_needs_due") if n.user_id == academy.supervisor.id)
    assert _rendered(mine) == ("Your department's training needs for 2027-01 are not submitted yet: they are due "
                               "2026-12-28.", "您所在部门2027-01的培训需求尚未报送，截止日期为2026-12-28。")
    assert link_target(mine) == ("pages/training_needs.py", {})
    # customer service submits on the 27th: on the 28th only logistics is still owed
    academy.run(academy.supervisor, tr.submit_needs, month=date(2027, 1, 1),
                department_id=academy.departments["customer_service"], now=cst(12, 27))
    assert _scan(academy, cst(12, 28, 9), "training_needs_due") == 1
    [last] = _notes(academy, "training_needs_due")[2:]
    assert (last.user_id, last.occasion) == (academy.coordinator.id, "needs:2027-01:28th")
    assert _rendered(last) == ("Departments that have not submitted their training needs for 2027-01: 1. They are "
                               "due 2026-12-28.", "尚未报送2027-01培训需求的部门：1个，截止日期为2026-12-28。")
    assert _scan(academy, cst(12, 29, 9), "training_needs_due") == 0  # past the deadline: not this rule's


def test_needs_reminders_follow_the_admins_settings(academy):
    _need(academy, "customer_service", 0)
    _setting(academy, "training_needs_due", enabled=False)
    assert "training_needs_due" not in _scan_runs(academy, cst(12, 25, 9))
    _setting(academy, "training_needs_due", enabled=True, audiences=["training_coordinators"])
    assert _scan(academy, cst(12, 25, 9), "training_needs_due") == 1
    assert [n.user_id for n in _notes(academy, "training_needs_due")] == [academy.coordinator.id]


def _scan_runs(academy, now: datetime) -> set[str]:
    with unit_of_work(engine=academy.engine) as s:
        return set(run_scans(s, now))


def _december_session(academy, day: int = 20, **kw) -> int:
    return academy.draft(starts_at=cst(12, day, 10), now=BEFORE, **kw)


def test_an_unapproved_plan_reaches_the_supervisors_on_each_of_the_first_three_working_days(academy):
    # Dec 1 (Tue) and Dec 3 (Thu) off, Saturday Dec 5 worked: working days 1-3 are Dec 2, 4 and 5
    _days_off(academy, date(2026, 12, 1), date(2026, 12, 3), make_up=(date(2026, 12, 5),))
    sid = _december_session(academy)
    academy.run(academy.coordinator, tr.submit_session, session_id=sid, version=None, now=BEFORE)
    days = [cst(12, 1, 9), cst(12, 2, 8), cst(12, 2, 9), cst(12, 2, 17), cst(12, 3, 9), cst(12, 4, 9), cst(12, 5, 9),
            cst(12, 7, 9)]
    assert [_scan(academy, now, "training_plan_unapproved") for now in days] == [0, 0, 1, 0, 0, 1, 1, 0]
    notes = _notes(academy, "training_plan_unapproved")
    assert {n.user_id for n in notes} == {academy.supervisor.id}
    assert [n.occasion for n in notes] == ["plan:2026-12-02", "plan:2026-12-04", "plan:2026-12-05"]
    assert _rendered(notes[0]) == ("The training plan for 2026-12 is not approved yet: approval is due by 2026-12-05.",
                                   "2026-12的月度培训计划尚未审批，审批截止日期为2026-12-05。")


def test_an_approved_plan_or_a_month_without_sessions_tells_nobody(academy):
    assert _scan(academy, cst(12, 1, 9), "training_plan_unapproved") == 0  # no session: nothing to approve
    _december_session(academy)
    academy.run(academy.coordinator, tr.submit_plan, month=date(2026, 12, 1), now=BEFORE)
    academy.run(academy.supervisor, tr.approve_plan, month=date(2026, 12, 1), now=BEFORE)
    assert _scan(academy, cst(12, 2, 9), "training_plan_unapproved") == 0
    assert _notes(academy, "training_plan_unapproved") == []


def test_the_trainer_is_reminded_the_morning_before_and_again_when_the_session_moves(academy):
    sid = academy.approved(starts_at=cst(12, 8, 14), now=BEFORE)
    draft = _december_session(academy, day=8)  # not approved: no reminder
    times = [cst(12, 6, 20), cst(12, 7, 8), cst(12, 7, 8, 30), cst(12, 7, 12), cst(12, 8, 13)]
    assert [_scan(academy, now, "training_session_reminder") for now in times] == [0, 0, 1, 0, 0]
    [note] = _notes(academy, "training_session_reminder")
    assert (note.user_id, note.record_id) == (academy.trainer.id, str(sid)) and str(draft) != note.record_id
    assert _rendered(note) == ("Reminder: you train “卷烟陈列技巧” at 2026-12-08 14:00, 公司三楼培训室.",
                               "提醒：您将于2026-12-08 14:00在公司三楼培训室讲授培训“卷烟陈列技巧”。")
    assert link_target(note) == ("pages/training_session.py", {"id": str(sid)})
    academy.run(academy.coordinator, tr.update_session, session_id=sid, version=None, now=cst(12, 8, 9),
                data=academy.session_input(starts_at=cst(12, 9, 14)))
    assert _scan(academy, cst(12, 8, 9), "training_session_reminder") == 0  # moved: waits for approval again
    academy.run(academy.supervisor, tr.approve_session, session_id=sid, version=None, now=cst(12, 8, 9))
    assert [_scan(academy, now, "training_session_reminder") for now in (cst(12, 8, 9), cst(12, 8, 10))] == [1, 0]
    assert _scan(academy, cst(12, 9, 15), "training_session_reminder") == 0  # started: too late to remind


def test_the_trainers_reminder_follows_the_lead_time_and_the_switch(academy):
    academy.approved(starts_at=cst(12, 10, 14), now=BEFORE)
    _setting(academy, "training_session_reminder", lead_minutes=2 * 24 * 60)  # two days before, in the morning
    assert [_scan(academy, now, "training_session_reminder") for now in (cst(12, 8, 8), cst(12, 8, 9))] == [0, 1]
    academy.approved(starts_at=cst(12, 11, 14), now=BEFORE)
    _setting(academy, "training_session_reminder", enabled=False)
    assert "training_session_reminder" not in _scan_runs(academy, cst(12, 9, 9))
    assert len(_notes(academy, "training_session_reminder")) == 1


def test_a_promotion_from_the_waiting_list_reaches_the_coordinators_through_the_worker(academy, make_user, queue):
    other = make_user("training_coordinator", department="customer_service", name="林芳", language="en")
    sid = academy.approved(starts_at=cst(12, 20, 10), capacity=1, now=BEFORE)
    first = academy.sign_up(sid, academy.retailers[0], now=BEFORE)
    academy.sign_up(sid, academy.retailers[1], now=BEFORE)  # waits
    queue.work()
    assert _notes(academy, "training_promoted") == []  # signing up and waiting tell nobody
    academy.run(academy.coordinator, tr.cancel_sign_up, sign_up_id=first.id, version=None, reason="店里有事",
                now=cst(12, 1))
    queue.work()
    notes = _notes(academy, "training_promoted")
    promoted = academy.by_retailer(sid)[academy.retailers[1]]
    assert sorted(n.user_id for n in notes) == sorted([academy.coordinator.id, other.id])
    assert {n.record_id for n in notes} == {str(promoted.id)}
    assert _rendered(notes[0]) == (
        "测试便利店1 moved up from the waiting list of “卷烟陈列技巧” (2026-12-20 10:00): tell the retailer they have "
        "a seat.", "测试便利店1已从培训“卷烟陈列技巧”（2026-12-20 10:00）的候补名单递补入席：请通知该零售客户。")


def _promotion(sign_up_id: int, old=None, new="2026-12-01T02:00:00+00:00") -> dict:
    return {"event": uuid.uuid4().hex, "actor": None, "at": "2026-12-01T02:00:00+00:00",
            "changes": [{"table": "training_sign_ups", "record": str(sign_up_id), "action": "update",
                         "field": "promoted_at", "old": old, "new": new}]}


def test_what_is_not_a_promotion_tells_nobody_and_a_repeated_event_tells_once(academy):
    sid = academy.approved(starts_at=cst(12, 20, 10), now=BEFORE)
    su = academy.sign_up(sid, academy.retailers[0], now=BEFORE)
    with unit_of_work(engine=academy.engine) as s:
        made = [handle_event(s, e) for e in (_promotion(su.id, new=None), _promotion(su.id, old="2026-11-30"),
                                             _promotion(999999))]
    assert made == [0, 0, 0]
    event = _promotion(su.id)
    with unit_of_work(engine=academy.engine) as s:
        assert [handle_event(s, event) for _ in range(3)] == [1, 0, 0]
    _setting(academy, "training_promoted", enabled=False)
    with unit_of_work(engine=academy.engine) as s:
        assert handle_event(s, _promotion(su.id)) == 0


def _held_with_absentee(academy, day: int, *, called: bool = False) -> int:
    """A session on December `day` at 10:00: one retailer came, one did not (called afterwards when `called`)."""
    sid = academy.approved(starts_at=cst(12, day, 10), now=BEFORE)
    came, away = (academy.sign_up(sid, r, now=BEFORE) for r in academy.retailers[:2])
    academy.run(academy.coordinator, tr.mark_attendance, sign_up_id=came.id, now=cst(12, day, 10, 5))
    academy.run(academy.coordinator, tr.mark_held, session_id=sid, version=None, now=cst(12, day, 12))
    if called:
        academy.run(academy.coordinator, tr.record_absence_follow_up, sign_up_id=away.id, version=None,
                    reason="临时外出", now=cst(12, day, 15))
    return sid


def test_absentees_to_call_reach_the_coordinators_the_next_working_day(academy):
    # Friday Dec 4's session: the weekend and Monday Dec 7 (a holiday) pass, Tuesday Dec 8 is the next working day;
    # Thursday Dec 10's: Friday Dec 11 is off, Saturday Dec 12 is worked
    _days_off(academy, date(2026, 12, 7), date(2026, 12, 11), make_up=(date(2026, 12, 12),))
    friday = _held_with_absentee(academy, 4)
    _held_with_absentee(academy, 3, called=True)  # everyone called: nothing to do
    times = [cst(12, 4, 20), cst(12, 5, 9), cst(12, 7, 9), cst(12, 8, 8), cst(12, 8, 9), cst(12, 8, 10)]
    assert [_scan(academy, now, "training_absentees") for now in times] == [0, 0, 0, 0, 1, 0]
    [note] = _notes(academy, "training_absentees")
    assert (note.user_id, note.record_id) == (academy.coordinator.id, str(friday))
    assert _rendered(note) == ("“卷烟陈列技巧” (2026-12-04 10:00): 1 absentees to call and ask why they did not come.",
                               "培训“卷烟陈列技巧”（2026-12-04 10:00）：1位缺席客户待电话回访，了解未参加原因。")
    thursday = _held_with_absentee(academy, 10)
    assert [_scan(academy, now, "training_absentees") for now in (cst(12, 11, 9), cst(12, 12, 9))] == [0, 1]
    assert _notes(academy, "training_absentees")[-1].record_id == str(thursday)


def test_an_excused_absentee_is_nobodys_call_to_make(academy):
    from portal.training.check_in_desk import excuse_absence

    sid = academy.approved(starts_at=cst(12, 9, 10), now=BEFORE)  # Wednesday Dec 9
    came, excused = (academy.sign_up(sid, r, now=BEFORE) for r in academy.retailers[:2])
    academy.run(academy.coordinator, excuse_absence, sign_up_id=excused.id, version=None, reason="家里有事",
                now=cst(12, 9, 8))  # they phoned in the morning
    academy.run(academy.coordinator, tr.mark_attendance, sign_up_id=came.id, now=cst(12, 9, 10, 5))
    academy.run(academy.coordinator, tr.mark_held, session_id=sid, version=None, now=cst(12, 9, 12))
    assert _scan(academy, cst(12, 10, 9), "training_absentees") == 0
    assert academy.by_retailer(sid)[academy.retailers[1]].excused is True  # still excused once the session is held


def test_the_monthly_summary_is_due_on_the_first_working_day(academy):
    # January 1, 2027 is a holiday, the 2nd and 3rd a weekend: the summary of December is due Monday the 4th;
    # August 1, 2026 is a Saturday worked: July's summary is due that day
    _days_off(academy, date(2027, 1, 1), make_up=(date(2026, 8, 1),))
    times = [cst(1, 1, 9, year=2027), cst(1, 4, 8, year=2027), cst(1, 4, 9, year=2027), cst(1, 4, 18, year=2027),
             cst(1, 5, 9, year=2027), cst(8, 1, 9)]
    assert [_scan(academy, now, "training_summary_due") for now in times] == [0, 0, 1, 0, 0, 1]
    notes = _notes(academy, "training_summary_due")
    assert [(n.user_id, n.record_id) for n in notes] == [(academy.coordinator.id, "2026-12"),
                                                          (academy.coordinator.id, "2026-07")]
    assert _rendered(notes[0]) == ("The training summary for 2026-12 is due today.",
                                   "2026-12的培训记录汇总表今天到期，请报送。")


def test_nobody_inactive_is_told(academy):
    academy.approved(starts_at=cst(12, 8, 14), now=BEFORE)
    with unit_of_work(engine=academy.engine) as s:
        s.execute(text("update users set active = false where id in (:a, :b)"),
                  {"a": academy.coordinator.id, "b": academy.trainer.id})
    assert _scan(academy, cst(12, 7, 9), "training_session_reminder") == 0
    assert _scan(academy, cst(12, 1, 9), "training_summary_due") == 0

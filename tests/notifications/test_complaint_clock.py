"""The complaint rules on the clock (portal/complaints/notify_clock.py) on hand-made complaints and a fixed clock.

The calendar of these tests: Friday 20 November 2026 is a working day, Monday 23 a holiday, Saturday 28 a make-up
working day. A grade 3 complaint registered on Friday at 15:00 has its first reply due on Tuesday 24 at 15:00 (24
working hours: Friday's last 9, the holiday skipped, Tuesday's first 15) and its resolution on Wednesday 25 at 15:00
(2 working days).
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select, text

from db.engine import get_owner_engine, unit_of_work
from db.models import CalendarDay
from db.notification_models import Notification, NotificationRuleSetting, ScanRun
from portal import complaints as cx
from portal.i18n import set_language
from portal.notifications.inbox import message
from portal.notifications.rules import run_scans
from tests.complaints.support import FRIDAY_3PM, center_fixture, cst  # noqa: F401  (the `center` fixture)

TUESDAY_3PM = cst(11, 24, 15)
WEDNESDAY_3PM = cst(11, 25, 15)


@pytest.fixture
def clock_center(center):
    with unit_of_work(engine=center.engine) as s:
        s.add_all([CalendarDay(day=date(2026, 11, 23), is_working_day=False, name="假日"),
                   CalendarDay(day=date(2026, 11, 28), is_working_day=True, name="调休上班")])
    return center


def scan(center, now) -> dict[str, tuple[int, int]]:
    """Run every scan rule at `now`; the complaint rules' (notices made, rows read)."""
    with unit_of_work(engine=center.engine) as s:
        runs = run_scans(s, now)
        assert [r.error for r in runs.values() if r.error] == []
        return {k: (r.made, r.rows_read) for k, r in runs.items() if k.startswith("complaint_")}


def notes(center, rule: str) -> list[tuple[int, str, str]]:
    """(user, complaint id, occasion) of `rule`'s notices, in order of writing."""
    with unit_of_work(engine=center.engine) as s:
        return [(n.user_id, n.record_id, n.occasion) for n in
                s.scalars(select(Notification).where(Notification.rule == rule).order_by(Notification.id))]


def assigned(center, **kw) -> int:
    cid = center.register(**kw).complaint_id
    now = kw.get("now", FRIDAY_3PM)
    center.run(center.supervisor, cx.assign_complaint, complaint_id=cid, handler_id=center.handler.id,
               now=now + timedelta(minutes=10))
    return cid


def setting(center, rule: str, **kw) -> None:
    with unit_of_work(engine=center.engine) as s:
        s.merge(NotificationRuleSetting(rule=rule, **kw))


def test_the_due_times_skip_the_holiday_and_count_the_make_up_day(clock_center):
    c = clock_center.get(clock_center.register().complaint_id)
    assert (c.first_reply_due_at, c.resolution_due_at) == (TUESDAY_3PM, WEDNESDAY_3PM)
    c = clock_center.get(clock_center.register(now=cst(11, 27, 15)).complaint_id)
    assert c.first_reply_due_at == cst(11, 28, 15)  # the make-up Saturday counts


def test_first_reply_due_within_four_working_hours_tells_owner_and_handler_once(clock_center):
    center = clock_center
    cid = assigned(center)
    assert scan(center, cst(11, 23, 14))["complaint_reply_due"][0] == 0  # the holiday: due is a working day away
    assert scan(center, cst(11, 24, 10, 59))["complaint_reply_due"][0] == 0  # 4 h 01 before
    assert scan(center, cst(11, 24, 11))["complaint_reply_due"] == (2, 1)
    assert sorted(notes(center, "complaint_reply_due")) == sorted(
        [(center.agent.id, str(cid), "reply_due:2026-11-24T15:00"),
         (center.handler.id, str(cid), "reply_due:2026-11-24T15:00")])
    for later in (cst(11, 24, 11), cst(11, 24, 14, 59), TUESDAY_3PM):  # the same due time: nobody told again
        assert scan(center, later)["complaint_reply_due"][0] == 0
    assert len(notes(center, "complaint_reply_due")) == 2
    with unit_of_work(engine=center.engine) as s:
        note = s.scalar(select(Notification).where(Notification.rule == "complaint_reply_due"))
        ref = center.get(cid).reference
        try:
            set_language("en")
            assert message(note) == f"The first reply to complaint {ref} is due by 2026-11-24 15:00"
            set_language("zh_CN")
            assert message(note) == f"投诉 {ref} 须在 2026-11-24 15:00 前首次答复"
        finally:
            set_language("en")


def test_a_make_up_saturday_is_a_working_day_for_the_clock(clock_center):
    center = clock_center
    cid = assigned(center, now=cst(11, 27, 15))  # first reply due Saturday 28 at 15:00
    assert scan(center, cst(11, 28, 11))["complaint_reply_due"][0] == 2
    assert scan(center, cst(11, 28, 15, 1))["complaint_overdue"][0] == 3  # handler, both supervisors
    assert scan(center, cst(11, 30, 14, 59))["complaint_escalation"][0] == 0  # Sunday is not a working day
    assert scan(center, cst(11, 30, 15))["complaint_escalation"][0] == 2
    assert {n[2] for n in notes(center, "complaint_escalation")} == {"escalation_reply:2026-11-28T15:00"}
    assert {n[1] for n in notes(center, "complaint_escalation")} == {str(cid)}


def test_answered_paused_or_closed_complaints_are_not_nagged(clock_center):
    center = clock_center
    replied = assigned(center)
    center.run(center.agent, cx.record_interim_reply, complaint_id=replied, text="已受理,正在核实。", method="phone",
               now=FRIDAY_3PM + timedelta(hours=1))
    paused = assigned(center)
    center.run(center.handler, cx.pause_sla, complaint_id=paused, reason="等投诉人提供照片", now=cst(11, 24, 10))
    invalid = center.register().complaint_id
    center.run(center.supervisor, cx.mark_invalid, complaint_id=invalid, reason="重复来电", now=FRIDAY_3PM)
    made, read = scan(center, cst(11, 24, 11))["complaint_reply_due"]
    assert (made, read) == (0, 1)  # the paused one was read from the index and left out; the others are not in it
    assert scan(center, cst(11, 24, 16))["complaint_overdue"][0] == 0
    # resumed two working hours later: the due time moved to 17:00, a new occasion
    center.run(center.handler, cx.resume_sla, complaint_id=paused, now=cst(11, 24, 12))
    assert center.get(paused).first_reply_due_at == cst(11, 24, 17)
    assert scan(center, cst(11, 24, 13))["complaint_reply_due"][0] == 2
    assert notes(center, "complaint_reply_due")[0][1:] == (str(paused), "reply_due:2026-11-24T17:00")
    # the answered one still has its resolution clock running
    assert {n[1] for n in notes(center, "complaint_resolution_due")} == set()
    scan(center, cst(11, 25, 13))  # due Wednesday at 15:00, and the resumed one at 17:00
    assert {n[1] for n in notes(center, "complaint_resolution_due")} == {str(replied), str(paused)}
    assert {n[0] for n in notes(center, "complaint_resolution_due")} == {center.handler.id}


def test_overdue_tells_the_handler_and_the_supervisor_of_their_department_per_clock(clock_center, make_user):
    center = clock_center
    logistics_supervisor = make_user("supervisor", department="logistics", name="冯军")
    cid = assigned(center)
    unassigned = center.register().complaint_id  # no handler: every supervisor
    assert scan(center, TUESDAY_3PM)["complaint_overdue"][0] == 0  # due this minute is not overdue yet
    assert scan(center, TUESDAY_3PM + timedelta(minutes=1))["complaint_overdue"] == (5, 2)
    everyone = [center.supervisor.id, center.supervisor2.id, logistics_supervisor.id]
    assert sorted(notes(center, "complaint_overdue")) == sorted(
        [(center.handler.id, str(cid), "overdue_reply:2026-11-24T15:00"),
         (logistics_supervisor.id, str(cid), "overdue_reply:2026-11-24T15:00")]
        + [(user, str(unassigned), "overdue_reply:2026-11-24T15:00") for user in everyone])
    # the resolution clock's own due time is another occasion
    assert scan(center, WEDNESDAY_3PM + timedelta(minutes=1))["complaint_overdue"][0] == 5
    assert scan(center, WEDNESDAY_3PM + timedelta(minutes=2))["complaint_overdue"][0] == 0
    with unit_of_work(engine=center.engine) as s:
        note = s.scalar(select(Notification).where(Notification.rule == "complaint_overdue",
                                                   Notification.occasion.startswith("overdue_resolution"),
                                                   Notification.user_id == center.handler.id))
        try:
            set_language("zh_CN")
            assert message(note) == f"投诉 {center.get(cid).reference} 已逾期：办结时限为 2026-11-25 15:00"
        finally:
            set_language("en")


def test_escalation_a_further_working_day_later_tells_every_supervisor(clock_center):
    center = clock_center
    cid = assigned(center)  # first reply due Tuesday 15:00 -> escalated Wednesday 15:00
    assert scan(center, WEDNESDAY_3PM - timedelta(minutes=1))["complaint_escalation"][0] == 0
    assert scan(center, WEDNESDAY_3PM)["complaint_escalation"] == (2, 1)
    assert scan(center, WEDNESDAY_3PM + timedelta(hours=1))["complaint_escalation"][0] == 0
    assert sorted(n[0] for n in notes(center, "complaint_escalation")) == sorted([center.supervisor.id,
                                                                                  center.supervisor2.id])
    with unit_of_work(engine=center.engine) as s:
        note = s.scalar(select(Notification).where(Notification.rule == "complaint_escalation").limit(1))
        set_language("en")
        assert message(note) == (f"Escalation: complaint {center.get(cid).reference} is still overdue; its first "
                                 "reply was due by 2026-11-24 15:00 (handler: 孙浩)")
    # answered after all: its resolution clock is never escalated
    center.run(center.handler, cx.start_progress, complaint_id=cid, now=cst(11, 25, 16))
    center.run(center.handler, cx.record_investigation, complaint_id=cid, verification_result="属实",
               now=cst(11, 25, 16))
    center.run(center.handler, cx.reply_to_complainant, complaint_id=cid, text="已补送。", method="phone",
               now=cst(11, 25, 17))
    assert scan(center, cst(11, 26, 15, 30))["complaint_escalation"][0] == 0


def test_a_worker_back_after_a_weekend_still_tells_but_not_of_old_dues(clock_center):
    center = clock_center
    assigned(center, now=cst(11, 13, 15))  # first reply due Monday 16 at 15:00: long overdue by Friday 20 evening
    recent = assigned(center, now=cst(11, 19, 15))  # due Friday 20 at 15:00
    # the worker was stopped from Friday 14:00 to Tuesday 01:00 (a weekend and the holiday)
    assert scan(center, cst(11, 24, 1))["complaint_overdue"][0] == 3
    assert {n[1] for n in notes(center, "complaint_overdue")} == {str(recent)}


def test_settings_turn_a_rule_off_change_who_and_the_lead_time(clock_center):
    center = clock_center
    assigned(center)
    setting(center, "complaint_reply_due", enabled=False)
    setting(center, "complaint_overdue", audiences=["owner"])
    assert "complaint_reply_due" not in scan(center, cst(11, 24, 11))
    setting(center, "complaint_reply_due", enabled=True, audiences=["handler"], lead_minutes=60)
    assert scan(center, cst(11, 24, 11))["complaint_reply_due"][0] == 0  # 4 h ahead: beyond a 1-hour lead
    assert scan(center, cst(11, 24, 14))["complaint_reply_due"][0] == 1
    assert [n[0] for n in notes(center, "complaint_reply_due")] == [center.handler.id]
    setting(center, "complaint_escalation", lead_minutes=120)  # two working hours after the due time
    assert scan(center, TUESDAY_3PM + timedelta(hours=2) - timedelta(minutes=1))["complaint_escalation"][0] == 0
    assert scan(center, TUESDAY_3PM + timedelta(hours=2))["complaint_escalation"][0] == 2
    assert [n[0] for n in notes(center, "complaint_overdue")] == [center.agent.id]


def test_follow_up_due_a_working_day_after_the_answer_tells_the_owner(clock_center):
    center = clock_center
    cid = center.register().complaint_id
    center.advance(cid, "replied")  # answered on Friday at 18:00 -> follow-up due Tuesday at 18:00
    done = center.register().complaint_id
    center.advance(done, "followed_up")
    assert center.get(cid).replied_at == cst(11, 20, 18)
    assert scan(center, cst(11, 24, 17, 59))["complaint_follow_up_due"][0] == 0
    assert scan(center, cst(11, 24, 18))["complaint_follow_up_due"] == (1, 1)
    assert scan(center, cst(11, 24, 19))["complaint_follow_up_due"][0] == 0
    assert notes(center, "complaint_follow_up_due") == [(center.agent.id, str(cid), "follow_up:2026-11-20T18:00")]
    setting(center, "complaint_follow_up_due", audiences=["owner_department"], lead_minutes=0)
    center.run(center.agent, cx.record_follow_up, complaint_id=cid, level=2, method="phone",
               satisfaction="dissatisfied", now=cst(11, 24, 19))  # reopened, answered again: a new follow-up
    center.advance(cid, "replied", start=cst(11, 25, 9))
    scan(center, cst(11, 25, 11))
    assert sorted(n[0] for n in notes(center, "complaint_follow_up_due")[1:]) == sorted([center.agent.id,
                                                                                       center.colleague.id])


def test_the_scans_read_their_rows_from_the_partial_indexes(clock_center):
    """With sequential scans off, each scan query's plan uses the index made for it (its conditions match the
    index's predicate, so the planner may use it on a million rows)."""
    center = clock_center
    assigned(center)
    statements: list[tuple[str, dict]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM complaints" in statement:
            statements.append((statement, parameters))

    event.listen(center.engine, "before_cursor_execute", keep)
    try:
        scan(center, cst(11, 26, 12))
    finally:
        event.remove(center.engine, "before_cursor_execute", keep)
    used = set()
    with get_owner_engine().connect() as conn:  # (the owner may drop indexes; the transaction is rolled back)
        # Only the question "can the planner use the index made for this scan?" is asked: the other indexes on
        # complaints (state, due times) are dropped inside this transaction, which is rolled back. On a near-empty
        # table the choice between a partial index and a plain one on the same column is otherwise a coin toss.
        partial = ("ix_complaints_reply_clock", "ix_complaints_resolution_clock", "ix_complaints_awaiting_follow_up")
        for name in conn.scalars(text(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'complaints' AND indexname <> ALL(:keep) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'complaints'::regclass)"),
                {"keep": list(partial)}).all():
            conn.execute(text(f'DROP INDEX "{name}"'))
        conn.execute(text("set enable_seqscan = off"))
        for statement, parameters in statements:
            plan = "\n".join(conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars())
            used |= {name for name in partial if name in plan}
            assert "Seq Scan on complaints" not in plan, plan
    assert used == {"ix_complaints_reply_clock", "ix_complaints_resolution_clock", "ix_complaints_awaiting_follow_up"}
    with unit_of_work(engine=center.engine) as s:
        # on Thursday at noon: the resolution due on Wednesday at 15:00 is within the overdue scan's working day
        assert s.get(ScanRun, "complaint_overdue").rows_read == 1

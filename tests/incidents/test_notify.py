"""The incident rules of the notifications worker (portal/incidents/notify.py) on hand-made data with a fixed clock: a
major incident reaches its commander and every emergency coordinator at once, a new commander and an action's owner
are told, an action due and a quiet major incident are reminded once per occasion, and an admin's settings hold."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, text

from db.engine import unit_of_work
from db.incident_models import FollowUpAction
from db.notification_models import Notification, NotificationRuleSetting, ScanRun
from portal import incidents as ix
from portal.center.sla import CENTER_TZ
from portal.i18n import set_language
from portal.notifications.inbox import link_target, message
from portal.notifications.rules import run_scans
from tests.incidents.support import NOW, command_fixture  # noqa: F401  (the `command` fixture)
from tests.notifications import conftest as notifications

queue = notifications.queue  # the fixture: an empty job queue of these tests' own
TITLE = "城东区暴雨,部分线路积水"  # what command.open calls it
FIX = "排查城东-01线路排水,更换积水路段"


def _notes(command, rule: str) -> list[Notification]:
    with unit_of_work(engine=command.engine) as s:
        return list(s.scalars(select(Notification).where(Notification.rule == rule).order_by(Notification.id)))


def _scan(command, now: datetime, rule: str) -> int:
    """Run every scan at `now`; how many notices `rule` made (it ran without an error)."""
    with unit_of_work(engine=command.engine) as s:
        runs = run_scans(s, now)
        if rule not in runs:
            return -1  # switched off
        assert runs[rule].error is None, runs[rule].error
        return runs[rule].made


def _rows_read(command, rule: str) -> int:
    """What the rule's last scan read."""
    with unit_of_work(engine=command.engine) as s:
        return s.get(ScanRun, rule).rows_read


def _setting(command, rule: str, **values) -> None:
    with unit_of_work(engine=command.engine) as s:
        s.merge(NotificationRuleSetting(rule=rule, **values))


def _rendered(note: Notification) -> tuple[str, str]:
    try:
        set_language("zh_CN")
        zh = message(note)
        set_language("en")
        return message(note), zh
    finally:
        set_language("en")


def _major(command, severity: int = 1, **kw):
    return command.open(severity=severity, commander_id=command.deputy.id, **kw)


def test_a_major_incident_reaches_its_commander_and_every_emergency_coordinator_at_once(command, make_user, queue):
    third = make_user("emergency_coordinator", department="logistics", name="钱坤", language="en")
    incident = _major(command)  # opened by 黄伟 (told nobody: it was him), commanded by 孙浩
    command.open(severity=3)  # not major: nobody
    queue.work()
    notes = _notes(command, "incident_major")
    assert sorted(n.user_id for n in notes) == sorted([command.deputy.id, third.id])
    assert all(n.urgent and n.record_id == str(incident.id) for n in notes)
    assert link_target(notes[0]) == ("pages/incident.py", {"id": str(incident.id)})
    assert _rendered(notes[0]) == (f"Incident {incident.reference} opened at severity 1 (critical): {TITLE}",
                                   f"应急事件 {incident.reference} 登记为Ⅰ级（特别重大）：{TITLE}")
    assert queue.jobs() == []


def test_raising_an_incident_to_major_tells_them_and_lowering_it_does_not(command, queue):
    incident = command.open(severity=3)
    made = []
    for severity in (2, 1, 2, 4):  # the commander is named with the first raise
        command.run(command.coordinator, ix.change_severity, incident_id=incident.id, severity=severity,
                    commander_id=None if made else command.deputy.id, now=NOW)
        queue.work()
        made.append(len(_notes(command, "incident_major")) - sum(made))
    assert made == [1, 1, 0, 0]  # 孙浩 (黄伟 raised it: not told)
    texts = [_rendered(n)[0] for n in _notes(command, "incident_major") if n.user_id == command.deputy.id]
    assert texts == [f"Incident {incident.reference} raised to severity 2 (serious): {TITLE}",
                     f"Incident {incident.reference} raised to severity 1 (critical): {TITLE}"]


def test_a_new_commander_is_told_unless_they_took_it_themselves(command, make_user, queue):
    third = make_user("emergency_coordinator", department="logistics", name="钱坤", language="en")
    incident = _major(command, severity=2)
    queue.work()
    command.run(command.coordinator, ix.set_commander, incident_id=incident.id, commander_id=third.id, now=NOW)
    command.run(command.deputy, ix.set_commander, incident_id=incident.id, commander_id=command.deputy.id, now=NOW)
    minor = command.open(severity=4)
    command.run(command.deputy, ix.set_commander, incident_id=minor.id, commander_id=third.id, now=NOW)
    queue.work()
    notes = _notes(command, "incident_commander")
    assert [(n.user_id, n.record_id, n.urgent) for n in notes] == [(third.id, str(incident.id), True),
                                                                    (third.id, str(minor.id), False)]
    assert _rendered(notes[0])[1] == f"您已担任应急事件 {incident.reference} 的总指挥：{TITLE}"


def test_an_action_reaches_its_owner(command, queue):
    incident = command.open()
    command.run(command.coordinator, ix.add_action, incident_id=incident.id, text=FIX, owner_id=command.agent.id,
                due_date=date(2026, 7, 20), now=NOW)
    command.run(command.coordinator, ix.add_action, incident_id=incident.id, text="复盘",
                owner_id=command.coordinator.id, due_date=date(2026, 7, 21), now=NOW)  # their own: nobody told
    queue.work()
    [note] = _notes(command, "incident_action_assigned")
    assert (note.user_id, note.urgent) == (command.agent.id, False)
    assert link_target(note) == ("pages/incident.py", {"id": str(incident.id)})
    assert _rendered(note) == (
        f"A follow-up action of incident {incident.reference} is yours, due 2026-07-20: {FIX}",
        f"应急事件 {incident.reference} 有一项整改措施由您负责，完成期限为2026-07-20：{FIX}")


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 7, day, hour, minute, tzinfo=CENTER_TZ)


def _action(command, incident_id: int, due: date, owner=None) -> int:
    return command.run(command.coordinator, ix.add_action, incident_id=incident_id, text="更换积水路段",
                       owner_id=(owner or command.agent).id, due_date=due, now=NOW).id


def test_an_action_due_is_reminded_the_morning_before_once_per_due_date(command):
    incident = command.open(started_at=_at(1, 8))
    due = _action(command, incident.id, date(2026, 7, 20))
    done = _action(command, incident.id, date(2026, 7, 20), owner=command.deputy)
    command.run(command.deputy, ix.complete_action, action_id=done, now=NOW)
    _action(command, incident.id, date(2026, 7, 8))  # overdue for over a week when first seen: not reminded
    times = [_at(19, 8), _at(19, 8, 30), _at(19, 12), _at(21, 9)]
    assert [_scan(command, now, "incident_action_due") for now in times] == [0, 1, 0, 0]
    assert _rows_read(command, "incident_action_due") == 1  # the due one alone: not the done, not the long overdue
    [note] = _notes(command, "incident_action_due")
    assert (note.user_id, note.record_id, note.occasion) == (command.agent.id, str(due), "due:2026-07-20")
    assert _rendered(note)[1] == f"应急事件 {incident.reference} 的整改措施到期日为2026-07-20：更换积水路段"
    with unit_of_work(engine=command.engine) as s:  # put off: a new due date is reminded again
        s.get(FollowUpAction, due).due_date = date(2026, 7, 24)
    assert [_scan(command, now, "incident_action_due") for now in (_at(23, 8), _at(23, 9))] == [0, 1]


def test_an_actions_reminder_follows_the_lead_time_and_the_switch(command):
    incident = command.open()
    _action(command, incident.id, date(2026, 7, 20))
    _setting(command, "incident_action_due", lead_minutes=0)  # the morning of the due day itself
    assert [_scan(command, now, "incident_action_due") for now in (_at(19, 9), _at(20, 8, 30))] == [0, 1]
    _action(command, incident.id, date(2026, 7, 22))
    _setting(command, "incident_action_due", enabled=False)
    assert _scan(command, _at(22, 9), "incident_action_due") == -1
    _setting(command, "incident_action_due", enabled=True, audiences=[])  # nobody chosen: nobody told
    assert _scan(command, _at(22, 9), "incident_action_due") == 0


def test_a_quiet_major_incident_tells_its_commander_the_next_update_is_due_once_per_stretch(command):
    incident = _major(command, severity=2)  # its opening entry is recorded at NOW
    quiet = command.open(severity=3)  # not major: never reminded
    times = [NOW + timedelta(minutes=29), NOW + timedelta(minutes=30), NOW + timedelta(minutes=45)]
    assert [_scan(command, now, "incident_update_due") for now in times] == [0, 1, 0]
    assert _rows_read(command, "incident_update_due") == 2  # the one active major incident and its last entry
    command.run(command.coordinator, ix.add_entry, incident_id=incident.id, text="两台抽水泵已到达城东-01",
                now=NOW + timedelta(minutes=50))
    times = [NOW + timedelta(minutes=79), NOW + timedelta(minutes=80), NOW + timedelta(minutes=95)]
    assert [_scan(command, now, "incident_update_due") for now in times] == [0, 1, 0]
    notes = _notes(command, "incident_update_due")
    assert {(n.user_id, n.record_id, n.urgent) for n in notes} == {(command.deputy.id, str(incident.id), True)}
    assert str(quiet.id) not in {n.record_id for n in notes}
    assert _rendered(notes[1]) == (
        f"Incident {incident.reference}: the next update is due, no timeline entry since 2026-07-14 10:20.",
        f"应急事件 {incident.reference}：应更新进展，自2026-07-14 10:20起时间线无新记录。")
    command.fill_group(incident.id, now=NOW + timedelta(hours=2))
    command.run(command.coordinator, ix.change_status, incident_id=incident.id, status="resolved",
                resolution="积水已排除,恢复送货", resolved_at=NOW + timedelta(hours=2), now=NOW + timedelta(hours=2))
    assert _scan(command, NOW + timedelta(hours=5), "incident_update_due") == 0  # resolved: no more updates due


def test_the_update_interval_is_the_admins_lead_time(command):
    _major(command)
    _setting(command, "incident_update_due", lead_minutes=60)
    times = [NOW + timedelta(minutes=30), NOW + timedelta(minutes=59), NOW + timedelta(minutes=60)]
    assert [_scan(command, now, "incident_update_due") for now in times] == [0, 0, 1]
    with unit_of_work(engine=command.engine) as s:
        s.execute(text("update users set active = false where id = :u"), {"u": command.deputy.id})
    command.run(command.coordinator, ix.add_entry, incident_id=int(_notes(command, "incident_update_due")[0].record_id),
                text="现场已处置", now=NOW + timedelta(minutes=61))
    assert _scan(command, NOW + timedelta(hours=3), "incident_update_due") == 0  # its commander left: nobody

"""The command group from the plan (组长, 副组长, 总指挥, members), the checklists per incident type, and the
supervision center's review: who may do each, what the timeline says, and who is paged."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from db.engine import unit_of_work
from db.incident_models import INCIDENT_TYPES, Incident
from portal import incidents as ix
from portal.access.auth import PermissionDenied
from portal.errors import STALE, InputError
from portal.i18n import set_language
from tests.incidents.support import NOW, Command, command_fixture  # noqa: F401  (the `command` fixture)
from tests.incidents.test_notify import _notes, _rendered, queue  # noqa: F401  (the `queue` fixture)


def _field(exc) -> str:
    return exc.value.field


def _major(command: Command):
    return command.open(severity=2, commander_id=command.coordinator.id, title="全区订货系统瘫痪",
                        type="system_failure", scope="district_wide")


def _name(command: Command, incident_id: int, user, position: str, actor=None):
    return command.run(actor or command.coordinator, ix.name_to_group, incident_id=incident_id, user_id=user.id,
                       position=position, now=NOW)


def _shown(command: Command, incident_id: int, kind: str, language: str = "en") -> list[str]:
    set_language(language)
    try:
        return [e.text for e in command.run(command.viewer, ix.timeline, incident_id=incident_id) if e.kind == kind]
    finally:
        set_language("en")


def test_a_major_incident_moves_past_open_only_with_its_command_group_filled(command: Command):
    incident = _major(command)
    move = dict(incident_id=incident.id, status="responding", now=NOW)
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.change_status, **move)
    assert _field(exc) == "command_group"
    assert "Still missing: Group leader, Deputy group leader, Member." in str(exc.value)
    set_language("zh_CN")
    try:
        with pytest.raises(InputError) as exc:
            command.run(command.coordinator, ix.change_status, **move)
        assert "尚缺：组长、副组长、成员。" in str(exc.value)
    finally:
        set_language("en")
    _name(command, incident.id, command.supervisor, "leader")
    _name(command, incident.id, command.deputy, "deputy_leader")
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.change_status, **move)
    assert "Still missing: Member." in str(exc.value)
    _name(command, incident.id, command.agent, "member")
    assert command.run(command.coordinator, ix.change_status, **move).status == "responding"
    # a local incident (severity 3–4) needs no group
    local = command.open()
    assert command.run(command.coordinator, ix.change_status, incident_id=local.id, status="responding").status \
        == "responding"


def test_the_group_lists_leader_deputy_commander_then_members_with_their_departments(command: Command):
    incident = _major(command)
    _name(command, incident.id, command.agent, "member")
    _name(command, incident.id, command.deputy, "deputy_leader")
    _name(command, incident.id, command.supervisor, "leader")
    group = command.run(command.viewer, ix.command_group, incident_id=incident.id)
    assert [(m.position, m.name, m.department) for m in group] == [
        ("leader", "张华", "Customer service"), ("deputy_leader", "孙浩", "Logistics / delivery center"),
        ("commander", "黄伟", "Security"), ("member", "王丽", "Customer service")]
    assert command.run(command.viewer, ix.command_groups, incident_ids=[incident.id, command.open().id]) \
        .keys() == {incident.id, incident.id + 1}


def test_a_new_leader_replaces_the_last_and_the_timeline_says_so_in_the_readers_language(command: Command):
    incident = _major(command)
    _name(command, incident.id, command.supervisor, "leader")
    _name(command, incident.id, command.deputy, "leader")
    group = command.run(command.viewer, ix.command_group, incident_id=incident.id)
    assert [(m.position, m.name) for m in group if m.position == "leader"] == [("leader", "孙浩")]
    assert "张华" not in {m.name for m in group}
    assert _shown(command, incident.id, "command_group") == [
        "Command group: 张华 named Group leader.", "Command group: 孙浩 named Group leader (replaces 张华)."]
    assert _shown(command, incident.id, "command_group", "zh_CN")[1] == "指挥小组：任命孙浩为组长（接替张华）。"
    with pytest.raises(InputError) as exc:
        _name(command, incident.id, command.deputy, "leader")
    assert _field(exc) == "user_id" and "already holds" in str(exc.value)


def test_a_major_incident_under_way_keeps_its_group_filled(command: Command):
    incident = _major(command)
    command.fill_group(incident.id)
    command.run(command.coordinator, ix.change_status, incident_id=incident.id, status="responding", now=NOW)
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.remove_from_group, incident_id=incident.id, user_id=command.agent.id)
    assert _field(exc) == "user_id" and "name someone else" in str(exc.value)
    assert "王丽" in {m.name for m in command.run(command.viewer, ix.command_group, incident_id=incident.id)}
    _name(command, incident.id, command.viewer, "member")  # a second member: now one may stand down
    command.run(command.coordinator, ix.remove_from_group, incident_id=incident.id, user_id=command.agent.id, now=NOW)
    assert _shown(command, incident.id, "command_group")[-1] == "Command group: 王丽 (Member) stood down."


def test_only_coordinators_name_the_group(command: Command):
    incident = _major(command)
    for outsider in (command.supervisor, command.viewer, command.reviewer):
        with pytest.raises(PermissionDenied):
            _name(command, incident.id, command.agent, "member", actor=outsider)


def test_whoever_is_named_is_paged_urgently_while_the_incident_is_major(command: Command, queue):  # noqa: F811
    incident = _major(command)
    _name(command, incident.id, command.supervisor, "leader")
    _name(command, incident.id, command.coordinator, "member")  # named himself: nobody told
    local = command.open()
    _name(command, local.id, command.deputy, "member")
    queue.work()
    notes = _notes(command, "incident_command_named")
    assert [(n.user_id, n.record_id, n.urgent) for n in notes] == [
        (command.supervisor.id, str(incident.id), True), (command.deputy.id, str(local.id), False)]
    assert _rendered(notes[0]) == (
        f"You are the command group's leader (组长) for incident {incident.reference}: 全区订货系统瘫痪",
        f"您已被任命为应急事件 {incident.reference} 指挥小组组长：全区订货系统瘫痪")


def test_every_incident_type_has_a_checklist_from_the_plan():
    assert set(ix.CHECKLISTS) == set(INCIDENT_TYPES)
    codes = {t: [i.code for i in items] for t, items in ix.CHECKLISTS.items()}
    assert {"phone_ordering", "cash_settlement"} <= set(codes["system_failure"])
    assert "backup_vehicle" in codes["vehicle_breakdown"]
    assert {"cash_settlement", "key_customer_top_up"} <= set(codes["severe_weather"])
    assert all(len(set(c)) == len(c) for c in codes.values())


def test_ticking_an_item_lands_on_the_timeline_with_who_and_when(command: Command):
    incident = command.open(type="system_failure", title="订货系统故障", affected_steps=["ordering", "settlement"])
    rows = command.run(command.viewer, ix.checklist, incident_id=incident.id, incident_type="system_failure")
    assert [r.item.code for r in rows] == [i.code for i in ix.CHECKLISTS["system_failure"]]
    assert not any(r.done for r in rows)
    later = NOW + timedelta(minutes=5)
    command.run(command.deputy, ix.tick_item, incident_id=incident.id, item="cash_settlement", now=later)
    row = next(r for r in command.run(command.viewer, ix.checklist, incident_id=incident.id,
                                      incident_type="system_failure") if r.item.code == "cash_settlement")
    assert (row.done, row.ticked_by, row.ticked_at) == (True, "孙浩", later)
    entry = command.entries(incident.id)[-1]
    assert (entry.kind, entry.author_id, entry.happened_at, entry.data) == (
        "checklist", command.deputy.id, later, {"item": "cash_settlement", "done": True})
    assert _shown(command, incident.id, "checklist", "zh_CN") == [
        "处置清单：✓ 订货当天无法到银行存款的客户：临时改为现金结算"]
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.tick_item, incident_id=incident.id, item="cash_settlement")
    assert "孙浩 ticked this item already" in str(exc.value)
    command.run(command.coordinator, ix.tick_item, incident_id=incident.id, item="cash_settlement", done=False)
    assert _shown(command, incident.id, "checklist")[-1].startswith("Checklist: unticked Retailers who cannot pay")
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.tick_item, incident_id=incident.id, item="backup_vehicle")  # not its type
    assert _field(exc) == "item"
    with pytest.raises(PermissionDenied):
        command.run(command.viewer, ix.tick_item, incident_id=incident.id, item="phone_ordering")


def _resolved(command: Command):
    incident = command.open()
    command.run(command.coordinator, ix.change_status, incident_id=incident.id, status="resolved",
                resolution="积水已退,恢复送货", now=NOW)
    return incident


def test_the_review_is_recorded_by_a_reviewer_under_their_own_name_and_time(command: Command):
    incident = _resolved(command)
    reviewed = command.review(incident.id, "处置及时,通知到位")
    assert (reviewed.review_note, reviewed.reviewed_by_id, reviewed.reviewed_at) == (
        "处置及时,通知到位", command.reviewer.id, NOW)
    entry = command.entries(incident.id)[-1]
    assert (entry.kind, entry.author_id) == ("review", command.reviewer.id)
    assert _shown(command, incident.id, "review", "zh_CN") == ["督察评审：处置及时,通知到位"]
    with unit_of_work(engine=command.engine) as s:
        assert ix.reviewer_name(s, s.get(Incident, incident.id)) == "郑琳"


def test_a_close_from_a_screen_read_before_the_review_names_the_reviewer(command: Command):
    incident = _resolved(command)
    seen = command.get(incident.id).version
    command.review(incident.id)
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.change_status, incident_id=incident.id, version=seen, status="closed",
                    root_cause="暴雨", now=NOW)
    assert _field(exc) == STALE and "郑琳 changed incident" in str(exc.value)


def test_a_coordinator_cannot_record_the_review(command: Command):
    incident = _resolved(command)
    for who in (command.coordinator, command.deputy, command.supervisor, command.viewer):
        with pytest.raises(PermissionDenied):
            command.run(who, ix.record_review, incident_id=incident.id, note="同意结案")
    assert command.get(incident.id).reviewed_at is None


def test_the_review_is_independent_and_comes_after_the_resolution(command: Command, make_user):
    open_one = command.open()
    with pytest.raises(InputError) as exc:
        command.review(open_one.id)
    assert "once it is resolved" in str(exc.value)
    # a reviewer who also commands incidents does not review their own
    both = make_user("emergency_coordinator", "reviewer", department="supervision", name="钱坤")
    own = command.open(actor=both, commander_id=both.id)
    command.run(both, ix.change_status, incident_id=own.id, status="resolved", resolution="已处理", now=NOW)
    with pytest.raises(InputError) as exc:
        command.run(both, ix.record_review, incident_id=own.id, note="自评")
    assert "independent" in str(exc.value)
    with unit_of_work(engine=command.engine) as s:
        assert not ix.may_review(both, s.get(Incident, own.id))
        assert ix.may_review(command.reviewer, s.get(Incident, own.id))


def test_reopening_a_resolved_incident_drops_its_review_and_closing_needs_a_new_one(command: Command):
    incident = _resolved(command)
    command.review(incident.id)
    command.run(command.coordinator, ix.change_status, incident_id=incident.id, status="responding", now=NOW)
    assert command.get(incident.id).reviewed_at is None
    command.run(command.coordinator, ix.change_status, incident_id=incident.id, status="resolved",
                resolution="再次处置完毕", now=NOW)
    command.run(command.coordinator, ix.add_action, incident_id=incident.id, text="复盘", owner_id=command.deputy.id,
                due_date=date(2026, 7, 31), now=NOW)
    close = dict(incident_id=incident.id, status="closed", root_cause="暴雨", now=NOW)
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.change_status, **close)
    assert _field(exc) == "review_note"
    command.review(incident.id, "二次处置到位")
    closed = command.run(command.coordinator, ix.change_status, close_with_open_actions=True, **close)
    assert (closed.status, closed.review_note) == ("closed", "二次处置到位")


def test_the_command_group_and_checklist_are_kept_in_the_audit_log(command: Command):
    from db.models import AuditLog

    incident = _major(command)
    _name(command, incident.id, command.agent, "member")
    command.run(command.coordinator, ix.tick_item, incident_id=incident.id, item="phone_ordering", now=NOW)
    with unit_of_work(engine=command.engine) as s:
        tables = set(s.scalars(select(AuditLog.table_name).where(
            AuditLog.table_name.in_(("incident_command_members", "incident_checklist_ticks")))))
    assert tables == {"incident_command_members", "incident_checklist_ticks"}

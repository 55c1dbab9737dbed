"""The incident log: opening in one step, append-only entries, status / severity / commander rules, races."""
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from db.engine import unit_of_work
from portal import incidents as ix
from portal.access.auth import PermissionDenied
from portal.errors import STALE, InputError
from tests.incidents.support import NOW, STARTED, Command, command_fixture  # noqa: F401  (the fixture)


def _field(exc_info) -> str:
    return exc_info.value.field


def test_an_incident_opens_with_type_severity_and_title_alone(command: Command):
    incident = command.run(command.coordinator, ix.open_incident, type="system_failure", severity=4,
                           title="订货系统登录缓慢", now=NOW)
    assert incident.reference == f"YJ-2026-{incident.id:04d}" and incident.status == "open"
    assert incident.started_at == NOW and incident.opened_by_id == command.coordinator.id
    [opened] = command.entries(incident.id)
    assert (opened.kind, opened.data["to"], opened.author_id) == ("status_change", "open", command.coordinator.id)


def test_a_major_incident_needs_a_commander_from_the_coordinators(command: Command):
    with pytest.raises(InputError) as exc:
        command.open(severity=2)
    assert _field(exc) == "commander_id" and "major" in str(exc.value)
    with pytest.raises(InputError) as exc:
        command.open(severity=1, commander_id=command.supervisor.id)
    assert _field(exc) == "commander_id" and "emergency coordinator" in str(exc.value)
    assert command.open(severity=2, commander_id=command.deputy.id).commander_id == command.deputy.id


@pytest.mark.parametrize("change, field", [
    ({"title": "  "}, "title"),
    ({"type": "earthquake"}, "type"),
    ({"severity": 5}, "severity"),
    ({"started_at": NOW + timedelta(hours=2)}, "started_at"),
    ({"detected_at": STARTED - timedelta(minutes=5)}, "detected_at"),
    ({"detected_at": STARTED + timedelta(minutes=20), "reported_at": STARTED + timedelta(minutes=10)},
     "reported_at"),
    ({"affected_steps": ["delivery", "marketing"]}, "affected_steps"),
    ({"affected_retailers_estimate": -3}, "affected_retailers_estimate"),
    ({"retailer_ids": [999_999]}, "retailer_ids"),
])
def test_bad_input_names_the_field(command: Command, change, field):
    with pytest.raises(InputError) as exc:
        command.open(**change)
    assert _field(exc) == field


def test_only_emergency_coordinators_run_incidents_but_everyone_sees_them(command: Command):
    incident = command.open()
    for outsider in (command.supervisor, command.agent, command.viewer):
        with pytest.raises(PermissionDenied):
            command.open(actor=outsider)
        with pytest.raises(PermissionDenied):
            command.run(outsider, ix.add_entry, incident_id=incident.id, text="看到了")
        with pytest.raises(PermissionDenied):
            command.run(outsider, ix.change_status, incident_id=incident.id, status="responding")
    assert [row.id for row in command.run(command.viewer, ix.board, now=NOW)] == [incident.id]


def test_the_call_list_sets_the_estimate_when_none_is_given(command: Command):
    incident = command.open(retailer_ids=command.retailers[:3])
    assert incident.affected_retailers_estimate == 3


def test_a_correction_is_a_new_entry_pointing_at_the_one_it_corrects(command: Command):
    incident = command.open()
    wrong = command.run(command.coordinator, ix.add_entry, incident_id=incident.id, text="城东-03 积水",
                        kind="update", happened_at=STARTED + timedelta(minutes=20), now=NOW)
    fix = command.run(command.deputy, ix.add_entry, incident_id=incident.id, text="更正:积水的是城东-02,不是城东-03",
                      corrects_entry_id=wrong.id, now=NOW + timedelta(minutes=1))
    view = command.run(command.viewer, ix.incident_view, incident_id=incident.id)
    shown = {e.id: e for e in view.timeline}
    assert shown[wrong.id].text == "城东-03 积水" and shown[wrong.id].corrected_by == (fix.id,)
    assert shown[fix.id].corrects_entry_id == wrong.id
    assert shown[wrong.id].happened_at == STARTED + timedelta(minutes=20) and shown[wrong.id].recorded_at == NOW
    other = command.open(title="另一起")
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.add_entry, incident_id=other.id, text="x", corrects_entry_id=wrong.id,
                    now=NOW)
    assert _field(exc) == "corrects_entry_id"


def test_entry_input_is_checked(command: Command):
    incident = command.open()
    for kw, field in (({"text": " "}, "text"), ({"text": "x", "kind": "status_change"}, "kind"),
                      ({"text": "x", "happened_at": STARTED - timedelta(hours=1)}, "happened_at"),
                      ({"text": "x", "happened_at": NOW + timedelta(hours=1)}, "happened_at")):
        with pytest.raises(InputError) as exc:
            command.run(command.coordinator, ix.add_entry, incident_id=incident.id, now=NOW, **kw)
        assert _field(exc) == field


def test_any_entry_can_be_flagged_significant_and_shows_across_open_incidents(command: Command):
    first, second = command.open(), command.open(title="配送车辆抛锚", type="vehicle_breakdown")
    a = command.run(command.coordinator, ix.add_entry, incident_id=first.id, text="启动局部应急预案",
                    kind="decision", significant=True, now=NOW)
    b = command.run(command.coordinator, ix.add_entry, incident_id=second.id, text="备用车辆已出发",
                    kind="resource", now=NOW)
    command.run(command.coordinator, ix.add_entry, incident_id=second.id, text="普通进展", now=NOW)
    command.run(command.deputy, ix.flag_entry, entry_id=b.id)
    events = command.run(command.viewer, ix.significant_events)
    assert {e.entry.id for e in events} == {a.id, b.id}
    assert {e.reference for e in events} == {first.reference, second.reference}


def test_status_severity_and_commander_changes_are_written_to_the_timeline(command: Command):
    incident = command.open()
    v = incident.version
    v = command.run(command.coordinator, ix.change_status, incident_id=incident.id, version=v,
                    status="responding", now=NOW).version
    v = command.run(command.coordinator, ix.change_severity, incident_id=incident.id, version=v, severity=2,
                    commander_id=command.deputy.id, note="积水范围扩大", now=NOW).version
    command.run(command.coordinator, ix.set_commander, incident_id=incident.id, version=v,
                commander_id=command.coordinator.id, now=NOW)
    kinds = [(e.kind, e.data.get("from"), e.data.get("to")) for e in command.entries(incident.id)]
    assert kinds == [("status_change", None, "open"), ("status_change", "open", "responding"),
                     ("commander_change", None, command.deputy.id), ("severity_change", 3, 2),
                     ("commander_change", command.deputy.id, command.coordinator.id)]
    shown = [e.text for e in command.run(command.viewer, ix.timeline, incident_id=incident.id)]
    assert "Severity: 3 – Moderate (local) → 2 – Serious (major). 积水范围扩大" in shown
    assert "Commander: 孙浩 → 黄伟." in shown


def test_a_major_incident_cannot_lose_its_commander_or_get_a_non_coordinator(command: Command):
    incident = command.open(severity=2, commander_id=command.coordinator.id)
    for commander in (None, command.supervisor.id):
        with pytest.raises(InputError) as exc:
            command.run(command.coordinator, ix.set_commander, incident_id=incident.id, commander_id=commander)
        assert _field(exc) == "commander_id"
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.change_severity, incident_id=incident.id, severity=2)
    assert _field(exc) == "severity"


def test_resolved_needs_a_resolution_not_before_the_start(command: Command):
    incident = command.open()
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.change_status, incident_id=incident.id, status="resolved", now=NOW)
    assert _field(exc) == "resolution"
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.change_status, incident_id=incident.id, status="resolved",
                    resolution="积水已退", resolved_at=STARTED - timedelta(minutes=1), now=NOW)
    assert _field(exc) == "resolved_at" and "before the incident started" in str(exc.value)
    done = command.run(command.coordinator, ix.change_status, incident_id=incident.id, status="resolved",
                       resolution="积水已退,恢复送货", now=NOW)
    assert (done.status, done.resolved_at, done.resolution) == ("resolved", NOW, "积水已退,恢复送货")


def _resolve(command: Command, incident_id: int):
    return command.run(command.coordinator, ix.change_status, incident_id=incident_id, status="resolved",
                       resolution="积水已退,恢复送货", now=NOW)


def test_closing_needs_root_cause_actions_and_the_supervision_review(command: Command):
    incident = command.open()
    _resolve(command, incident.id)
    close = dict(incident_id=incident.id, status="closed", root_cause="排水管网老化", now=NOW)
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.change_status, **close)
    assert _field(exc) == "review_note" and "none has been recorded yet" in str(exc.value)
    command.review(incident.id)
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.change_status, **(close | {"root_cause": ""}))
    assert _field(exc) == "root_cause"
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.change_status, **close)
    assert _field(exc) == "actions"
    action = command.run(command.coordinator, ix.add_action, incident_id=incident.id, text="与市政协调疏通排水",
                         owner_id=command.deputy.id, due_date=date(2026, 7, 31), now=NOW)
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.change_status, **close)
    assert _field(exc) == "close_with_open_actions" and "1 follow-up actions are still open" in str(exc.value)
    closed = command.run(command.coordinator, ix.change_status, close_with_open_actions=True, **close)
    assert (closed.status, closed.closed_at, closed.root_cause) == ("closed", NOW, "排水管网老化")
    # the owner still finishes the action after the incident is closed
    assert command.run(command.deputy, ix.complete_action, action_id=action.id, now=NOW).done


def test_actions_need_an_owner_and_a_due_date(command: Command):
    incident = command.open()
    for kw, field in (({"owner_id": None, "due_date": date(2026, 7, 31)}, "owner_id"),
                      ({"owner_id": command.deputy.id, "due_date": None}, "due_date"),
                      ({"owner_id": command.deputy.id, "due_date": date(2026, 7, 1)}, "due_date")):
        with pytest.raises(InputError) as exc:
            command.run(command.coordinator, ix.add_action, incident_id=incident.id, text="复盘", now=NOW, **kw)
        assert _field(exc) == field


def test_closed_is_final_and_resolved_can_flare_up_again(command: Command):
    incident = command.open()
    _resolve(command, incident.id)
    again = command.run(command.coordinator, ix.change_status, incident_id=incident.id, status="responding",
                        note="又下大雨", now=NOW)
    assert again.status == "responding" and again.resolved_at is None
    _resolve(command, incident.id)
    command.run(command.coordinator, ix.add_action, incident_id=incident.id, text="复盘", owner_id=command.deputy.id,
                due_date=date(2026, 7, 20), now=NOW)
    command.review(incident.id, "同意结案")
    command.run(command.coordinator, ix.change_status, incident_id=incident.id, status="closed", root_cause="暴雨",
                close_with_open_actions=True, now=NOW)
    for fn, kw in ((ix.change_status, {"status": "responding"}), (ix.add_entry, {"text": "补记"}),
                   (ix.change_severity, {"severity": 4})):
        with pytest.raises(InputError) as exc:
            command.run(command.coordinator, fn, incident_id=incident.id, now=NOW, **kw)
        assert _field(exc) == "status"


def test_open_cannot_jump_to_closed(command: Command):
    incident = command.open()
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.change_status, incident_id=incident.id, status="closed", now=NOW)
    assert _field(exc) == "status"


def test_a_change_made_on_an_out_of_date_screen_is_refused(command: Command):
    incident = command.open()
    seen = incident.version
    command.run(command.deputy, ix.change_status, incident_id=incident.id, version=seen, status="responding", now=NOW)
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.change_severity, incident_id=incident.id, version=seen, severity=4)
    assert _field(exc) == STALE and "孙浩" in str(exc.value)
    assert command.get(incident.id).severity == 3


def test_two_coordinators_writing_at_the_same_moment_are_both_kept_in_order(command: Command):
    incident = command.open()
    barrier = threading.Barrier(2)
    written, errors = {}, []

    def write(actor, text):
        try:
            with unit_of_work(actor.id, engine=command.engine) as s:
                barrier.wait(timeout=10)
                written[text] = ix.add_entry(s, actor=actor, incident_id=incident.id, text=text, now=NOW).id
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(a, t)) for a, t in
               ((command.coordinator, "调度备用车辆"), (command.deputy, "通知城东-01 线路客户"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    entries = [e for e in command.entries(incident.id) if e.kind == "update"]
    assert sorted(e.text for e in entries) == sorted(written) and len(entries) == 2
    assert [e.id for e in entries] == sorted(written.values())  # same moment: in the order they were written


def test_the_board_lists_open_incidents_most_severe_first_in_one_query(command: Command):
    minor = command.open(severity=4, title="小问题")
    major = command.open(severity=1, commander_id=command.coordinator.id, title="全区停电",
                         started_at=STARTED + timedelta(minutes=30))
    done = command.open(severity=1, commander_id=command.coordinator.id, title="已解决")
    command.fill_group(done.id)
    _resolve(command, done.id)
    command.run(command.coordinator, ix.add_entry, incident_id=minor.id, text="最新进展",
                now=NOW + timedelta(minutes=40))
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with unit_of_work(engine=command.engine) as s:
        s.connection()  # begin first: only the board's own statements are counted
        event.listen(command.engine, "before_cursor_execute", count)
        try:
            rows = ix.board(s, actor=command.viewer, now=NOW + timedelta(hours=1))
        finally:
            event.remove(command.engine, "before_cursor_execute", count)
    assert [r.id for r in rows] == [major.id, minor.id]
    assert len(statements) == 1
    assert rows[1].since_start == timedelta(hours=2) and rows[1].since_update == timedelta(minutes=20)
    assert rows[0].commander == "黄伟"

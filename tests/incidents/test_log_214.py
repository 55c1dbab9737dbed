"""The incident log as ICS-214 and the handover brief as ICS-201: each entry's author and position, the ★ toggle,
files on an entry, filtering and searching the log, its XLSX export and print view, the objectives, and the brief's
command group, resources, actions, retailers still to call and who prepared it."""
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from db.engine import unit_of_work
from db.incident_models import MAX_ENTRY_FILE_BYTES
from db.models import AuditLog
from portal import incidents as ix
from portal.access.auth import PermissionDenied
from portal.errors import InputError
from tests.incidents.support import NOW, Command, command_fixture  # noqa: F401  (the fixture)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _entry(command: Command, incident_id: int, text: str, actor=None, **kw):
    return command.run(actor or command.coordinator, ix.add_entry, incident_id=incident_id, text=text,
                       **({"now": NOW} | kw))


def _log(command: Command, incident_id: int, actor=None) -> list[ix.EntryView]:
    return command.run(actor or command.viewer, ix.timeline, incident_id=incident_id)


def test_each_entry_keeps_its_authors_position_when_written(command: Command):
    incident = command.open(severity=2, commander_id=command.coordinator.id)
    by_commander = _entry(command, incident.id, "启动局部应急预案", kind="decision")
    by_deputy = _entry(command, incident.id, "备用车辆已出发", actor=command.deputy, kind="resource")
    command.run(command.coordinator, ix.set_commander, incident_id=incident.id, commander_id=command.deputy.id,
                now=NOW + timedelta(minutes=5))
    shown = {e.id: e for e in _log(command, incident.id)}
    # written as commander stays so after the handover; the deputy wrote as an emergency coordinator
    assert (shown[by_commander.id].position, shown[by_deputy.id].position) == ("commander", "emergency_coordinator")
    assert ix.position_label("commander") == "Commander"
    assert ix.position_label("emergency_coordinator") == "Emergency coordinator"
    html = ix.handover_brief_html(command.run(command.viewer, ix.incident_view, incident_id=incident.id))
    assert "<td>黄伟 (Commander)</td>" in html and "<td>孙浩 (Emergency coordinator)</td>" in html


def test_the_log_filters_by_kind_author_and_star_and_searches_every_word(command: Command):
    incident = command.open()
    rain = _entry(command, incident.id, "城东-01 线路积水 40 厘米", significant=True)
    truck = _entry(command, incident.id, "备用厢式货车待命", actor=command.deputy, kind="resource")
    police = _entry(command, incident.id, "与交警大队联系", kind="action")
    everything = _log(command, incident.id)
    assert len(everything) == 4  # with the automatic "opened"
    pick = ix.filter_log
    assert [e.id for e in pick(everything, ix.LogFilter(kinds=("resource", "action")))] == [truck.id, police.id]
    assert [e.id for e in pick(everything, ix.LogFilter(author_id=command.deputy.id))] == [truck.id]
    assert [e.id for e in pick(everything, ix.LogFilter(starred_only=True))] == [rain.id]
    assert [e.id for e in pick(everything, ix.LogFilter(search="厘米 积水"))] == [rain.id]  # every word, any order
    assert [e.id for e in pick(everything, ix.LogFilter(search="孙浩"))] == [truck.id]  # the author
    assert [e.id for e in pick(everything, ix.LogFilter(search=f"#{police.id}"))] == [police.id]
    assert [e.kind for e in pick(everything, ix.LogFilter(search="opened"))] == ["status_change"]  # as shown
    assert pick(everything, ix.LogFilter(search="积水", kinds=("resource",))) == []
    assert ix.log_authors(everything) == {command.coordinator.id: "黄伟", command.deputy.id: "孙浩"}


def test_coordinators_toggle_the_star_and_each_toggle_is_audited(command: Command):
    incident = command.open()
    entry = _entry(command, incident.id, "雨势减弱")
    command.run(command.coordinator, ix.flag_entry, entry_id=entry.id, significant=True)
    command.run(command.deputy, ix.flag_entry, entry_id=entry.id, significant=False)
    [shown] = [e for e in _log(command, incident.id) if e.id == entry.id]
    assert not shown.significant
    with unit_of_work(engine=command.engine) as s:
        changes = s.execute(select(AuditLog.actor_id, AuditLog.old_value, AuditLog.new_value).where(
            AuditLog.table_name == "incident_timeline_entries", AuditLog.record_id == str(entry.id),
            AuditLog.field == "significant").order_by(AuditLog.id)).all()
    assert [tuple(c) for c in changes] == [(command.coordinator.id, "false", "true"),
                                           (command.deputy.id, "true", "false")]
    for outsider in (command.supervisor, command.viewer, command.agent):
        with pytest.raises(PermissionDenied):
            command.run(outsider, ix.flag_entry, entry_id=entry.id, significant=True)


def test_photos_and_files_go_on_an_entry_checked_by_type_and_size(command: Command):
    incident = command.open()
    entry = _entry(command, incident.id, "现场积水照片")
    photo = command.run(command.deputy, ix.attach_to_entry, entry_id=entry.id, filename="C:\\相机\\积水.png", data=PNG)
    assert (photo.filename, photo.content_type, photo.size_bytes) == ("积水.png", "image/png", len(PNG))
    [shown] = [e for e in _log(command, incident.id) if e.id == entry.id]
    assert [(f.id, f.filename) for f in shown.files] == [(photo.id, "积水.png")]
    assert command.run(command.viewer, ix.entry_file_content, file_id=photo.id).content == PNG  # everyone reads
    assert [e.id for e in ix.filter_log(_log(command, incident.id), ix.LogFilter(search="积水.png"))] == [entry.id]
    for name, data in (("脚本.exe", b"MZ" + b"\x00" * 10), ("假.png", b"<html>"), ("空.png", b""),
                       ("大.png", PNG + b"\x00" * MAX_ENTRY_FILE_BYTES)):
        with pytest.raises(InputError) as exc:
            command.run(command.coordinator, ix.attach_to_entry, entry_id=entry.id, filename=name, data=data)
        assert exc.value.field == "files", name
    with pytest.raises(PermissionDenied):
        command.run(command.viewer, ix.attach_to_entry, entry_id=entry.id, filename="a.png", data=PNG)


def test_the_log_exports_as_xlsx_text_cells_and_prints_escaped(command: Command):
    from openpyxl import load_workbook

    incident = command.open()
    formula = _entry(command, incident.id, "=HYPERLINK(\"http://x\",\"点我\")", significant=True)
    _entry(command, incident.id, "<script>alert(1)</script>", kind="action")
    everything = _log(command, incident.id)
    starred = ix.filter_log(everything, ix.LogFilter(starred_only=True))
    sheet = load_workbook(io.BytesIO(ix.log_xlsx(incident, starred, note="★ significant only"))).active
    rows = [[c.value for c in row if c.value is not None] for row in sheet.iter_rows()]
    assert rows[0] == [f"{incident.reference} · {incident.title}"] and "★ significant only" in rows[1][0]
    assert rows[2][:6] == ["No.", "Happened", "Written", "Kind", "★", "Entry"]
    assert rows[3][0] == f"#{formula.id}" and rows[3][4] == "★" and rows[3][5] == formula.text
    assert sheet.cell(row=4, column=6).data_type == "s"  # text, never a formula
    html = ix.log_print_html(incident, everything, prepared_by="黄伟 (Commander)", prepared_at=NOW)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "Activity log (ICS-214)" in html and "Prepared by</td><td>黄伟 (Commander)" in html
    assert "Operational period" in html and "ongoing" in html


def test_objectives_are_set_by_coordinators_and_land_on_the_timeline(command: Command):
    incident = command.open()
    goals = "1. 积水线路客户全部告知到位\n2. 积水消退后 2 小时内恢复送货"
    command.run(command.coordinator, ix.set_objectives, incident_id=incident.id, objectives=goals, now=NOW)
    assert command.get(incident.id).objectives == goals
    [decision] = [e for e in command.entries(incident.id) if e.kind == "decision"]
    assert decision.text == f"Objectives: {goals}"
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.set_objectives, incident_id=incident.id, objectives=goals)
    assert exc.value.field == "objectives"
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.set_objectives, incident_id=incident.id, objectives="  ")
    assert exc.value.field == "objectives"
    with pytest.raises(PermissionDenied):
        command.run(command.supervisor, ix.set_objectives, incident_id=incident.id, objectives="别的")


def test_the_brief_reads_like_ics_201(command: Command):
    incident = command.open(severity=2, commander_id=command.coordinator.id, retailer_ids=command.retailers[:3])
    command.run(command.coordinator, ix.name_to_group, incident_id=incident.id, user_id=command.supervisor.id,
                position="leader", now=NOW)
    command.run(command.coordinator, ix.set_objectives, incident_id=incident.id, objectives="恢复城东送货", now=NOW)
    _entry(command, incident.id, "备用厢式货车 1 辆待命", kind="resource")
    _entry(command, incident.id, "与交警确认单向通行", kind="action")
    command.run(command.coordinator, ix.add_action, incident_id=incident.id, text="排查排水隐患",
                owner_id=command.deputy.id, due_date=NOW.date() + timedelta(days=7), now=NOW)
    view = command.run(command.viewer, ix.incident_view, incident_id=incident.id)
    command.run(command.deputy, ix.mark_called, call_id=view.call_list[0]["id"], note="已告知", now=NOW)
    html = ix.handover_brief_html(command.run(command.deputy, ix.incident_view, incident_id=incident.id))
    sections = ["Situation", "Objectives", "Command group", "Resources", "Actions taken",
                "Actions planned (open follow-up actions)", "Service suspensions", "Customer notices",
                "Retailers still to call", "Timeline"]
    assert [s for s in sections if f"<h2>{s}</h2>" in html] == sections
    assert html.index("<h2>Objectives</h2><p class=\"keep-lines\">恢复城东送货") > 0
    assert "<td>Commander</td><td>黄伟</td>" in html and "<td>Group leader</td><td>张华</td>" in html
    assert "备用厢式货车 1 辆待命" in html.split("<h2>Resources</h2>")[1].split("<h2>")[0]
    assert "与交警确认单向通行" in html.split("<h2>Actions taken</h2>")[1].split("<h2>")[0]
    assert "排查排水隐患" in html.split("<h2>Actions planned")[1].split("<h2>")[0]
    still = html.split("<h2>Retailers still to call</h2>")[1].split("<h2>")[0]
    assert still.count("<tr>") == 3 and "金叶便利店0" not in still  # a header and the two not yet called
    assert "Prepared by 孙浩 (Emergency coordinator) at" in html

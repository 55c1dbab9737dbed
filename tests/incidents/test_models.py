"""What the database itself refuses in the incident tables, whatever the code above it does."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from db.engine import unit_of_work
from db.incident_models import Incident, IncidentTimelineEntry

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def _incident(s, opener_id: int, **kw) -> Incident:
    values = {"reference": "YJ-2026-0001", "type": "severe_weather", "severity": 3, "title": "暴雨",
              "started_at": NOW, "opened_by_id": opener_id, **kw}
    incident = Incident(**values)
    s.add(incident)
    s.flush()
    return incident


def test_timeline_entries_cannot_be_changed_or_deleted(make_user):
    coordinator = make_user("emergency_coordinator")
    with unit_of_work(coordinator.id) as s:
        incident = _incident(s, coordinator.id)
        entry = IncidentTimelineEntry(incident_id=incident.id, happened_at=NOW, author_id=coordinator.id,
                                      kind="update", text="积水 30 厘米")
        s.add(entry)
        s.flush()
        entry_id = entry.id
    for statement in ("update incident_timeline_entries set text = 'rewritten' where id = :id",
                      "update incident_timeline_entries set happened_at = now() where id = :id",
                      "delete from incident_timeline_entries where id = :id"):
        with pytest.raises(DBAPIError, match="append-only|permission denied"), unit_of_work() as s:
            s.execute(text(statement), {"id": entry_id})


def test_only_the_significant_flag_of_an_entry_may_change(make_user):
    coordinator = make_user("emergency_coordinator")
    with unit_of_work(coordinator.id) as s:
        incident = _incident(s, coordinator.id)
        s.add(IncidentTimelineEntry(incident_id=incident.id, happened_at=NOW, author_id=coordinator.id,
                                    kind="decision", text="启动应急预案"))
    with unit_of_work() as s:
        s.execute(text("update incident_timeline_entries set significant = true, flagged_by_id = :u"),
                  {"u": coordinator.id})
        assert s.scalar(text("select significant from incident_timeline_entries")) is True


def test_a_major_incident_needs_a_commander(make_user):
    coordinator = make_user("emergency_coordinator")
    with pytest.raises(IntegrityError, match="major_has_commander"), unit_of_work() as s:
        _incident(s, coordinator.id, severity=2)
    with unit_of_work() as s:
        assert _incident(s, coordinator.id, severity=2, commander_id=coordinator.id).is_major


def test_affected_steps_are_the_four_business_steps(make_user):
    coordinator = make_user("emergency_coordinator")
    with pytest.raises(IntegrityError, match="affected_steps"), unit_of_work() as s:
        _incident(s, coordinator.id, affected_steps=["delivery", "marketing"])

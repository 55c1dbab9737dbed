"""Scale seeding of incidents (COPY, with the index and foreign-key rebuild for big runs), on small numbers: the
rows are what the domain would have written, and the board, incident and significant-events queries run on them."""
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from db.engine import unit_of_work
from db.incident_models import (
    ACTIVE_STATUSES,
    CustomerNotice,
    FollowUpAction,
    Incident,
    IncidentRetailer,
    IncidentTimelineEntry,
    ServiceSuspension,
)
from db.models import AuditLog
from portal import incidents as ix
from portal.access.auth import SYSTEM
from portal.incidents import scale as scale_incidents
from portal.incidents.rules import utcnow
from portal.tools.demo import seed_demo

N = 600


@pytest.fixture(name="seeded")
def seeded_fixture(db, monkeypatch, owner_db):
    """The demo center and N generated incidents through the drop-and-rebuild path."""
    with unit_of_work(engine=db) as s:
        seed_demo(s)
    with unit_of_work(engine=db) as s:
        before = s.scalar(select(func.max(Incident.id)))
    schema = _schema(db)
    monkeypatch.setattr(scale_incidents, "REBUILD_FROM", 300)
    monkeypatch.setattr(scale_incidents, "CHUNK", 250)  # three COPY rounds
    progress = []
    assert scale_incidents.seed_incidents(owner_db, N, progress=lambda done, total: progress.append((done, total))) == N
    assert progress == [(250, N), (500, N), (600, N)]
    assert _schema(db) == schema  # every index and foreign key dropped for the load is back
    return before


def _schema(engine) -> dict[str, tuple[set[str], set[str]]]:
    """Index and foreign-key names of the incident tables, as the database has them."""
    found = inspect(engine)
    return {m.__tablename__: ({i["name"] for i in found.get_indexes(m.__tablename__)},
                              {fk["name"] for fk in found.get_foreign_keys(m.__tablename__)})
            for m in scale_incidents.TABLES}


def test_seeded_incidents_are_consistent_lives(db, seeded):
    now = utcnow()
    with unit_of_work(engine=db) as s:
        incidents = list(s.scalars(select(Incident).where(Incident.id > seeded)))
        entries = defaultdict(list)
        for e in s.scalars(select(IncidentTimelineEntry).where(IncidentTimelineEntry.incident_id > seeded)
                           .order_by(IncidentTimelineEntry.id)):
            entries[e.incident_id].append(e)
        actions = Counter(s.scalars(select(FollowUpAction.incident_id).where(FollowUpAction.incident_id > seeded)))
        suspensions = s.scalar(select(func.count()).select_from(ServiceSuspension)
                               .where(ServiceSuspension.incident_id > seeded))
        notices = s.scalar(select(func.count()).select_from(CustomerNotice).where(CustomerNotice.incident_id > seeded))
        calls = s.execute(select(func.count(), func.count().filter(IncidentRetailer.called))
                          .where(IncidentRetailer.incident_id > seeded)).one()
    assert len(incidents) == N
    statuses = Counter(i.status for i in incidents)
    assert statuses["closed"] > N * 0.9 and sum(statuses[s] for s in ACTIVE_STATUSES) >= 3
    severities = Counter(i.severity for i in incidents)
    assert severities[3] + severities[4] > N * 0.75 and severities[1] + severities[2] > 0
    assert len(Counter(i.type for i in incidents)) >= 7 and len({i.started_at.year for i in incidents}) >= 9
    assert suspensions > N * 0.2 and notices > N * 0.4 and calls[0] > 0 and 0 < calls[1] <= calls[0]

    counts = [len(entries[i.id]) for i in incidents]
    assert 17 <= sum(counts) / len(counts) <= 23
    kinds = Counter(e.kind for rows in entries.values() for e in rows)
    assert set(kinds) == {"update", "decision", "action", "customer_notice", "resource", "status_change",
                          "severity_change", "commander_change"}
    assert sum(e.significant for rows in entries.values() for e in rows) > N
    corrections = 0
    for i in incidents:
        rows = entries[i.id]
        ids = {e.id for e in rows}
        opening = rows[0]
        assert opening.kind == "status_change" and opening.data["to"] == "open" and opening.data["from"] is None
        assert [e.recorded_at for e in rows] == sorted(e.recorded_at for e in rows)  # written in order
        assert all(i.started_at <= e.happened_at <= e.recorded_at <= now for e in rows)
        moves = [e.data for e in rows if e.kind == "status_change"]
        assert all(ix.TRANSITIONS[m["from"]] >= {m["to"]} for m in moves[1:])  # only allowed moves
        assert moves[-1]["to"] == i.status
        severity = [e.data["to"] for e in rows if e.kind == "severity_change"]
        assert (severity or [opening.data["severity"]])[-1] == i.severity
        assert i.severity > 2 or i.commander_id is not None
        for e in rows:
            if e.corrects_entry_id is not None:
                corrections += 1
                assert e.corrects_entry_id in ids and e.corrects_entry_id < e.id
            assert e.significant == (e.flagged_by_id is not None)
        if i.status in ("resolved", "closed"):
            assert i.resolution and i.started_at <= i.resolved_at <= now
        if i.status == "closed":
            assert i.root_cause and i.review_note and i.resolved_at < i.closed_at <= now
            assert actions[i.id] >= 1  # closing needs follow-up actions
        assert i.reference == f"YJ-{i.reference[3:7]}-{i.id:04d}" and i.updated_at == rows[-1].recorded_at
    assert corrections > N * 0.1


def test_the_queries_run_on_seeded_incidents_and_the_trigger_holds(db, seeded, owner_db):
    with unit_of_work(engine=db) as s:
        board = ix.board(s, actor=SYSTEM)
        assert len(board) >= 3 and [r.severity for r in board] == sorted(r.severity for r in board)
        assert all(r.last_update_at >= r.started_at for r in board)
        closed = s.scalar(select(Incident.id).where(Incident.status == "closed", Incident.id > seeded).limit(1))
        view = ix.incident_view(s, actor=SYSTEM, incident_id=closed)
        assert len(view.timeline) >= 10 and view.actions and view.incident.review_note
        assert "<h1>" in ix.handover_brief_html(view)
        ix.significant_events(s, actor=SYSTEM)
        opened = board[0].id
        entry = ix.add_entry(s, actor=SYSTEM, incident_id=opened, text="补充:现场已恢复通行。")
        entry_id = entry.id
    with unit_of_work(engine=db) as s:  # the new entry comes last, after the seeded ones
        assert [e.id for e in ix.timeline(s, actor=SYSTEM, incident_id=opened)][-1] == entry_id
    # the trigger still holds (for the owner: the portal's role may not even try)
    with pytest.raises(DBAPIError, match="append-only"), unit_of_work(engine=owner_db) as s:
        s.execute(text("update incident_timeline_entries set text = 'x' where id = :id"), {"id": entry_id})
    timeline = _schema(db)["incident_timeline_entries"]
    assert {i.name for i in IncidentTimelineEntry.__table__.indexes} <= timeline[0] and len(timeline[1]) == 4
    with unit_of_work(engine=db) as s:
        audited = s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.table_name == "incidents", AuditLog.action == "insert"))
    assert audited >= N


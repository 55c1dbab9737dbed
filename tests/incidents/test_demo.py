"""The demo center's incidents and supply requests: every stage, timelines, a linked major complaint."""
from collections import Counter

from sqlalchemy import func, select

from db.engine import unit_of_work
from db.incident_models import Incident, IncidentTimelineEntry
from db.supply_models import Brand, SupplyRequest
from portal import incidents as ix
from portal.access.auth import SYSTEM
from portal.tools.demo import seed_demo


def test_demo_incidents_cover_every_stage_with_timelines_and_supply_requests(db):
    with unit_of_work(engine=db) as s:
        seed_demo(s)
    with unit_of_work(engine=db) as s:
        incidents = list(s.scalars(select(Incident)))
        entries = Counter(s.scalars(select(IncidentTimelineEntry.incident_id)))
        requests = Counter(s.scalars(select(SupplyRequest.state)))
        scarce = s.scalar(select(func.count()).where(Brand.scarce_or_controlled))
        board = ix.board(s, actor=SYSTEM)
        events = ix.significant_events(s, actor=SYSTEM)
    statuses = Counter(i.status for i in incidents)
    assert {"open", "responding", "resolved", "closed"} <= set(statuses)
    assert any(i.complaint_id for i in incidents) and any(i.is_major for i in incidents)
    assert all(entries[i.id] >= 2 for i in incidents if i.status != "open" or i.complaint_id)
    assert [r.severity for r in board] == sorted(r.severity for r in board) and len(board) >= 3
    assert events and scarce >= 2
    assert set(requests) == {"requested", "approved", "refused"}

"""Scale data: `python -m portal seed --incidents N` adds N emergency incidents with their timelines, by COPY.

What each incident is and what happened in it up to now is made by portal/incidents/scale_lives.py; this module
reserves the ids, writes the rows round by round with COPY (the timeline's append-only trigger only refuses
updates and deletes, so COPY is fine) with the audit rows of the audited tables, all in one transaction. For large
runs the secondary indexes and foreign keys of the incident tables are dropped and rebuilt at the end.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.audit import copy_audit_rows
from db.engine import unit_of_work
from db.incident_models import (
    CustomerNotice,
    FollowUpAction,
    Incident,
    IncidentRetailer,
    IncidentTimelineEntry,
    ServiceSuspension,
)
from portal.incidents.rules import utcnow
from portal.incidents.scale_lives import IncidentFactory
from portal.records.bulk import copy_rows, rebuilt_after, reserve_ids, vacuum_analyze

CHUNK = 5_000  # incidents per COPY round (about 100,000 timeline entries)
REBUILD_FROM = 20_000  # incidents; from here on, rebuilding indexes and foreign keys beats keeping them
TABLES = (Incident, IncidentTimelineEntry, IncidentRetailer, ServiceSuspension, CustomerNotice, FollowUpAction)

INCIDENT_COLUMNS = ("id", "reference", "type", "scope", "casualties", "severity", "title", "situation", "started_at",
                    "detected_at", "reported_at", "reporter", "opened_by_id", "commander_id", "affected_steps",
                    "affected_districts", "affected_routes", "affected_retailers_estimate", "status", "resolution",
                    "resolved_at", "root_cause", "review_note", "closed_at", "created_at", "updated_at")
ENTRY_COLUMNS = ("id", "incident_id", "recorded_at", "happened_at", "author_id", "kind", "text", "significant",
                 "flagged_by_id", "corrects_entry_id", "data")
CALL_COLUMNS = ("incident_id", "retailer_id", "called", "called_by_id", "called_at", "call_note", "added_at")
SUSPENSION_COLUMNS = ("id", "incident_id", "service", "area", "suspended_at", "resumed_at", "recorded_by_id")
NOTICE_COLUMNS = ("id", "incident_id", "method", "at", "text", "audience", "recorded_by_id")
ACTION_COLUMNS = ("id", "incident_id", "text", "owner_id", "due_date", "done", "done_at", "created_at")


def _write_chunk(session: Session, rows: list[tuple], out: dict[str, list]) -> None:
    """COPY one round of incidents and everything hanging off them, with the audit rows of the audited tables."""
    copy_rows(session, "incidents", INCIDENT_COLUMNS, rows)
    entries = out["entries"]
    ids = reserve_ids(session, "incident_timeline_entries", len(entries))
    for entry_id, (_iid, e) in zip(ids, entries, strict=True):
        e.append(entry_id)  # e[9]: the entry's own id, for corrections pointing at it
    copy_rows(session, "incident_timeline_entries", ENTRY_COLUMNS, (
        (e[9], iid, e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7][9] if e[7] is not None else None, e[8])
        for iid, e in entries))
    copy_rows(session, "incident_retailers", CALL_COLUMNS, out["calls"])
    audit: list[tuple] = [("incidents", str(r[0]), "insert", None, None, None) for r in rows]
    for table, key, columns in (("incident_suspensions", "suspensions", SUSPENSION_COLUMNS),
                                ("incident_notices", "notices", NOTICE_COLUMNS),
                                ("incident_actions", "actions", ACTION_COLUMNS)):
        ids = reserve_ids(session, table, len(out[key]))
        copy_rows(session, table, columns, ((n, *row) for n, row in zip(ids, out[key], strict=True)))
        audit += [(table, str(n), "insert", None, None, None) for n in ids]
    copy_audit_rows(session, audit)


def seed_incidents(engine: Engine, count: int, *, seed: int = 2026,
                   progress: Callable[[int, int], None] | None = None) -> int:
    """Add `count` incidents (with timelines, suspensions, notices, call lists, follow-up actions and audit rows)
    in one transaction; returns how many were added."""
    with unit_of_work(engine=engine) as s:
        now = utcnow()
        existing = s.scalar(select(Incident.id).order_by(Incident.id.desc()).limit(1)) or 0
        factory = IncidentFactory(s, seed + existing, now)
        done = 0
        moments = factory.start_times(count)
        with rebuilt_after(s, [model.__table__ for model in TABLES], rebuild=count >= REBUILD_FROM):
            while done < count:
                n = min(CHUNK, count - done)
                ids = reserve_ids(s, "incidents", n)
                out: dict[str, list] = {"entries": [], "calls": [], "suspensions": [], "notices": [], "actions": []}
                rows = [factory.incident(iid, *moments[done + k], out) for k, iid in enumerate(ids)]
                _write_chunk(s, rows, out)
                done += n
                if progress:
                    progress(done, count)
    vacuum_analyze(engine, [model.__tablename__ for model in TABLES])
    return done

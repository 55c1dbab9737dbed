"""The outbox: field changes that are events become a job on the worker's queue in the same transaction.

A model names the fields whose changes are events (`__events__`, e.g. a complaint's `handler_id` and `state`); the
audit hook (db/audit.py), which already sees every change at flush time, hands those changes here, and ONE job per
flush is inserted with procrastinate's own `procrastinate_defer_jobs_v1` on the flush's connection. So a change that
rolls back never produces a job, and one that commits never loses it. The worker (portal/notifications/, `python -m
portal worker`) runs the task named `EVENT_TASK`; this module only names it (db/ imports nothing from the areas).
"""
from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

EVENT_QUEUE = "events"  # the worker's queue of record changes
EVENT_TASK = "portal.notifications.events"  # the task the worker registers under this name
_DEFER = text("select procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, NULL, CAST(:args AS jsonb), "
              "NULL)::procrastinate_job_to_defer_v1])")


def event_value(value: Any) -> Any:
    """A field's value as the job carries it (JSON): numbers, text and booleans as they are, times in ISO 8601."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def event_args(session: Session, changes: list[dict]) -> dict:
    """The job's arguments: the event's own id (a stable key for whatever it causes), who, when, what changed."""
    return {"event": uuid.uuid4().hex, "actor": session.info.get("actor_id"),
            "at": datetime.now(UTC).isoformat(), "changes": changes}


def defer_events(session: Session, changes: list[dict]) -> None:
    """Queue one job for this flush's event changes (dicts: table, record, action, field, old, new), in the
    session's transaction; none from a session marked `session.info["events"] = False` (`without_events`)."""
    if changes and session.info.get("events", True):
        args = json.dumps(event_args(session, changes), ensure_ascii=False)
        session.connection().execute(_DEFER, {"queue": EVENT_QUEUE, "task": EVENT_TASK, "args": args})


def without_events(session: Session) -> Session:
    """Mark `session` as writing made-up history (the demo center's months of complaints): its changes are audited but
    queue no events, so nobody is notified of what never happened."""
    session.info["events"] = False
    return session

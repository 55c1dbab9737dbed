"""The rules: what an event (one flush's changes, db/outbox.py) or the clock (a periodic scan) means for whom.

Each area declares its built-in rules in `portal/<area>/notify.py` as `RULES: tuple[Rule, ...]` (found by name, like
the monthly reports: this shared package imports no area). A rule has a key, a title for the admin's rules page, the
audiences it may tell (and those it tells by default), an optional lead time, and one or both of:
- `on_event(session, event, ctx) -> list[Notice]`: an event is a dict (event id, actor, at, changes: table, record,
  action, field, old, new);
- `scan(session, ctx) -> list[Notice]`: run by the periodic scan at `ctx.now` (a fixed clock in tests); it reads
  only what is due, from indexes, and counts the rows it read in `ctx.rows_read`.
An admin's setting (db NotificationRuleSetting) turns a rule off, narrows or widens its audiences, changes its lead
time. `record` writes the notices once each: the unique key (rule, record, occasion, user) makes a retried job, a
repeated scan or a second worker tell nobody twice.
"""
from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from types import ModuleType

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.notification_models import Notification, NotificationRuleSetting, ScanRun
from portal.center.workdays import WorkCalendar, load_calendar
from portal.notifications.channels.delivery import deliver_notifications

AREAS = ("retailers", "complaints", "training", "incidents")  # each may have portal/<area>/notify.py (RULES, UPKEEP)


@dataclass(frozen=True)
class Notice:
    """A notification to be: to whom, by which rule, about which record, on which occasion, saying what."""

    user_id: int
    rule: str
    record_table: str
    record_id: str
    occasion: str
    msgid: str
    params: dict = field(default_factory=dict)
    link: str | None = None
    urgent: bool = False  # grade 1, severity 1-2: reaches people in their quiet hours too


@dataclass
class RuleContext:
    """What a rule is given: the admin's choices for it (audiences, lead), the time, the working-day calendar."""

    session: Session
    now: datetime
    audiences: frozenset[str]
    lead: timedelta | None
    rows_read: int = 0  # a scan adds the rows it read (the bench reports them)

    @cached_property
    def calendar(self) -> WorkCalendar:
        return load_calendar(self.session)


@dataclass(frozen=True)
class Rule:
    """A built-in rule (see the module's text): `audiences` are those it may tell, `default` those it tells as
    built."""

    key: str
    area: str
    title: str  # N_() text: what the rule does, for the admin's rules page
    audiences: tuple[str, ...]  # audience keys it may tell (`AUDIENCE_TITLES` in portal/notifications/audiences.py)
    default: tuple[str, ...]  # those it tells as built
    on_event: Callable[[Session, dict, RuleContext], list[Notice]] | None = None
    scan: Callable[[Session, RuleContext], list[Notice]] | None = None
    lead: timedelta | None = None  # default lead time ("due within 4 working hours"), when the rule has one


def _area_notify_modules() -> list[ModuleType]:
    """Each area's `notify` module (the areas that have one), in area order."""
    found = []
    for area in AREAS:
        try:
            found.append(importlib.import_module(f"portal.{area}.notify"))
        except ModuleNotFoundError as missing:
            if missing.name != f"portal.{area}.notify":
                raise
    return found


def all_rules() -> tuple[Rule, ...]:
    """Every area's built-in rules, in area order."""
    return tuple(rule for module in _area_notify_modules() for rule in module.RULES)


def all_upkeep() -> tuple[Callable[[], object], ...]:
    """Every area's upkeep (`UPKEEP` in its notify module): work the worker does before each scan, each in a
    transaction of its own (the retailer rollups' window following the center's day)."""
    return tuple(job for module in _area_notify_modules() for job in getattr(module, "UPKEEP", ()))


def settings(session: Session) -> dict[str, NotificationRuleSetting]:
    return {row.rule: row for row in session.scalars(select(NotificationRuleSetting))}


def context(session: Session, rule: Rule, setting: NotificationRuleSetting | None, now: datetime) -> RuleContext:
    """The rule's context under the admin's `setting` (None: as built)."""
    audiences = rule.default if setting is None or setting.audiences is None else setting.audiences
    lead = rule.lead
    if setting is not None and setting.lead_minutes is not None:
        lead = timedelta(minutes=setting.lead_minutes)
    return RuleContext(session, now, frozenset(a for a in audiences if a in rule.audiences), lead)


def _enabled(session: Session, now: datetime, kind: str):
    chosen = settings(session)
    for rule in all_rules():
        setting = chosen.get(rule.key)
        if getattr(rule, kind) is not None and (setting is None or setting.enabled):
            yield rule, context(session, rule, setting, now)


def notices_for(session: Session, event: dict, now: datetime | None = None) -> list[Notice]:
    """Every enabled rule's notices for `event` (dict: event, actor, at, changes)."""
    now = now or datetime.fromisoformat(event["at"])
    return [notice for rule, ctx in _enabled(session, now, "on_event") for notice in rule.on_event(session, event, ctx)]


def record(session: Session, notices: list[Notice]) -> int:
    """Write the notices that are not written yet (a retried or repeated job adds nothing); returns how many."""
    if not notices:
        return 0
    rows = [{"user_id": n.user_id, "rule": n.rule, "record_table": n.record_table, "record_id": n.record_id,
             "occasion": n.occasion, "msgid": n.msgid, "params": n.params, "link": n.link, "urgent": n.urgent}
            for n in {(n.rule, n.record_table, n.record_id, n.occasion, n.user_id): n for n in notices}.values()]
    statement = (insert(Notification).values(rows)
                 .on_conflict_do_nothing(constraint="uq_notifications_key").returning(Notification.id))
    new_ids = session.scalars(statement).all()
    deliver_notifications(session, new_ids)  # their e-mails and text messages, queued in this transaction
    return len(new_ids)


def handle_event(session: Session, event: dict) -> int:
    """Turn one event into notifications, in `session`'s transaction; returns how many were new."""
    return record(session, notices_for(session, event))


def run_scans(session: Session, now: datetime) -> dict[str, ScanRun]:
    """Run every enabled scan rule at `now`, each in a savepoint (one failing rule does not stop the others; its
    error is kept on its ScanRun row); returns the runs by rule key."""
    runs: dict[str, ScanRun] = {}
    for rule, ctx in _enabled(session, now, "scan"):
        run = session.get(ScanRun, rule.key) or session.merge(ScanRun(scan=rule.key, started_at=now, runs=0))
        run.started_at, run.error = now, None
        began = time.perf_counter()
        try:
            with session.begin_nested():
                run.made = record(session, rule.scan(session, ctx))
        except Exception as failure:  # noqa: BLE001 - kept on the run, shown to the admin, logged by the worker
            run.made, run.error = 0, f"{type(failure).__name__}: {failure}"[:2000]
        run.rows_read, run.runs = ctx.rows_read, run.runs + 1
        run.duration_ms, run.finished_at = (time.perf_counter() - began) * 1000, now
        runs[rule.key] = run
    session.flush()
    return runs

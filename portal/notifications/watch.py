"""The periodic scan of watched views (portal/notifications/automations.py), incremental: each run reads only

- the records changed since the last run (`updated_at` from an index, read again OVERLAP back: a write's
  `updated_at` is its transaction's start, which may commit after a scan read past it),
- for a view whose conditions move with the clock: the rows a computed field says may have moved since the last run
  (`Field.changes_between`, e.g. complaints whose due time just passed: "overdue"), and once a day (relative days
  such as "this month", the day's boundary) one full pass over what the view holds and held,

and compares them with the records it remembers inside the view (view_automation_members), so "enters" is told once
per entry: leaving and entering again is a new entry. The first run only notes what is inside (nothing is told of
records that were there before the automation). Which records match is the view's own conditions over all rows (as
the system); each recipient is then told only of the records they may see (the table's permission and row scope, as
their grids), with values masked as their grids mask them, in their language.

A digest runs once a day, at the first scan after DIGEST_HOUR (center time): what the view holds that the recipient may
see, counted, with the first DIGEST_LINES records through the template.
"""
from __future__ import annotations

import string
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from db.models import SavedView, User
from db.notification_models import ScanRun, ViewAutomation, ViewAutomationMember, ViewAutomationScan
from portal.access.auth import SYSTEM, CurrentUser, can
from portal.center_time import local
from portal.i18n import N_, _, current_language, fmt_date, fmt_datetime, set_language
from portal.notifications.audiences import active, with_role
from portal.notifications.automations import DIGEST, spec_of, template_fields, template_names
from portal.notifications.rules import Notice, record, run_scans
from portal.records.fields import FieldType, TableSpec
from portal.records.filters import WITHIN, is_relative
from portal.records.query import select_view, where_clause
from portal.records.view import ViewState

OVERLAP = timedelta(minutes=5)
DIGEST_HOUR = 8
DIGEST_LINES = 20
RECORD_PAGES = {"complaints": "pages/complaint.py?id={id}", "retailers": "pages/retailer.py?id={id}",
                "incidents": "pages/incident.py?id={id}", "training_sessions": "pages/training_session.py?id={id}"}
ENTER_MESSAGE = N_("{view}: {message}")
DIGEST_MESSAGE = N_("{view}: {count} records this morning. {lines}")


class Watch:
    """One automation's view as the scan reads it: the table, the view's conditions, what moves with the clock."""

    def __init__(self, session: Session, automation: ViewAutomation):
        self.automation = automation
        self.spec: TableSpec = spec_of(automation.table_name)
        saved = session.get(SavedView, automation.view_id)
        self.view_name = saved.name
        self.view = ViewState.from_json(self.spec, saved.state)
        clauses, _problems = where_clause(self.spec, self.view, SYSTEM)  # every row: who may see what comes later
        self.condition = and_(true(), *clauses)
        self.fields = template_fields(self.spec, automation.template)
        filtered = [self.spec.field(f.field) for f in self.view.conditions()]
        self.moving = [f for f in filtered if f.compute is not None]
        self.daily = bool(self.moving) or any(
            f.op == WITHIN or is_relative(v) for f in self.view.conditions()
            for v in ((f.value,) if isinstance(f.value, str) else f.value or ()))

    def rule(self) -> str:
        return f"automation:{self.automation.id}"


# --- what entered ---------------------------------------------------------------------------------------------

def _candidates(watch: Watch, state: ViewAutomationScan, now: datetime) -> tuple[Any, bool]:
    """The rows to look at this run, and whether it is a full pass."""
    spec, automation = watch.spec, watch.automation
    full = watch.daily and state.full_pass_on != local(now).date()
    if not full and any(f.changes_between is None for f in watch.moving):
        full = True  # a computed condition that cannot say which rows moved: the whole view, each run
    if full:
        inside = select(ViewAutomationMember.record_id).where(ViewAutomationMember.automation_id == automation.id,
                                                               ViewAutomationMember.inside)
        return or_(watch.condition, spec.id_column.in_(inside)), True
    parts = [spec.column("updated_at") >= state.watermark - OVERLAP]
    parts += [f.changes_between(state.scanned_at or now, now) for f in watch.moving]
    return or_(*parts), False


def _entries(session: Session, watch: Watch, state: ViewAutomationScan, now: datetime) -> tuple[list[tuple[int, int]],
                                                                                                int]:
    """(record, entry number) of the records that entered since the last run, and how many rows were read; the
    members are brought up to date."""
    automation, spec = watch.automation, watch.spec
    where, full = _candidates(watch, state, now)
    rows = session.execute(select(spec.id_column, case((watch.condition, True), else_=False)).where(where)).all()
    matches = dict(rows)
    members: dict[int, ViewAutomationMember] = {}
    ids = list(matches)
    for start in range(0, len(ids), 5000):
        members.update((m.record_id, m) for m in session.scalars(
            select(ViewAutomationMember).where(ViewAutomationMember.automation_id == automation.id,
                                               ViewAutomationMember.record_id.in_(ids[start:start + 5000]))))
    entered = []
    for record_id, match in matches.items():
        member = members.get(record_id)
        if match and member is None:
            session.add(ViewAutomationMember(automation_id=automation.id, record_id=record_id, inside=True, entries=1))
            entered.append((record_id, 1))
        elif match and not member.inside:
            member.inside, member.entries = True, member.entries + 1
            entered.append((record_id, member.entries))
        elif not match and member is not None and member.inside:
            member.inside = False
    if full:
        state.full_pass_on = local(now).date()
    return entered, len(rows)


def _baseline(session: Session, watch: Watch) -> int:
    """The first run: note what the view holds (nobody is told of it); returns how many."""
    automation, spec = watch.automation, watch.spec
    chosen = select(literal(automation.id), spec.id_column).where(watch.condition)
    done = session.execute(pg_insert(ViewAutomationMember).from_select(["automation_id", "record_id"], chosen)
                           .on_conflict_do_nothing().returning(ViewAutomationMember.record_id))
    return len(done.all())


# --- who is told, and what ------------------------------------------------------------------------------------

def _users(session: Session, ids: Iterable[int]) -> list[CurrentUser]:
    ids = active(session, ids)
    users = {u.id: CurrentUser.of(u) for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return [users[i] for i in ids]


def _fixed_recipients(session: Session, automation: ViewAutomation) -> list[CurrentUser]:
    kind, who = automation.recipient_kind, automation.recipient
    if kind == "user":
        return _users(session, [int(who)])
    if kind == "role":
        return _users(session, with_role(session, who))
    return _users(session, session.scalars(select(User.id).where(User.department_id == int(who))))


def _recipients(session: Session, watch: Watch, record_ids: list[int] | None) -> list[tuple[CurrentUser, Any]]:
    """Each recipient with the condition on the records they are told of (beyond what they may see): the person in
    a user field is told of the records naming them; the others of all (`record_ids`: among these)."""
    automation, spec = watch.automation, watch.spec
    among = true() if record_ids is None else spec.id_column.in_(record_ids)
    if automation.recipient_kind != "field":
        return [(user, among) for user in _fixed_recipients(session, automation)]
    column = spec.column(automation.recipient)
    named = select(column).where(among, column.is_not(None))
    named = named.where(watch.condition) if record_ids is None else named
    return [(user, and_(among, column == user.id)) for user in _users(session, session.scalars(named.distinct()))]


def _shown(field: Any, row: dict) -> str:
    """A value as the recipient reads it (already masked by the query when they may not see it)."""
    value = row.get(field.name)
    if field.type in (FieldType.USER, FieldType.LINK):
        value = row.get(f"{field.name}__label") if value is not None else None
    if value is None or value == "":
        return "—"
    if field.type is FieldType.SINGLE_SELECT:
        choice = field.choice(str(value))
        return _(choice.label) if choice else str(value)
    if field.type is FieldType.MULTI_SELECT:
        return ", ".join(_(c.label) if (c := field.choice(str(v))) else str(v) for v in value)
    if field.type is FieldType.CHECKBOX:
        return _("yes") if value else _("no")
    if field.type is FieldType.DATETIME:
        return fmt_datetime(value)
    if field.type is FieldType.DATE:
        return fmt_date(value)
    return str(value)


def _render(watch: Watch, row: dict) -> str:
    values = {name: _shown(watch.spec.field(field), row) for name, field in template_names(watch.spec).items()
              if field in watch.fields}
    return string.Formatter().vformat(watch.automation.template, (), values)


def _visible_rows(session: Session, watch: Watch, user: CurrentUser, where: Any, limit: int | None = None) -> list:
    """The rows under `where` that `user` may see (their grid's row scope), masked as for them, in view order."""
    spec = watch.spec
    stmt, keys, _problems = select_view(spec, watch.view, user, columns=tuple(watch.fields) or (spec.title_field,),
                                        filtered=False)
    scope, _problems = where_clause(spec, ViewState(), user)
    stmt = stmt.where(where, *scope).order_by(*(e.desc() if d else e for e, d in keys))
    return list(session.execute(stmt.limit(limit) if limit else stmt).mappings())


def _in_language(user: CurrentUser, make):
    before = current_language()
    set_language(user.language)
    try:
        return make()
    finally:
        set_language(before)


def _enter_notices(session: Session, watch: Watch, entered: list[tuple[int, int]]) -> list[Notice]:
    if not entered:
        return []
    entry = dict(entered)
    link = RECORD_PAGES.get(watch.spec.name)
    notices = []
    for user, where in _recipients(session, watch, list(entry)):
        if not can(user, watch.spec.view_permission):
            continue
        rows = _in_language(user, lambda u=user, w=where: [(r["id"], _render(watch, r))
                                                          for r in _visible_rows(session, watch, u, w)])
        notices += [Notice(user.id, watch.rule(), watch.spec.name, str(rid), f"enter:{entry[rid]}", ENTER_MESSAGE,
                           {"view": watch.view_name, "message": text},
                           link.format(id=rid) if link else None) for rid, text in rows]
    return notices


def _digest_notices(session: Session, watch: Watch, now: datetime) -> tuple[list[Notice], int]:
    day, notices, read = local(now).date().isoformat(), [], 0
    for user, where in _recipients(session, watch, None):
        if not can(user, watch.spec.view_permission):
            continue
        scope, _problems = where_clause(watch.spec, ViewState(), user)
        count = session.scalar(select(func.count()).select_from(watch.spec.model.__table__)
                               .where(watch.condition, where, *scope)) or 0
        if not count:
            continue
        lines = _in_language(user, lambda u=user, w=where: [
            _render(watch, r) for r in _visible_rows(session, watch, u, and_(watch.condition, w), DIGEST_LINES)])
        read += count
        more = "; …" if count > len(lines) else ""
        notices.append(Notice(user.id, watch.rule(), "saved_views", str(watch.automation.view_id), f"digest:{day}",
                              DIGEST_MESSAGE, {"view": watch.view_name, "count": count,
                                               "lines": "; ".join(lines) + more}))
    return notices, read


# --- the scan -----------------------------------------------------------------------------------------------------

def scan_automation(session: Session, automation: ViewAutomation, now: datetime) -> tuple[int, int]:
    """Run one automation at `now`; returns (notices made, rows read)."""
    watch = Watch(session, automation)
    state = session.get(ViewAutomationScan, automation.id, with_for_update=True)
    if state is None:
        state = ViewAutomationScan(automation_id=automation.id)
        session.add(state)
    if automation.trigger == DIGEST:
        if local(now).hour < DIGEST_HOUR or state.digest_on == local(now).date():
            return 0, 0
        state.digest_on = local(now).date()
        notices, read = _digest_notices(session, watch, now)
        return record(session, notices), read
    database_now = session.scalar(select(func.now()))
    if state.watermark is None:
        read = _baseline(session, watch)
        state.watermark, state.scanned_at, state.full_pass_on = database_now, now, local(now).date()
        return 0, read
    entered, read = _entries(session, watch, state, now)
    state.watermark, state.scanned_at = database_now, now
    session.flush()
    return record(session, _enter_notices(session, watch, entered)), read


def run_watched_views(session: Session, now: datetime) -> dict[str, ScanRun]:
    """Run every enabled automation at `now`, each in a savepoint with its ScanRun row "view:<id>" (like
    rules.run_scans: a failing one keeps its error and does not stop the others)."""
    runs: dict[str, ScanRun] = {}
    for automation in session.scalars(select(ViewAutomation).where(ViewAutomation.enabled)
                                      .order_by(ViewAutomation.id)):
        key = f"view:{automation.id}"
        run = session.get(ScanRun, key) or session.merge(ScanRun(scan=key, started_at=now, runs=0))
        run.started_at, run.error = now, None
        began = time.perf_counter()
        try:
            with session.begin_nested():
                run.made, run.rows_read = scan_automation(session, automation, now)
        except Exception as failure:  # noqa: BLE001 - kept on the run, shown to the admin
            run.made, run.rows_read, run.error = 0, 0, f"{type(failure).__name__}: {failure}"[:2000]
        run.runs = (run.runs or 0) + 1
        run.duration_ms, run.finished_at = (time.perf_counter() - began) * 1000, now
        runs[key] = run
    session.flush()
    return runs


def run_all_scans(session: Session, now: datetime) -> dict[str, ScanRun]:
    """The periodic scan: every built-in scan rule, then every watched view."""
    return run_scans(session, now) | run_watched_views(session, now)


"""Scale data: `python -m portal seed --complaints N` adds N complaints with their timelines and follow-ups, by COPY.

Each complaint lives the life the demo's complaints live (portal/demo_complaints.py: same stories, channels,
grades, categories and pace), compressed into plain rows: received over the last few years (about 900 a day, fewer
at weekends), worked by the center's staff step by step until the present, so old complaints are closed (a few
invalid or duplicates, some reopened after a dissatisfied follow-up) and recent ones are in every open state.
SLA due times come from the working-day calendar as at registration. For large runs the secondary indexes and
foreign keys of the complaint tables are dropped and rebuilt at the end (one transaction).
"""
from __future__ import annotations

import functools
import itertools
import json
import math
import random
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, DropConstraint

from db.audit import copy_audit_rows
from db.complaint_models import Complaint, ComplaintEvent, FollowUp
from db.engine import unit_of_work
from db.models import ComplaintCategory, Department, Retailer, User
from portal.complaints.rules import sla_limits, utcnow
from portal.demo import DISTRICTS, GIVEN_NAMES, PHONE_PREFIXES, SURNAMES
from portal.demo_complaints import (
    CATEGORY_WEIGHTS,
    CHANNEL_WEIGHTS,
    FOLLOW_UP_RESULTS,
    GRADE_WEIGHTS,
    INVALID_REASONS,
    NOTES,
    STORIES,
)
from portal.records.bulk import copy_rows, reserve_ids
from portal.sla import CENTER_TZ, RUNNING_STATES, due_times, local
from portal.workdays import WorkCalendar, load_calendar

CHUNK = 20_000
REBUILD_FROM = 50_000  # complaints; from here on, rebuilding indexes and foreign keys beats keeping them
PER_DAY = 900  # complaints received on a working day
COLUMNS = ("id", "reference", "channel", "received_at", "complainant_name", "complainant_phone", "retailer_id",
           "category_id", "grade", "description", "remedy_sought", "state", "first_contact_owner_id",
           "owner_department_id", "department_id", "handler_id", "first_reply_due_at", "resolution_due_at",
           "next_due_at", "first_replied_at", "replied_at", "followed_up_at", "satisfaction", "closed_at",
           "reopen_count", "duplicate_of_id", "verification_result", "responsibility_analysis", "root_cause",
           "corrective_action", "reply_text", "reply_method", "invalid_reason", "created_at", "updated_at")
EVENT_COLUMNS = ("complaint_id", "at", "actor_id", "kind", "from_state", "to_state", "note", "data")
FOLLOW_UP_COLUMNS = ("complaint_id", "level", "method", "result", "satisfaction", "score_attitude", "score_phrasing",
                     "score_speed", "score_no_buck_passing", "by_id", "at")
DETAILS = ("订单号{n:07d}", "第{k}次反映", "{m}月{d}日的订单", "涉及{k}条卷烟", "线路{route}", "已拍照留存",
           "客户要求书面答复", "附近多家店铺有同样情况", "{street}路口的门店", "客户经理已知情")
INTERIM = "您的投诉已受理并转相关部门处理,我们会在承诺时限内答复您。"


@functools.cache
def _json(**data: Any) -> str:
    """Timeline details as JSON text, made once per distinct value (most repeat: channels, grades, stories)."""
    return json.dumps(data, ensure_ascii=False)


class _Staff:
    """Who receives, handles and supervises (the demo center's staff, or whoever works complaints)."""

    def __init__(self, session: Session):
        users = session.execute(select(User.id, User.roles, User.department_id).where(User.active)).all()
        self.receivers = [u.id for u in users if "agent" in u.roles]
        supervisors = [u.id for u in users if "supervisor" in u.roles]
        if not self.receivers or not supervisors:
            raise ValueError("no complaint staff: seed the demo center first (python -m portal seed --demo)")
        self.supervisor = supervisors[0]
        self.receivers += supervisors[:1]  # a supervisor takes the odd call
        self.department = {u.id: u.department_id for u in users}
        self.handlers: dict[int, list[int]] = {}
        for u in users:
            if "handler" in u.roles and u.department_id is not None:
                self.handlers.setdefault(u.department_id, []).append(u.id)
        service = session.scalar(select(Department.id).where(Department.code == "customer_service"))
        self.handlers.setdefault(service, [r for r in self.receivers if r not in supervisors])


class ComplaintFactory:
    """Deterministic random complaints and what happened to each up to `now`."""

    def __init__(self, session: Session, seed: int, now: datetime):
        self.rng, self.now = random.Random(seed), now
        self.staff = _Staff(session)
        self.calendar: WorkCalendar = load_calendar(session)
        cats = session.execute(select(ComplaintCategory.code, ComplaintCategory.id,
                                      ComplaintCategory.default_department_id)).all()
        self.categories = {code: (cid, dept) for code, cid, dept in cats}
        self.limits = {grade: sla_limits(session, grade) for grade in (1, 2, 3, 4)}
        self.retailers = session.execute(select(Retailer.id, Retailer.owner_name, Retailer.phone)
                                         .where(Retailer.status == "active")).all()
        self.recent: dict[int, tuple[int, str]] = {}  # retailer -> (its latest complaint, category code)
        self.streets = [s for _code, _share, streets in DISTRICTS.values() for s in streets]
        self.weighted = {name: (list(w), list(itertools.accumulate(w.values()))) for name, w in (
            ("channel", CHANNEL_WEIGHTS), ("grade", GRADE_WEIGHTS), ("category", CATEGORY_WEIGHTS))}

    def pick(self, name: str) -> Any:
        """A channel, grade or category, as often as the demo center sees them."""
        values, cumulative = self.weighted[name]
        return self.rng.choices(values, cum_weights=cumulative)[0]

    def received_times(self, count: int) -> list[datetime]:
        """`count` moments in office hours over as many days back as ~900 a working day needs, oldest first."""
        days = max(30, math.ceil(count / PER_DAY * 7 / 5.5))
        today = local(self.now).date()
        calendar = [today - timedelta(days=n) for n in range(days)]
        weights = [1.0 if d.weekday() < 5 else 0.25 for d in calendar]
        rng, moments = self.rng, []
        for day in rng.choices(calendar, weights, k=count):
            moment = datetime.combine(day, time(8, 30), tzinfo=CENTER_TZ) + timedelta(minutes=rng.randint(0, 540))
            moments.append(min(moment, self.now - timedelta(minutes=rng.randint(5, 300))))
        return sorted(moments)

    def _description(self, story: str) -> str:
        rng = self.rng
        detail = rng.choice(DETAILS).format(n=rng.randrange(10**7), k=rng.randint(2, 9), m=rng.randint(1, 12),
                                            d=rng.randint(1, 28), route=f"{rng.randint(1, 48):02d}",
                                            street=rng.choice(self.streets))
        return f"{story}（{detail}）"

    def complaint(self, cid: int, received: datetime, events: list, follow_ups: list) -> tuple:
        """One complaint row; its timeline entries and follow-ups are appended to `events` and `follow_ups`."""
        rng, now, staff = self.rng, self.now, self.staff
        channel, grade = self.pick("channel"), self.pick("grade")
        retailer = rng.choice(self.retailers) if self.retailers and rng.random() < 0.82 else None
        duplicate_of = None
        if retailer is not None and retailer.id in self.recent and rng.random() < 0.03:
            duplicate_of, code = self.recent[retailer.id]
        else:
            code = self.pick("category")
        if retailer is not None:
            self.recent[retailer.id] = (cid, code)
        story = rng.choice(STORIES[code])
        category_id, default_dept = self.categories[code]
        name = retailer.owner_name if retailer else rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        phone = retailer.phone if retailer else rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if channel != "hotline" and rng.random() < 0.3:
            phone = None
        owner = rng.choice(staff.receivers)
        registered = min(received + timedelta(minutes=rng.randint(1, 25)), now)
        hours, days = self.limits[grade]
        reply_due, resolution_due = due_times(self.calendar, registered, first_reply_hours=hours,
                                              resolution_working_days=days)
        c: dict[str, Any] = dict(state="registered", department_id=None, handler_id=None, first_replied_at=None,
                                 replied_at=None, followed_up_at=None, satisfaction=None, closed_at=None,
                                 reopen_count=0, verification_result=None, responsibility_analysis=None,
                                 root_cause=None, corrective_action=None, reply_text=None, reply_method=None,
                                 invalid_reason=None, resolution_due_at=resolution_due, updated=registered)

        def event(at, actor, kind, to=None, note="", data=None, complaint=cid):  # data: JSON text already
            events.append((complaint, at, actor, kind, c["state"] if to else None, to, note, data))
            if to:
                c["state"] = to
            c["updated"] = at

        event(registered, owner, "state_change", "registered", data=_json(channel=channel, grade=grade,
                                                                           major=grade == 1))
        if duplicate_of is not None:
            c["closed_at"] = registered
            event(registered, owner, "link", "duplicate", data=f'{{"duplicate_of": {duplicate_of}}}')
            events.append((duplicate_of, registered, owner, "link", None, None, "", f'{{"duplicate": {cid}}}'))
        else:
            self._work(c, code, story, default_dept, owner, grade, channel, registered, event, follow_ups, cid)
        running = c["state"] in RUNNING_STATES
        next_due = (min(reply_due, c["resolution_due_at"]) if c["first_replied_at"] is None
                    else c["resolution_due_at"]) if running else None
        return (cid, f"TS-{local(registered).year}-{cid:06d}", channel, received, name, phone,
                retailer.id if retailer else None, category_id, grade, self._description(story[0]), story[1],
                c["state"], owner, staff.department.get(owner), c["department_id"], c["handler_id"], reply_due,
                c["resolution_due_at"], next_due, c["first_replied_at"], c["replied_at"], c["followed_up_at"],
                c["satisfaction"], c["closed_at"], c["reopen_count"], duplicate_of, c["verification_result"],
                c["responsibility_analysis"], c["root_cause"], c["corrective_action"], c["reply_text"],
                c["reply_method"], c["invalid_reason"], registered, c["updated"])

    def _work(self, c: dict, code: str, story: tuple, dept: int | None, owner: int, grade: int, channel: str,
              start: datetime, event: Callable, follow_ups: list, cid: int) -> None:
        """Move the complaint along as staff would have (see demo_complaints._work), stopping at the present."""
        rng, now, staff = self.rng, self.now, self.staff
        clock = [start]
        pace = 1 if rng.random() < 0.85 else rng.uniform(2.5, 4)

        def at(low: float, high: float) -> datetime | None:
            clock[0] += timedelta(hours=pace * rng.uniform(low, high))
            return clock[0] if clock[0] < now else None

        sup = staff.supervisor
        if rng.random() < 0.04:
            if (t := at(0.5, 4)) is not None:
                c["invalid_reason"], c["closed_at"] = rng.choice(INVALID_REASONS), t
                event(t, sup, "state_change", "invalid", note=c["invalid_reason"])
            return
        if rng.random() < 0.12 and (t := at(0.2, 2)) is not None:
            event(t, owner, "note", note=rng.choice(NOTES))
        if (t := at(0.3, 3)) is None:
            return
        handlers = staff.handlers.get(dept) or []
        handler = rng.choice(handlers) if handlers else None
        c["department_id"], c["handler_id"] = dept, handler
        event(t, sup, "state_change", "assigned", data=_json(department_id=(None, dept), handler_id=(None, handler)))
        if (grade <= 2 or rng.random() < 0.3) and (t := at(0.5, 6)) is not None:
            c["first_replied_at"] = t
            event(t, owner, "reply", note=INTERIM,
                  data=f'{{"final": false, "method": "phone", "replied_at": "{t.isoformat()}"}}')
        if (t := at(0.5, 6)) is None:
            return
        worker = handler or sup
        event(t, worker, "state_change", "in_progress")
        for attempt in range(3):
            if (t := at(*((50, 110) if rng.random() < 0.12 else (3, 36)))) is None:
                return
            c.update(verification_result=story[2], root_cause=story[3], corrective_action=story[4],
                     responsibility_analysis="责任部门:" + ("配送中心" if "送" in story[0] else "业务部门"))
            event(t, worker, "field_change", data=_json(field="verification_result", old=None, new=story[2]))
            method = rng.choices(("phone", "visit", "sms"), weights=(80, 12, 8))[0]
            c.update(reply_text=story[5], reply_method=method, replied_at=t,
                     first_replied_at=c["first_replied_at"] or t)
            event(t, worker, "reply", "replied", note=story[5],
                  data=f'{{"final": true, "method": "{method}", "replied_at": "{t.isoformat()}"}}')
            if (t := at(18, 72)) is None:
                return
            mood = rng.choices(list(FOLLOW_UP_RESULTS), weights=(76, 16, 8 if attempt == 0 else 2))[0]
            level = 1 if channel == "manager_visit" else 2
            base = {"satisfied": 5, "basically_satisfied": 4, "dissatisfied": 2}[mood]
            scores = [max(1, min(5, base - rng.choice((0, 0, 0, 1)))) for _n in range(4)]
            follow_ups.append((cid, level, "visit" if level == 1 else "phone", FOLLOW_UP_RESULTS[mood], mood, *scores,
                               owner, t))
            c.update(followed_up_at=t, satisfaction=mood)
            data = _json(level=level, method="visit" if level == 1 else "phone", satisfaction=mood)
            if mood == "dissatisfied":
                due = self.calendar.add_working_days(local(t), self.limits[grade][1])
                c.update(reopen_count=c["reopen_count"] + 1, resolution_due_at=due, replied_at=None)
                event(t, owner, "follow_up", "in_progress", note=FOLLOW_UP_RESULTS[mood], data=data)
                continue
            event(t, owner, "follow_up", "followed_up", note=FOLLOW_UP_RESULTS[mood], data=data)
            break
        else:
            return
        if (t := at(2, 40)) is None:
            return
        c["closed_at"] = t
        event(t, sup, "state_change", "closed")


def _constraints(session: Session, drop: bool) -> None:
    """Drop (or add back) the foreign keys of the complaint tables, which a bulk load would check row by row."""
    for table in (Complaint.__table__, ComplaintEvent.__table__, FollowUp.__table__):
        for fk in sorted(table.foreign_key_constraints, key=lambda f: f.name):
            session.execute(DropConstraint(fk) if drop else AddConstraint(fk))


def seed_complaints(engine: Engine, count: int, *, seed: int = 2026,
                    progress: Callable[[int, int], None] | None = None) -> int:
    """Add `count` complaints (with timelines, follow-ups, one audit row each) in one transaction."""
    with unit_of_work(engine=engine) as s:
        now = utcnow()
        existing = s.scalar(select(Complaint.id).order_by(Complaint.id.desc()).limit(1)) or 0
        factory = ComplaintFactory(s, seed + existing, now)
        rebuild = count >= REBUILD_FROM
        indexes = [*Complaint.__table__.indexes, *ComplaintEvent.__table__.indexes,
                   *FollowUp.__table__.indexes] if rebuild else []
        for index in indexes:
            s.execute(text(f"DROP INDEX IF EXISTS {index.name}"))
        if rebuild:
            _constraints(s, drop=True)
        done = 0
        moments = factory.received_times(count)
        while done < count:
            n = min(CHUNK, count - done)
            ids = reserve_ids(s, "complaints", n)
            events: list[tuple] = []
            follow_ups: list[tuple] = []
            rows = [factory.complaint(cid, moments[done + i], events, follow_ups) for i, cid in enumerate(ids)]
            copy_rows(s, "complaints", COLUMNS, rows)
            copy_rows(s, "complaint_events", EVENT_COLUMNS, events)
            copy_rows(s, "complaint_follow_ups", FOLLOW_UP_COLUMNS, follow_ups)
            copy_audit_rows(s, (("complaints", str(i), "insert", None, None, None) for i in ids))
            done += n
            if progress:
                progress(done, count)
        s.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        for index in indexes:
            index.create(s.connection())
        if rebuild:
            _constraints(s, drop=False)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("complaints", "complaint_events", "complaint_follow_ups"):
            conn.execute(text(f"VACUUM (ANALYZE) {table}"))
    return done

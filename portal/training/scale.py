"""Scale data: `python -m portal seed --training-registrations N` adds N sign-ups, with their sessions,
attendance, follow-up calls and evaluations, by COPY.

The programme runs as the demo's does (portal/training/demo.py: same catalog, places, reasons and comments), over
the last three years and the next two months: monthly plans approved early in the month; sessions of at most 100
seats (most lectures take 100) that fill, get a waiting list, lose a few sign-ups and promote the first in line;
held sessions with about four in five seated retailers present, most absentees called back, and evaluations from
at least 10% of attendees; future sessions approved, their notification calls partly done. Retailers come from the
retailers table, unevenly: some come often, about one in eight never, and this year's sessions so far reach about
four in five active retailers when N allows (most of the sign-ups then fall in this year: the programme is pushing
for its target), of whom about four in five came — so the year's coverage lands near 60–70%, short of the 90%.
For large runs the secondary indexes and foreign keys of the sign-up tables are dropped and rebuilt at the end.
"""
from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from db.audit import copy_audit_rows
from db.engine import unit_of_work
from db.models import Department, Retailer, User
from db.training_models import Evaluation, SignUp, TrainingCourse
from portal import training as tr
from portal.access.auth import CurrentUser
from portal.center.sla import CENTER_TZ, local
from portal.center.workdays import WorkCalendar, load_calendar
from portal.records.bulk import copy_rows, rebuilt_after, reserve_ids, vacuum_analyze
from portal.training.demo import ABSENCE_REASONS, COMMENTS, COURSES, PLACES
from portal.training.rules import month_start, next_month, nth_working_day, previous_month, utcnow

CHUNK = 20_000  # sign-ups per COPY round
REBUILD_FROM = 50_000  # sign-ups; from here on, rebuilding indexes and foreign keys beats keeping them
YEARS_BACK = 3
MONTHS_AHEAD = 2
YEAR_REACH = 0.8  # this year's sessions aim at about this share of active retailers
NEVER_SHARE = 0.12  # active retailers who never come
KEEN_SHARE, KEEN_WEIGHT = 0.08, 6  # retailers who come to many sessions
ATTENDANCE = 0.8
CANCEL_SHARE = 0.06
# format, capacities, share of sessions
FORMATS = (("lecture", (100,), 0.82), ("discussion", (40, 50, 60), 0.11), ("on_site", (20, 25, 30), 0.07))
CANCEL_REASONS = ("店里临时有事", "当天要进货", "客户改报下一期", "身体不适", "联系不上客户,取消报名")
SESSION_CANCEL_REASONS = ("讲师临时出差", "场地冲突,改期另行安排", "天气原因取消")
AUDIENCES = ("全市持证零售客户", "城区便利店客户", "三星级以上零售客户", "新办证零售客户")
SESSION_COLUMNS = ("id", "version", "course_id", "title", "starts_at", "ends_at", "place", "format", "trainer_id",
                   "capacity", "audience", "content", "state", "created_by_id", "submitted_at", "approved_at",
                   "approved_by_id", "held_at", "cancelled_at", "cancel_reason", "created_at", "updated_at")
SIGN_UP_COLUMNS = ("id", "version", "session_id", "retailer_id", "state", "waitlist_position", "channel",
                   "signed_up_at", "signed_up_by_id", "promoted_at", "notified_method", "notified_at",
                   "notified_by_id", "needs_renotify", "attended", "checked_in_at", "absence_reason", "follow_up_at",
                   "follow_up_by_id", "cancel_reason", "cancelled_at")
EVALUATION_COLUMNS = ("id", "version", "session_id", "sign_up_id", "score_content", "score_trainer",
                      "score_usefulness", "comments", "entered_by_id", "entered_at")


@dataclass
class _Plan:
    """One session as generated: when, how big, what happens to it, and how many sign-ups it gets."""

    course: tuple  # (id, title, duration_minutes, description)
    starts: datetime
    format: str
    capacity: int
    rows: int
    state: str  # approved (held or still to come), cancelled, or not approved yet (draft, submitted)
    approved: datetime | None = None
    audit: list[tuple] = field(default_factory=list)


class _Retailers:
    """Who signs up: weighted draws (keen retailers often, some never), and for this year's past sessions a first
    pass through the retailers meant to be reached this year, so the year's coverage follows YEAR_REACH."""

    def __init__(self, rng: random.Random, active: list[int]):
        pool = active[:]
        rng.shuffle(pool)
        self.rng = rng
        self.eligible = pool[:max(1, len(pool) - round(len(pool) * NEVER_SHARE))] if pool else []
        keen = set(self.eligible[:round(len(self.eligible) * KEEN_SHARE)])
        self.cumulative = list(itertools.accumulate(KEEN_WEIGHT if r in keen else 1 for r in self.eligible))
        self.this_year = self.eligible[:round(len(active) * YEAR_REACH)]
        rng.shuffle(self.this_year)
        self.cursor = 0

    def draw(self, k: int, first_pass: bool) -> list[int]:
        """`k` distinct retailers for one session."""
        k = min(k, len(self.eligible))
        chosen: dict[int, None] = {}
        if first_pass:
            while len(chosen) < k and self.cursor < len(self.this_year):
                chosen[self.this_year[self.cursor]] = None
                self.cursor += 1
        while len(chosen) < k:
            for r in self.rng.choices(self.eligible, cum_weights=self.cumulative, k=k - len(chosen)):
                chosen[r] = None
        return list(chosen)[:k]


class TrainingFactory:
    """Deterministic random sessions and sign-ups, and what happened to each up to `now`."""

    def __init__(self, session: Session, seed: int, now: datetime):
        self.rng, self.now = random.Random(seed), now
        users = session.execute(select(User.id, User.roles, User.department_id).where(User.active)).all()
        self.coordinators = [u.id for u in users if "training_coordinator" in u.roles]
        approvers = [u.id for u in users if "supervisor" in u.roles]
        if not self.coordinators or not approvers:
            raise ValueError("no training staff: seed the demo center first (python -m portal seed --demo)")
        self.approver = approvers[0]
        marketing = session.scalar(select(Department.id).where(Department.code == "marketing"))
        self.trainers = [u.id for u in users if u.department_id == marketing and "handler" in u.roles] \
            or self.coordinators
        self.courses = session.execute(select(TrainingCourse.id, TrainingCourse.title, TrainingCourse.duration_minutes,
                                              TrainingCourse.description).where(TrainingCourse.active)
                                       .order_by(TrainingCourse.id)).all()
        active = list(session.scalars(select(Retailer.id).where(Retailer.status == "active").order_by(Retailer.id)))
        if not active:
            raise ValueError("no active retailers to sign up: seed retailers first")
        self.active = len(active)
        self.retailers = _Retailers(self.rng, active)
        self.calendar: WorkCalendar = load_calendar(session)
        self.counts = {"promoted": 0, "cancelled": 0}

    # --- the programme: which sessions, when, how many sign-ups each ------------------------------------------

    def _months(self) -> list[date]:
        today = local(self.now).date()
        first = month_start(today).replace(year=today.year - YEARS_BACK)
        months = [first]
        while len(months) < YEARS_BACK * 12 + 1 + MONTHS_AHEAD:
            months.append(next_month(months[-1]))
        return months

    def plans(self, count: int) -> list[_Plan]:
        """Sessions until they hold `count` sign-ups, oldest first; this year's months weigh more when the year's
        reach needs it."""
        rng, months, year = self.rng, self._months(), local(self.now).year
        this_year = [m for m in months if m.year == year]
        # sign-ups this year's past sessions need to reach YEAR_REACH (one in five seated stays away)
        need = YEAR_REACH * self.active / ATTENDANCE / (1 - CANCEL_SHARE)
        share = min(0.7, need / count)  # of all sign-ups, in this year's months so far
        current = month_start(self.now)
        boosted = sum(1 for m in this_year if m <= current)
        boost = max(1.0, share * (len(months) - boosted) / ((1 - share) * boosted))
        weights = list(itertools.accumulate(boost if m.year == year and m <= current else 1.0 for m in months))
        formats = list(itertools.accumulate(f[2] for f in FORMATS))
        plans, total = [], 0
        upcoming = max(2, round(count / 100 * 0.04))  # the next two months always have sessions to sign up to
        while total < count:
            month = rng.choices(months, cum_weights=weights)[0]
            fmt, capacities, _share = rng.choices(FORMATS, cum_weights=formats)[0]
            capacity = rng.choice(capacities)
            starts = self._start(month) if len(plans) >= upcoming else self._upcoming_start(months[-1])
            future = starts > self.now
            if future and len(plans) >= upcoming and rng.random() < 0.05:  # late additions, not approved: no sign-ups
                plans.append(_Plan(rng.choice(self.courses), starts, fmt, capacity, 0,
                                   rng.choice(("draft", "submitted"))))
                continue
            fill = rng.uniform(0.3, 1.1) if future else rng.uniform(0.85, 1.2)
            rows = min(max(1, round(capacity * fill)), count - total, len(self.retailers.eligible))
            state = "cancelled" if rng.random() < 0.03 else "approved"
            plans.append(_Plan(rng.choice(self.courses), starts, fmt, capacity, rows, state))
            total += rows
        plans.sort(key=lambda p: p.starts)
        return plans

    def _start(self, month: date) -> datetime:
        day = month.replace(day=self.rng.randint(1, 28))
        day = self.calendar.next_working_day(day)
        return datetime.combine(day, time(self.rng.choice((9, 9, 14, 14, 15))), tzinfo=CENTER_TZ)

    def _upcoming_start(self, last_month: date) -> datetime:
        """A start between tomorrow and the end of the window."""
        first = local(self.now).date() + timedelta(days=1)
        day = first + timedelta(days=self.rng.randint(0, max(0, (last_month.replace(day=28) - first).days)))
        return datetime.combine(self.calendar.next_working_day(day), time(self.rng.choice((9, 14))), tzinfo=CENTER_TZ)

    def _plan_times(self, month: date, starts: datetime) -> tuple[datetime, datetime, datetime]:
        """Drafted on the 20th of the month before, submitted the next day, approved on the 2nd working day of the
        month (the 5th now and then: late) — always before the session and never after now."""
        drafted = min(datetime.combine(previous_month(month).replace(day=20), time(10), tzinfo=CENTER_TZ),
                      starts - timedelta(days=10), self.now - timedelta(days=12))
        submitted = drafted + timedelta(days=1)
        nth = 5 if self.rng.random() < 0.1 else 2
        approved = datetime.combine(nth_working_day(self.calendar, month, nth), time(16), tzinfo=CENTER_TZ)
        approved = max(submitted + timedelta(hours=2), min(approved, starts - timedelta(days=2),
                                                            self.now - timedelta(days=self.rng.uniform(2, 8))))
        return drafted, submitted, approved

    # --- one session and its sign-ups ------------------------------------------------------------------------

    def session_row(self, sid: int, plan: _Plan) -> tuple:
        rng, now = self.rng, self.now
        course_id, title, minutes, description = plan.course
        ends = plan.starts + timedelta(minutes=minutes)
        drafted, submitted, approved = self._plan_times(month_start(plan.starts), plan.starts)
        state, held, cancelled, reason, version = plan.state, None, None, None, 3
        if state in ("draft", "submitted"):
            approved, version = None, 1 + (state == "submitted")
            submitted = submitted if state == "submitted" else None
        elif state == "cancelled":
            cancelled = min(approved + (plan.starts - approved) * rng.uniform(0.3, 0.9), now - timedelta(minutes=5))
            reason, version = rng.choice(SESSION_CANCEL_REASONS), 4
        elif ends <= now:
            state, held, version = "held", min(ends + timedelta(minutes=rng.randint(5, 90)), now), 4
        plan.approved = approved
        self._session_audit(plan, sid, state)
        closes = cancelled or plan.starts
        return (sid, version, course_id, title, plan.starts, ends, rng.choice(PLACES), plan.format,
                rng.choice(self.trainers), plan.capacity, rng.choice(AUDIENCES), description, state,
                rng.choice(self.coordinators), submitted, approved, self.approver if approved else None, held,
                cancelled, reason, drafted, held or cancelled or approved or submitted or drafted), closes, ends

    def _session_audit(self, plan: _Plan, sid: int, state: str) -> None:
        rid = str(sid)
        plan.audit = [("training_sessions", rid, "insert", None, None, None)]
        steps = {"draft": (), "submitted": ("submitted",), "approved": ("submitted", "approved"),
                 "held": ("submitted", "approved", "held"), "cancelled": ("submitted", "approved", "cancelled")}
        old = "draft"
        for new in steps[state]:
            plan.audit.append(("training_sessions", rid, "update", "state", old, new))
            old = new

    def sign_ups(self, sid: int, plan: _Plan, state: str, closes: datetime, ends: datetime, ids: list[int],
                 attendees: list[int]) -> list[tuple]:
        """The session's sign-ups in arrival order, with cancellations and waiting-list promotions replayed in
        time order, then notification, attendance, follow-up calls and evaluations."""
        rng, now = self.rng, self.now
        first_pass = state == "held" and plan.starts.year == local(now).year
        retailers = self.retailers.draw(len(ids), first_pass)
        opens = plan.approved + timedelta(hours=1)
        last = max(opens, min(closes - timedelta(hours=3), now - timedelta(minutes=10)))
        times = sorted(opens + (last - opens) * rng.random() for _r in ids)
        rows = [dict(id=i, retailer=r, at=t, state=None, pos=None, promoted=None, notified=None, method=None,
                     renotify=False, cancelled=None, reason=None)
                for i, r, t in zip(ids, retailers, times, strict=True)]
        events = [(r["at"], 0, n) for n, r in enumerate(rows)]
        for n, r in enumerate(rows):
            notify = r["at"] + timedelta(hours=rng.uniform(1, 72))
            if notify < min(closes, now) and (state != "approved" or plan.starts <= now or rng.random() < 0.65):
                r["notified"], r["method"] = notify, rng.choice(("phone", "phone", "sms", "visit", "wechat"))
            if rng.random() < CANCEL_SHARE and (end := min(closes - timedelta(hours=1), now)) > r["at"]:
                events.append((r["at"] + (end - r["at"]) * rng.random(), 1, n))
        seated, waiting, position = 0, [], 0
        for at, kind, n in sorted(events):
            r = rows[n]
            if kind == 0 and seated < plan.capacity:
                r["state"], seated = "signed_up", seated + 1
            elif kind == 0:
                position += 1
                r["state"], r["pos"] = "waitlisted", position
                waiting.append(r)
            else:
                if r["state"] == "signed_up" and waiting:  # the freed seat goes to the first in line
                    first = waiting.pop(0)
                    first["state"], first["pos"], first["promoted"] = "signed_up", None, at
                    first["renotify"] = first["notified"] is not None and first["notified"] <= at
                    self.counts["promoted"] += 1
                    plan.audit.append(("training_sign_ups", str(first["id"]), "update", "state", "waitlisted",
                                       "signed_up"))
                elif r["state"] == "signed_up":
                    seated -= 1
                elif r in waiting:
                    waiting.remove(r)
                plan.audit.append(("training_sign_ups", str(r["id"]), "update", "state", r["state"], "cancelled"))
                r["state"], r["pos"], r["cancelled"] = "cancelled", None, at
                r["reason"], r["renotify"] = rng.choice(CANCEL_REASONS), False
                self.counts["cancelled"] += 1
        out = []
        for r in rows:
            if r["renotify"] and (again := r["promoted"] + timedelta(hours=rng.uniform(1, 24))) < min(closes, now):
                r["notified"], r["renotify"] = again, False  # told they have a seat now
            if state == "cancelled" and r["state"] != "cancelled":
                r["renotify"] = r["notified"] is not None
                if closes + timedelta(hours=4) < now:  # told of the cancellation
                    r["notified"], r["renotify"] = closes + timedelta(hours=rng.uniform(1, 4)), False
                    r["method"] = r["method"] or "phone"
            out.append(self._sign_up_row(sid, r, plan, state, ends, attendees))
        return out

    def _sign_up_row(self, sid: int, r: dict, plan: _Plan, state: str, ends: datetime,
                     attendees: list[int]) -> tuple:
        """The sign-up row; a held session's attendees are added to `attendees` (some of them evaluate)."""
        rng, now = self.rng, self.now
        attended = checked_in = reason = follow_up = follow_up_by = None
        if r["state"] == "signed_up" and plan.starts <= now and state in ("approved", "held"):
            if rng.random() < ATTENDANCE:
                attended, checked_in = True, plan.starts - timedelta(minutes=rng.randint(0, 20))
            elif state == "held":  # mark_held counts the unmarked as absent
                attended = False
                if rng.random() < 0.75 and (call := ends + timedelta(hours=rng.uniform(2, 72))) < now:
                    reason, follow_up, follow_up_by = rng.choice(ABSENCE_REASONS), call, rng.choice(self.coordinators)
            if attended and state == "held":
                attendees.append(r["id"])
        return (r["id"], 1 + (r["promoted"] is not None) + (r["cancelled"] is not None) + (r["notified"] is not None)
                + (attended is not None), sid, r["retailer"], r["state"], r["pos"],
                rng.choice(("phone", "phone", "phone", "visit", "walk_in")), r["at"], rng.choice(self.coordinators),
                r["promoted"], r["method"] if r["notified"] else None, r["notified"],
                rng.choice(self.coordinators) if r["notified"] else None, r["renotify"], attended, checked_in, reason,
                follow_up, follow_up_by, r["reason"], r["cancelled"])

    def evaluation_sample(self, attendees: list[int]) -> list[int]:
        """The attendees who evaluate: at least 10% of them (rounded up), up to 30%."""
        n = len(attendees)
        return self.rng.sample(attendees, min(n, max(math.ceil(n * 0.1), round(n * self.rng.uniform(0.1, 0.3)))))

    def evaluation_row(self, eid: int, session_id: int, sign_up_id: int, entered: datetime) -> tuple:
        rng = self.rng
        return (eid, 1, session_id, sign_up_id, rng.choice((3, 4, 4, 5, 5)), rng.choice((4, 4, 5)),
                rng.choice((3, 4, 5)), rng.choice(COMMENTS), rng.choice(self.coordinators), entered)


def ensure_courses(engine: Engine) -> int:
    """The demo catalog, made through the catalog functions (audited) when there is no active course; returns how
    many were added."""
    with unit_of_work(engine=engine) as s:
        if s.scalar(select(TrainingCourse.id).where(TrainingCourse.active).limit(1)) is not None:
            return 0
        user = s.scalar(select(User).where(User.active, User.roles.contains(["training_coordinator"])).limit(1))
        if user is None:
            raise ValueError("no training coordinator: seed the demo center first (python -m portal seed --demo)")
        s.info["actor_id"] = user.id
        actor = CurrentUser.of(user)
        for title, kind, minutes, types, stars, description in COURSES:
            tr.create_course(s, actor=actor, title=title, kind=kind, duration_minutes=minutes,
                             target_business_types=types, target_star_levels=stars, description=description)
        return len(COURSES)


def seed_training(engine: Engine, count: int, *, seed: int = 2026,
                  progress: Callable[[int, int], None] | None = None) -> int:
    """Add `count` sign-ups with their sessions, attendance and evaluations (one audit row per record, one per
    promotion and cancellation) in one transaction; returns how many sign-ups were added."""
    if count <= 0:
        return 0
    ensure_courses(engine)
    with unit_of_work(engine=engine) as s:
        existing = s.scalar(text("select coalesce(max(id), 0) from training_sign_ups"))
        factory = TrainingFactory(s, seed + existing, utcnow())
        plans = factory.plans(count)
        done, batch = 0, []
        with rebuilt_after(s, (SignUp.__table__, Evaluation.__table__), rebuild=count >= REBUILD_FROM,
                           maintenance_work_mem="256MB"):
            for n, plan in enumerate(plans):
                batch.append(plan)
                pending = sum(p.rows for p in batch)
                if pending >= CHUNK or n == len(plans) - 1:
                    done += _write(s, factory, batch)
                    batch = []
                    if progress:
                        progress(done, count)
    vacuum_analyze(engine, ("training_sessions", "training_sign_ups", "training_evaluations"))
    return done


def _write(s: Session, factory: TrainingFactory, plans: list[_Plan]) -> int:
    """COPY a batch of sessions with their sign-ups, evaluations and audit rows."""
    session_ids = reserve_ids(s, "training_sessions", len(plans))
    sessions, shaped = [], []
    for sid, plan in zip(session_ids, plans, strict=True):
        row, closes, ends = factory.session_row(sid, plan)
        sessions.append(row)
        shaped.append((sid, plan, row[12], closes, ends))
    sign_up_ids = iter(reserve_ids(s, "training_sign_ups", sum(p.rows for p in plans)))
    sign_ups, samples, audit = [], [], []
    for sid, plan, state, closes, ends in shaped:
        attendees: list[int] = []
        ids = list(itertools.islice(sign_up_ids, plan.rows))
        sign_ups += factory.sign_ups(sid, plan, state, closes, ends, ids, attendees) if ids else []
        samples += ((sid, sign_up, ends) for sign_up in factory.evaluation_sample(attendees))
        audit += plan.audit
        audit += (("training_sign_ups", str(i), "insert", None, None, None) for i in ids)
    evaluation_ids = reserve_ids(s, "training_evaluations", len(samples))
    evaluation_rows = [factory.evaluation_row(eid, sid, sign_up, ends)
                       for eid, (sid, sign_up, ends) in zip(evaluation_ids, samples, strict=True)]
    audit += (("training_evaluations", str(eid), "insert", None, None, None) for eid in evaluation_ids)
    copy_rows(s, "training_sessions", SESSION_COLUMNS, sessions)
    copy_rows(s, "training_sign_ups", SIGN_UP_COLUMNS, sign_ups)
    copy_rows(s, "training_evaluations", EVALUATION_COLUMNS, evaluation_rows)
    copy_audit_rows(s, audit)
    return len(sign_ups)

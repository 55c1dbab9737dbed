"""Scale data, each complaint's life: ComplaintFactory makes random complaints and what happened to each up to now,
as lines of COPY text (in the column order of TABLES in portal/complaints/scale.py, which writes them).

Each complaint lives the life the demo's complaints live (portal/complaints/demo.py: same stories, channels,
grades, categories and pace), compressed into plain rows: received over the last few years (about 900 a day, fewer
at weekends), worked by the center's staff step by step until the present, so old complaints are closed (a few
invalid or duplicates, some reopened after a dissatisfied follow-up) and recent ones are in every open state.
SLA due times come from the working-day calendar as at registration.

Speed: the rows are made as COPY text directly (no per-row tuples to adapt), due times come from per-day tables
instead of walking the calendar per complaint (DueClock), and random draws use `random()` arithmetic rather than
the general `choice`/`choices`. Moments are naive center wall-clock times (no time zone lookups per row).
"""
from __future__ import annotations

import bisect
import itertools
import json
import math
import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import ComplaintCategory, Department, Retailer, User
from portal.center.sla import CENTER_TZ, RUNNING_STATES, local
from portal.center.workdays import WorkCalendar, load_calendar
from portal.complaints.demo import (
    CATEGORY_WEIGHTS,
    CHANNEL_WEIGHTS,
    FOLLOW_UP_RESULTS,
    GRADE_WEIGHTS,
    INVALID_REASONS,
    NOTES,
    STORIES,
)
from portal.complaints.rules import sla_limits
from portal.retailers.demo import DISTRICTS, GIVEN_NAMES, PHONE_PREFIXES, SURNAMES

CHUNK = 20_000  # complaints per chunk of COPY text
PER_DAY = 900  # complaints received on a working day
DETAILS = ("订单号{n:07d}", "第{k}次反映", "{m}月{d}日的订单", "涉及{k}条卷烟", "线路{route}", "已拍照留存",
           "客户要求书面答复", "附近多家店铺有同样情况", "{street}路口的门店", "客户经理已知情")
INTERIM = "您的投诉已受理并转相关部门处理,我们会在承诺时限内答复您。"
NULL = "\\N"  # COPY text format
DAY = timedelta(days=1)


def copy_text(value: str) -> str:
    """`value` escaped for COPY's text format (backslash, tab, newline, carriage return)."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _json(**data: Any) -> str:
    """Timeline details as JSON, escaped for COPY (made once per distinct value: most repeat)."""
    return copy_text(json.dumps(data, ensure_ascii=False))


def _n(value: Any) -> str:
    return NULL if value is None else str(value)


def _iso(moment: datetime) -> str:
    """A center wall-clock moment as the domain writes moments into timeline details (ISO, with its offset)."""
    return moment.replace(tzinfo=CENTER_TZ).isoformat()


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


class DueClock:
    """The SLA due times portal.center.sla.due_times and WorkCalendar.add_working_days give, from per-day tables, on
    the center's wall-clock time (naive datetimes: what aware ones in one zone compute, without the zone lookups).

    Working time is whole working days, so "H hours after moment m" is: the time of day of m plus H, split into
    whole days q and a remainder r, landing r after midnight of the q-th working day after m's (a day off
    counts from 00:00 of the next working day). Each (day, q) is worked out once, not once per complaint."""

    def __init__(self, calendar: WorkCalendar):
        self.calendar = calendar
        self._start: dict[date, tuple[date, bool]] = {}
        self._ahead: dict[tuple[date, int], date] = {}
        self._midnight: dict[date, datetime] = {}

    def midnight(self, day: date) -> datetime:
        m = self._midnight.get(day)
        if m is None:
            m = self._midnight[day] = datetime.combine(day, time(0))
        return m

    def _working_start(self, day: date) -> tuple[date, bool]:
        """(the first working day from `day` on, whether `day` itself is one)."""
        found = self._start.get(day)
        if found is None:
            working = self.calendar.is_working_day(day)
            found = self._start[day] = (day if working else self.calendar.next_working_day(day), working)
        return found

    def _days_ahead(self, day: date, n: int) -> date:
        """The n-th working day after working day `day`."""
        found = self._ahead.get((day, n))
        if found is None:
            found = self._ahead[(day, n)] = self.calendar.add_working_days(day, n)
        return found

    def after_hours(self, moment: datetime, hours: int) -> datetime:
        """portal.center.sla.add_working_time(calendar, moment, timedelta(hours=hours)), `moment` in center time."""
        day = moment.date()
        start, working = self._working_start(day)
        into = moment - self.midnight(day) if working else timedelta(0)
        q, rest = divmod(into + timedelta(0, hours * 3600), DAY)
        return self.midnight(self._days_ahead(start, q)) + rest

    def after_days(self, moment: datetime, days: int) -> datetime:
        """WorkCalendar.add_working_days(moment, days), `moment` in center time."""
        day = moment.date()
        start, working = self._working_start(day)
        midnight = self.midnight(self._days_ahead(start, days))
        return midnight + (moment - self.midnight(day)) if working else midnight


class ComplaintFactory:
    """Deterministic random complaints and what happened to each up to `now`, as lines of COPY text."""

    def __init__(self, session: Session, seed: int, now: datetime):
        self.rng = random.Random(seed)
        self.now = local(now).replace(tzinfo=None)  # center wall-clock time, as every moment here
        self.staff = _Staff(session)
        self.clock = DueClock(load_calendar(session))
        cats = session.execute(select(ComplaintCategory.code, ComplaintCategory.id,
                                      ComplaintCategory.default_department_id)).all()
        self.categories = {code: (cid, dept) for code, cid, dept in cats}
        self.limits = {grade: sla_limits(session, grade) for grade in (1, 2, 3, 4)}
        self.retailers = [(r.id, copy_text(r.owner_name), r.phone and copy_text(r.phone)) for r in session.execute(
            select(Retailer.id, Retailer.owner_name, Retailer.phone).where(Retailer.status == "active"))]
        self.recent: dict[int, tuple[int, str]] = {}  # retailer -> (its latest complaint, category code)
        self.streets = [copy_text(s) for _code, _share, streets in DISTRICTS.values() for s in streets]
        self.weighted = {name: (list(w), list(itertools.accumulate(w.values()))) for name, w in (
            ("channel", CHANNEL_WEIGHTS), ("grade", GRADE_WEIGHTS), ("category", CATEGORY_WEIGHTS))}
        # the texts, escaped for COPY once; JSON details that repeat, made once. A story: (its six texts,
        # the timeline details of its verification, the responsibility analysis)
        self.stories = {code: [(tuple(copy_text(t) for t in story),
                                _json(field="verification_result", old=None, new=story[2]),
                                copy_text("责任部门:" + ("配送中心" if "送" in story[0] else "业务部门")))
                               for story in stories]
                        for code, stories in STORIES.items()}
        self.notes = [copy_text(n) for n in NOTES]
        self.invalid_reasons = [copy_text(r) for r in INVALID_REASONS]
        self.results = {mood: copy_text(result) for mood, result in FOLLOW_UP_RESULTS.items()}
        self.interim = copy_text(INTERIM)
        self.details = [copy_text(d) for d in DETAILS]
        self._registered_json = {(channel, grade): _json(channel=channel, grade=grade, major=grade == 1)
                                 for channel in CHANNEL_WEIGHTS for grade in GRADE_WEIGHTS}
        self._assigned_json: dict[tuple, str] = {}
        self._follow_up_json = {(level, mood): _json(level=level, method="visit" if level == 1 else "phone",
                                                     satisfaction=mood)
                                for level in (1, 2) for mood in FOLLOW_UP_RESULTS}

    def pick(self, name: str) -> Any:
        """A channel, grade or category, as often as the demo center sees them."""
        values, cumulative = self.weighted[name]
        return values[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]

    def received_minutes(self, count: int) -> list[int]:
        """`count` moments in office hours over as many days back as ~900 a working day needs, oldest first, as
        minutes since midnight of the first day (`received_at` turns one into a moment)."""
        days = max(30, math.ceil(count / PER_DAY * 7 / 5.5))
        today = self.now.date()
        self.first_day = today - timedelta(days=days - 1)
        offsets = range(days)
        weights = [1.0 if (self.first_day + timedelta(days=n)).weekday() < 5 else 0.25 for n in offsets]
        rnd = self.rng.random
        latest = (self.now - self.clock.midnight(self.first_day)) // timedelta(minutes=1)
        return sorted(min(d * 1440 + 510 + int(rnd() * 541), latest - 5 - int(rnd() * 296))
                      for d in self.rng.choices(offsets, weights, k=count))

    def received_at(self, minutes: int) -> datetime:
        day, minute = divmod(minutes, 1440)
        return self.clock.midnight(self.first_day + timedelta(days=day)) + timedelta(0, minute * 60)

    def _description(self, story: str) -> str:
        rng = self.rng
        rnd = rng.random
        detail = self.details[int(rnd() * len(self.details))].format(
            n=int(rnd() * 10**7), k=2 + int(rnd() * 8), m=1 + int(rnd() * 12), d=1 + int(rnd() * 28),
            route=f"{1 + int(rnd() * 48):02d}", street=self.streets[int(rnd() * len(self.streets))])
        return f"{story}（{detail}）"

    def complaint(self, cid: int, received: datetime, events: list[str], follow_ups: list[str]) -> str:
        """One complaint as a line of COPY text; its timeline entries and follow-ups go to `events`/`follow_ups`."""
        rnd, now, staff = self.rng.random, self.now, self.staff
        channel, grade = self.pick("channel"), self.pick("grade")
        retailer = self.retailers[int(rnd() * len(self.retailers))] if self.retailers and rnd() < 0.82 else None
        duplicate_of = None
        if retailer is not None and retailer[0] in self.recent and rnd() < 0.03:
            duplicate_of, code = self.recent[retailer[0]]
        else:
            code = self.pick("category")
        if retailer is not None:
            self.recent[retailer[0]] = (cid, code)
        stories = self.stories[code]
        told = stories[int(rnd() * len(stories))]
        story = told[0]
        if retailer:
            name, phone = retailer[1], retailer[2]
        else:
            name = SURNAMES[int(rnd() * len(SURNAMES))] + GIVEN_NAMES[int(rnd() * len(GIVEN_NAMES))]
            phone = PHONE_PREFIXES[int(rnd() * len(PHONE_PREFIXES))] + f"{int(rnd() * 10**8):08d}"
        if channel != "hotline" and rnd() < 0.3:
            phone = None
        receivers = staff.receivers
        owner = receivers[int(rnd() * len(receivers))]
        registered = min(received + timedelta(0, 60 + 60 * int(rnd() * 25)), now)
        hours, days = self.limits[grade]
        reply_due = self.clock.after_hours(registered, hours)
        c = _Life(self, cid, registered, self.clock.after_days(registered, days), events)
        c.event(registered, owner, "state_change", "registered", data=self._registered_json[(channel, grade)])
        if duplicate_of is not None:
            c.closed_at = registered
            c.event(registered, owner, "link", "duplicate", data=f'{{"duplicate_of": {duplicate_of}}}')
            events.append(f"{duplicate_of}\t{registered}\t{owner}\tlink\t\\N\t\\N\t\t{{\"duplicate\": {cid}}}\n")
        else:
            self._work(c, told, self.categories[code][1], owner, grade, channel, registered, follow_ups)
        running = c.state in RUNNING_STATES
        next_due = (min(reply_due, c.resolution_due) if c.first_replied_at is None
                    else c.resolution_due) if running else None
        category_id = self.categories[code][0]
        return "\t".join((
            str(cid), f"TS-{registered.year}-{cid:06d}", channel, str(received), name, _n(phone),
            NULL if retailer is None else str(retailer[0]), str(category_id), str(grade),
            self._description(story[0]), story[1], c.state, str(owner), _n(staff.department.get(owner)),
            _n(c.department_id), _n(c.handler_id), str(reply_due), str(c.resolution_due), _n(next_due),
            _n(c.first_replied_at), _n(c.replied_at), _n(c.followed_up_at), _n(c.satisfaction), _n(c.closed_at),
            str(c.reopen_count), _n(duplicate_of), _n(c.verification_result), _n(c.responsibility_analysis),
            _n(c.root_cause), _n(c.corrective_action), _n(c.reply_text), _n(c.reply_method), _n(c.invalid_reason),
            str(registered), str(c.updated))) + "\n"

    def _work(self, c: _Life, told: tuple, dept: int | None, owner: int, grade: int, channel: str,
              start: datetime, follow_ups: list[str]) -> None:
        """Move the complaint along as staff would have (see demo_complaints._work), stopping at the present."""
        rnd, now, staff = self.rng.random, self.now, self.staff
        clock = start
        pace = 1 if rnd() < 0.85 else 2.5 + 1.5 * rnd()

        def at(low: float, high: float) -> datetime | None:
            nonlocal clock
            clock += timedelta(0, 3600 * pace * (low + (high - low) * rnd()))
            return clock if clock < now else None

        sup = staff.supervisor
        if rnd() < 0.04:
            if (t := at(0.5, 4)) is not None:
                c.invalid_reason, c.closed_at = self.invalid_reasons[int(rnd() * len(self.invalid_reasons))], t
                c.event(t, sup, "state_change", "invalid", note=c.invalid_reason)
            return
        if rnd() < 0.12 and (t := at(0.2, 2)) is not None:
            c.event(t, owner, "note", note=self.notes[int(rnd() * len(self.notes))])
        if (t := at(0.3, 3)) is None:
            return
        handlers = staff.handlers.get(dept) or []
        handler = handlers[int(rnd() * len(handlers))] if handlers else None
        c.department_id, c.handler_id = dept, handler
        assigned = self._assigned_json.get((dept, handler))
        if assigned is None:
            assigned = self._assigned_json[(dept, handler)] = _json(department_id=(None, dept),
                                                                    handler_id=(None, handler))
        c.event(t, sup, "state_change", "assigned", data=assigned)
        if (grade <= 2 or rnd() < 0.3) and (t := at(0.5, 6)) is not None:
            c.first_replied_at = t
            c.event(t, owner, "reply", note=self.interim,
                    data=f'{{"final": false, "method": "phone", "replied_at": "{_iso(t)}"}}')
        if (t := at(0.5, 6)) is None:
            return
        worker = handler or sup
        c.event(t, worker, "state_change", "in_progress")
        story, verification, responsibility = told
        for attempt in range(3):
            if (t := at(*((50, 110) if rnd() < 0.12 else (3, 36)))) is None:
                return
            c.verification_result, c.root_cause, c.corrective_action = story[2], story[3], story[4]
            c.responsibility_analysis = responsibility
            c.event(t, worker, "field_change", data=verification)
            roll = rnd() * 100
            method = "phone" if roll < 80 else "visit" if roll < 92 else "sms"
            c.reply_text, c.reply_method, c.replied_at = story[5], method, t
            c.first_replied_at = c.first_replied_at or t
            c.event(t, worker, "reply", "replied", note=story[5],
                    data=f'{{"final": true, "method": "{method}", "replied_at": "{_iso(t)}"}}')
            if (t := at(18, 72)) is None:
                return
            roll = rnd() * (100 if attempt == 0 else 94)
            mood = "satisfied" if roll < 76 else "basically_satisfied" if roll < 92 else "dissatisfied"
            level = 1 if channel == "manager_visit" else 2
            base = {"satisfied": 5, "basically_satisfied": 4, "dissatisfied": 2}[mood]
            s1, s2, s3, s4 = (max(1, min(5, base - (rnd() < 0.25))) for _n in range(4))
            follow_ups.append(f"{c.cid}\t{level}\t{'visit' if level == 1 else 'phone'}\t{self.results[mood]}\t"
                              f"{mood}\t{s1}\t{s2}\t{s3}\t{s4}\t{owner}\t{t}\n")
            c.followed_up_at, c.satisfaction = t, mood
            data = self._follow_up_json[(level, mood)]
            if mood == "dissatisfied":
                c.reopen_count += 1
                c.resolution_due, c.replied_at = self.clock.after_days(t, self.limits[grade][1]), None
                c.event(t, owner, "follow_up", "in_progress", note=self.results[mood], data=data)
                continue
            c.event(t, owner, "follow_up", "followed_up", note=self.results[mood], data=data)
            break
        else:
            return
        if (t := at(2, 40)) is None:
            return
        c.closed_at = t
        c.event(t, sup, "state_change", "closed")

    def chunks(self, ids: list[int], minutes: list[int], actor: int | None,
               size: int = CHUNK) -> Iterator[tuple[int, list[str]]]:
        """(how many complaints, COPY text for each of TABLES) per chunk of `size` complaints."""
        audit_actor = _n(actor)
        for start in range(0, len(ids), size):
            chunk = ids[start:start + size]
            events: list[str] = []
            follow_ups: list[str] = []
            rows = [self.complaint(cid, self.received_at(minutes[start + i]), events, follow_ups)
                    for i, cid in enumerate(chunk)]
            audit = [f"{audit_actor}\tcomplaints\t{cid}\tinsert\t\\N\t\\N\t\\N\n" for cid in chunk]
            yield len(chunk), ["".join(rows), "".join(events), "".join(follow_ups), "".join(audit)]


class _Life:
    """What happened to one complaint so far: its state, clocks and answers (COPY text already), and its
    timeline entries appended to `events` as they happen."""

    __slots__ = ("factory", "cid", "events", "state", "updated", "resolution_due", "department_id", "handler_id",
                 "first_replied_at", "replied_at", "followed_up_at", "satisfaction", "closed_at", "reopen_count",
                 "verification_result", "responsibility_analysis", "root_cause", "corrective_action", "reply_text",
                 "reply_method", "invalid_reason")

    def __init__(self, factory: ComplaintFactory, cid: int, registered: datetime, resolution_due: datetime,
                 events: list[str]):
        self.cid, self.events, self.state, self.updated = cid, events, "registered", registered
        self.resolution_due, self.reopen_count = resolution_due, 0
        self.department_id = self.handler_id = self.first_replied_at = self.replied_at = None
        self.followed_up_at = self.satisfaction = self.closed_at = self.verification_result = None
        self.responsibility_analysis = self.root_cause = self.corrective_action = self.reply_text = None
        self.reply_method = self.invalid_reason = None

    def event(self, at: datetime, actor: int, kind: str, to: str | None = None, note: str = "",
              data: str | None = None) -> None:
        """One timeline entry (`note` and `data` are COPY text already); `to` moves the state."""
        if to:
            self.events.append(f"{self.cid}\t{at}\t{actor}\t{kind}\t{self.state}\t{to}\t{note}\t{_n(data)}\n")
            self.state = to
        else:
            self.events.append(f"{self.cid}\t{at}\t{actor}\t{kind}\t\\N\t\\N\t{note}\t{_n(data)}\n")
        self.updated = at

"""A small training programme for tests: coordinator, supervisor, trainer, viewer, courses, retailers, and
one-line helpers that go through the same functions the pages call."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from db.engine import unit_of_work
from db.models import Department, Retailer
from db.training_models import SignUp, TrainingSession
from portal import training as tr
from portal.access.auth import CurrentUser
from portal.center.sla import CENTER_TZ
from portal.i18n import current_language, set_language

# "now" for the tests: the real clock (functions called without `now` agree), sessions a week ahead
NOW = datetime.now(CENTER_TZ).replace(second=0, microsecond=0)


def cst(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CENTER_TZ)


@dataclass
class Academy:
    engine: Engine
    coordinator: CurrentUser  # training coordinator (marketing)
    supervisor: CurrentUser  # approves plans (the deputy director's role)
    trainer: CurrentUser  # in-house trainer (内训师)
    viewer: CurrentUser
    agent: CurrentUser
    course_id: int = 0
    departments: dict[str, int] = field(default_factory=dict)
    retailers: list[int] = field(default_factory=list)  # active retailers, in licence order

    def run(self, actor: CurrentUser, fn, **kw) -> Any:
        """Call a domain function in its own unit of work, as a page would."""
        with unit_of_work(actor.id, engine=self.engine) as s:
            return fn(s, actor=actor, **kw)

    def session_input(self, starts_at: datetime = NOW + timedelta(days=7), capacity: int = 3, **kw) -> tr.SessionInput:
        values = dict(course_id=self.course_id, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
                      place="公司三楼培训室", format="lecture", trainer_id=self.trainer.id, capacity=capacity,
                      audience="城东区便利店", content="陈列技巧与网上订货")
        return tr.SessionInput(**(values | kw))

    def draft(self, **kw) -> int:
        now = kw.pop("now", NOW)
        return self.run(self.coordinator, tr.create_session, data=self.session_input(**kw), now=now).id

    def approved(self, **kw) -> int:
        """A session submitted and approved (sign-ups open)."""
        sid = self.draft(**kw)
        self.run(self.coordinator, tr.submit_session, session_id=sid, version=None, now=NOW)
        self.run(self.supervisor, tr.approve_session, session_id=sid, version=None, now=NOW)
        return sid

    def sign_up(self, session_id: int, retailer_id: int, now: datetime = NOW) -> SignUp:
        return self.run(self.coordinator, tr.sign_up, session_id=session_id, retailer_id=retailer_id, now=now)

    def session(self, session_id: int) -> TrainingSession:
        with unit_of_work(engine=self.engine) as s:
            return s.get(TrainingSession, session_id)

    def sign_ups(self, session_id: int) -> list[SignUp]:
        with unit_of_work(engine=self.engine) as s:
            return list(s.scalars(select(SignUp).where(SignUp.session_id == session_id).order_by(SignUp.id)))

    def by_retailer(self, session_id: int) -> dict[int, SignUp]:
        return {su.retailer_id: su for su in self.sign_ups(session_id) if su.state != "cancelled"}


@pytest.fixture(name="english", autouse=True)
def english_fixture():
    before = current_language()
    set_language("en")
    yield
    set_language(before)


def add_retailers(engine: Engine, count: int, *, start: int = 0, **kw) -> list[int]:
    """`count` active retailers (licence 3301020000NN), alternating districts and business types."""
    with unit_of_work(engine=engine) as s:
        made = []
        for i in range(start, start + count):
            values = dict(license_no=f"330102{i:06d}", shop_name=f"测试便利店{i}", owner_name=f"店主{i}",
                          phone=f"138{i:08d}", district=("城东区", "城西区")[i % 2],
                          business_type=("convenience", "grocery")[i % 2], star_rating=3)
            r = Retailer(**(values | kw))
            s.add(r)
            s.flush()
            made.append(r.id)
        return made


@pytest.fixture(name="academy")
def academy_fixture(db, make_user, monkeypatch) -> Academy:
    monkeypatch.setattr("portal.access.users.hash_password", lambda _pw: "not-used")  # nobody signs in: skip argon2
    academy = Academy(
        engine=db,
        coordinator=make_user("training_coordinator", department="marketing", name="陈静", language="en"),
        supervisor=make_user("supervisor", department="customer_service", name="张华", language="en"),
        trainer=make_user("handler", department="marketing", name="周杰", language="en"),
        viewer=make_user("viewer", department="supervision", name="徐明", language="en"),
        agent=make_user("agent", department="customer_service", name="王丽", language="en"),
    )
    with unit_of_work(engine=db) as s:
        academy.departments = dict(s.execute(select(Department.code, Department.id)).all())
    academy.course_id = academy.run(academy.coordinator, tr.create_course, title="卷烟陈列技巧", kind="skill",
                                    duration_minutes=90, target_business_types=["convenience"],
                                    target_star_levels=[3, 4]).id
    academy.retailers = add_retailers(db, 8)
    return academy

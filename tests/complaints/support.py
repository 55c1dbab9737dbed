"""A small service center for complaint tests: staff of every kind, a retailer, and one-line helpers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from db.complaint_models import Complaint, ComplaintEvent
from db.engine import unit_of_work
from db.models import ComplaintCategory, Department, Retailer
from portal import complaints as cx
from portal.access.auth import CurrentUser
from portal.center.sla import CENTER_TZ

FRIDAY_3PM = datetime(2026, 11, 20, 15, 0, tzinfo=CENTER_TZ)


def cst(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CENTER_TZ)


@dataclass
class Center:
    engine: Engine
    agent: CurrentUser  # customer service; registers (first-contact owner)
    colleague: CurrentUser  # another customer-service agent
    outsider: CurrentUser  # an agent of another department
    handler: CurrentUser  # logistics: delivery complaints go there
    handler2: CurrentUser  # logistics too, not the assigned handler
    marketing_handler: CurrentUser
    supervisor: CurrentUser
    supervisor2: CurrentUser
    viewer: CurrentUser
    categories: dict[str, int] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)
    retailer_id: int = 0

    def run(self, actor: CurrentUser, fn, **kw) -> Any:
        """Call a domain function in its own unit of work, as a page would."""
        with unit_of_work(actor.id, engine=self.engine) as s:
            return fn(s, actor=actor, **kw)

    def register(self, actor: CurrentUser | None = None, **kw) -> cx.Registration:
        now = kw.pop("now", FRIDAY_3PM)
        fields = dict(channel="hotline", received_at=now, complainant_name="李建国",  # taken down as it came in
                      complainant_phone="13812345678", retailer_id=self.retailer_id,
                      category_id=self.categories["delivery"], grade=3,
                      description="送货员今天没有按约定时间送货,店里断货一上午。", remedy_sought="尽快补送", now=now)
        return self.run(actor or self.agent, cx.register_complaint, **(fields | kw))

    def get(self, complaint_id: int) -> Complaint:
        with unit_of_work(engine=self.engine) as s:
            return s.get(Complaint, complaint_id)

    def events(self, complaint_id: int) -> list[ComplaintEvent]:
        with unit_of_work(engine=self.engine) as s:
            return list(s.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint_id)
                                  .order_by(ComplaintEvent.at, ComplaintEvent.id)))

    def moves(self, complaint_id: int) -> list[tuple[str | None, str | None]]:
        return [(e.from_state, e.to_state) for e in self.events(complaint_id) if e.to_state]

    def advance(self, complaint_id: int, to_state: str, *, start: datetime = FRIDAY_3PM) -> Complaint:
        """Drive a complaint along the main path until it is in `to_state` (one hour per move)."""
        step = iter(range(1, 100))
        while (c := self.get(complaint_id)).state != to_state:
            now = start + timedelta(hours=next(step))
            kw = dict(complaint_id=complaint_id, version=c.version, now=now)
            if c.state == "registered":
                self.run(self.supervisor, cx.assign_complaint, handler_id=self.handler.id, **kw)
            elif c.state == "assigned":
                self.run(self.handler, cx.start_progress, **kw)
            elif c.state == "in_progress":
                self.run(self.handler, cx.record_investigation, verification_result="属实", **kw)
                kw["version"] = self.get(complaint_id).version
                self.run(self.handler, cx.reply_to_complainant, text="已安排今天下午补送。", method="phone", **kw)
            elif c.state == "replied":
                self.run(self.agent, cx.record_follow_up, level=2, method="phone", satisfaction="satisfied", **kw)
            elif c.state == "followed_up":
                self.run(self.supervisor, cx.close_complaint, **kw)
            else:
                raise AssertionError(f"cannot drive a {c.state} complaint to {to_state}")
        return c


@pytest.fixture(name="center")
def center_fixture(db, make_user, monkeypatch) -> Center:
    monkeypatch.setattr("portal.access.users.hash_password", lambda _pw: "not-used")  # nobody signs in: skip argon2
    with unit_of_work(engine=db) as s:
        categories = dict(s.execute(select(ComplaintCategory.code, ComplaintCategory.id)).all())
        departments = dict(s.execute(select(Department.code, Department.id)).all())
        retailer = Retailer(license_no="330102123456", shop_name="金叶便利店", owner_name="李建国",
                            phone="13812345678", district="城东区", business_type="convenience")
        s.add(retailer)
        s.flush()
        retailer_id = retailer.id
    return Center(
        engine=db,
        agent=make_user("agent", department="customer_service", name="王丽", staff_id="KF1001"),
        colleague=make_user("agent", department="customer_service", name="赵敏"),
        outsider=make_user("agent", department="marketing", name="钱多"),
        handler=make_user("handler", department="logistics", name="孙浩", staff_id="KF3001"),
        handler2=make_user("handler", department="logistics", name="周运"),
        marketing_handler=make_user("handler", department="marketing", name="刘洋"),
        supervisor=make_user("supervisor", department="customer_service", name="张华"),
        supervisor2=make_user("supervisor", department="customer_service", name="郑强"),
        viewer=make_user("viewer", department="supervision", name="徐明"),
        categories=categories, departments=departments, retailer_id=retailer_id,
    )

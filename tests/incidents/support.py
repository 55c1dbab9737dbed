"""A small emergency command group for incident tests: coordinators, a supervisor, retailers, brands, and
one-line helpers that call domain functions the way pages do (one unit of work each)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from db.engine import unit_of_work
from db.incident_models import Incident, IncidentTimelineEntry
from db.models import Retailer
from portal import incidents as ix
from portal.access.auth import SYSTEM, CurrentUser
from portal.center.sla import CENTER_TZ
from portal.i18n import set_language

STARTED = datetime(2026, 7, 14, 8, 30, tzinfo=CENTER_TZ)  # a Tuesday morning rainstorm
NOW = STARTED + timedelta(hours=1)


@dataclass
class Command:
    engine: Engine
    coordinator: CurrentUser  # 黄伟: opens and runs incidents
    deputy: CurrentUser  # another emergency coordinator
    supervisor: CurrentUser  # 张华, the customer-service head (客户服务部主任): approves supply up to 20 cartons
    agent: CurrentUser  # takes down supply requests
    viewer: CurrentUser
    reviewer: CurrentUser  # 郑琳, supervision & evaluation center: records the review of a resolved incident
    marketing: CurrentUser | None = None  # 周杰, the marketing deputy manager (营销部副经理): up to 50 cartons
    retailers: list[int] = field(default_factory=list)
    brands: dict[str, int] = field(default_factory=dict)

    def run(self, actor: CurrentUser, fn, **kw) -> Any:
        """Call a domain function in its own unit of work, as a page would."""
        with unit_of_work(actor.id, engine=self.engine) as s:
            return fn(s, actor=actor, **kw)

    def open(self, **kw) -> Incident:
        values = dict(type="severe_weather", severity=3, title="城东区暴雨,部分线路积水", started_at=STARTED,
                      situation="城东区 8 点起暴雨,城东-01、城东-02 线路积水无法送货。", affected_steps=["delivery"],
                      affected_districts=["城东区"], affected_routes=["城东-01", "城东-02"], now=NOW)
        return self.run(kw.pop("actor", self.coordinator), ix.open_incident, **(values | kw))

    def fill_group(self, incident_id: int, now: datetime = NOW) -> None:
        """Name a major incident's command group (leader 张华, deputy leader 孙浩, member 王丽): it then may move on."""
        for user, position in ((self.supervisor, "leader"), (self.deputy, "deputy_leader"), (self.agent, "member")):
            self.run(self.coordinator, ix.name_to_group, incident_id=incident_id, user_id=user.id, position=position,
                     now=now)

    def review(self, incident_id: int, note: str = "处置及时,通知到位") -> Incident:
        """The supervision center's review of a resolved incident, by its reviewer."""
        return self.run(self.reviewer, ix.record_review, incident_id=incident_id, note=note, now=NOW)

    def get(self, incident_id: int) -> Incident:
        with unit_of_work(engine=self.engine) as s:
            return s.get(Incident, incident_id)

    def entries(self, incident_id: int) -> list[IncidentTimelineEntry]:
        with unit_of_work(engine=self.engine) as s:
            return list(s.scalars(select(IncidentTimelineEntry).where(IncidentTimelineEntry.incident_id == incident_id)
                                  .order_by(IncidentTimelineEntry.happened_at, IncidentTimelineEntry.id)))


@pytest.fixture(name="command")
def command_fixture(db, make_user, monkeypatch) -> Command:
    monkeypatch.setattr("portal.access.users.hash_password", lambda _pw: "not-used")  # nobody signs in: skip argon2
    set_language("en")
    with unit_of_work(engine=db) as s:
        retailers = [Retailer(license_no=f"330102{100000 + n}", shop_name=f"金叶便利店{n}", owner_name="李建国",
                              phone=f"1381234{n:04d}", district="城东区", route="城东-01" if n < 3 else "城东-02",
                              business_type="convenience", integrity_flag=n != 4) for n in range(6)]
        s.add_all(retailers)
        s.flush()
        retailer_ids = [r.id for r in retailers]
        brands = {name: ix.save_brand(s, actor=SYSTEM, name=name, scarce_or_controlled=scarce).id
                  for name, scarce in (("利群(新版)", False), ("中华(软)", True), ("红双喜(硬)", False))}
        ix.set_route_order_day(s, actor=SYSTEM, route="城东-01", weekday=4)  # Thursdays; 城东-02 has none
    command = Command(
        engine=db,
        coordinator=make_user("emergency_coordinator", department="security", name="黄伟", staff_id="KF6001"),
        deputy=make_user("emergency_coordinator", department="logistics", name="孙浩"),
        supervisor=make_user("supervisor", department="customer_service", name="张华"),
        agent=make_user("agent", department="customer_service", name="王丽"),
        viewer=make_user("viewer", department="supervision", name="徐明"),
        reviewer=make_user("reviewer", department="supervision", name="郑琳"),
        marketing=make_user("handler", department="marketing", name="周杰"),
        retailers=retailer_ids, brands=brands,
    )
    with unit_of_work(engine=db) as s:
        ix.set_supply_approver(s, actor=SYSTEM, post="customer_service_head", holder_id=command.supervisor.id,
                               max_quantity=20)
        ix.set_supply_approver(s, actor=SYSTEM, post="marketing_deputy_manager", holder_id=command.marketing.id,
                               max_quantity=50)
    return command

"""Demo incidents and emergency supply: brands, the approving posts and each route's order day, five incidents at
different stages with their timelines (one opened from a major complaint), and supply requests awaiting, approved
and refused."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.complaint_models import Complaint
from db.models import Retailer, User
from portal import incidents as ix
from portal.access.auth import SYSTEM, CurrentUser
from portal.center.sla import local
from portal.incidents.rules import utcnow

# name, scarce or controlled (紧俏/调控)
BRANDS = (("利群(新版)", False), ("红双喜(硬)", False), ("黄鹤楼(硬金砂)", False), ("芙蓉王(硬)", False),
          ("玉溪(软)", False), ("南京(炫赫门)", False), ("云烟(紫)", False), ("中华(软)", True),
          ("黄鹤楼(1916)", True), ("冬虫夏草(和润)", True))
# post -> (who holds it, the largest request it approves): 客户服务部主任 张华, 营销部副经理 周杰
APPROVERS = {"customer_service_head": ("zhanghua", 20), "marketing_deputy_manager": ("zhoujie", 50)}


def _user(session: Session, login: str) -> CurrentUser:
    return CurrentUser.of(session.scalar(select(User).where(User.login == login)))


def _on_route(session: Session, route: str) -> list[int]:
    return list(session.scalars(select(Retailer.id).where(Retailer.route == route, Retailer.status == "active")
                                .order_by(Retailer.id)))


def seed_demo_incidents(session: Session, rng: random.Random) -> int:
    """Seed the demo's incidents and supply requests; returns how many incidents."""
    for name, scarce in BRANDS:
        ix.save_brand(session, actor=SYSTEM, name=name, scarce_or_controlled=scarce)
    for post, (login, quantity) in APPROVERS.items():
        ix.set_supply_approver(session, actor=SYSTEM, post=post, holder_id=_user(session, login).id,
                               max_quantity=quantity)
    _, routes = ix.areas(session)
    for route in routes:  # 城东-01 orders on Mondays, -02 on Tuesdays, … (a week's round of phone orders)
        ix.set_route_order_day(session, actor=SYSTEM, route=route, weekday=(int(route.rsplit("-", 1)[1]) - 1) % 5 + 1)
    now = utcnow()
    boss, head, marketing = _user(session, "huangwei"), _user(session, "zhanghua"), _user(session, "zhoujie")
    logistics = _user(session, "sunhao")
    _rainstorm(session, boss, now)
    _ordering_outage(session, boss, now)
    _vehicle_breakdown(session, boss, now)
    _late_arrival_closed(session, boss, logistics, now)
    count = 4 + _major_complaint(session, boss, now)
    _supply_requests(session, rng, _user(session, "wangli"), head, marketing, now)
    return count


def _rainstorm(session: Session, boss: CurrentUser, now: datetime) -> None:
    start = now - timedelta(hours=3, minutes=10)
    incident = ix.open_incident(
        session, actor=boss, type="severe_weather", severity=2, commander_id=boss.id, scope="local",
        title="城东区暴雨,城东-01、城东-02 线路积水", started_at=start, detected_at=start + timedelta(minutes=10),
        reported_at=start + timedelta(minutes=15), reporter="配送中心调度 孙浩",
        situation="早上 7 点起城东区持续暴雨,人民路、解放路段积水 30–40 厘米,两条线路送货车辆无法通行。",
        affected_steps=["delivery"], affected_districts=["城东区"], affected_routes=["城东-01", "城东-02"],
        retailer_ids=_on_route(session, "城东-01")[:12], now=start + timedelta(minutes=20))
    log = [(25, "decision", "启动局部应急预案,成立现场指挥,黄伟任总指挥。", True),
           (30, "update", "城东-01 线路 12 户、城东-02 线路 9 户今日上午无法送达。", False),
           (40, "resource", "调配备用厢式货车 1 辆在配送中心待命。", False),
           (75, "action", "与交警大队联系,确认解放路 10 点后可单向通行。", False),
           (95, "update", "雨势减弱,人民路积水开始消退。", False)]
    for minutes, kind, text, significant in log:
        ix.add_entry(session, actor=boss, incident_id=incident.id, kind=kind,
                     text=text, significant=significant, now=start + timedelta(minutes=minutes))
    # a major incident moves on only with its command group (组长, 副组长, members) in place
    for login, position in (("zhanghua", "leader"), ("sunhao", "deputy_leader"), ("wuting", "member")):
        ix.name_to_group(session, actor=boss, incident_id=incident.id, user_id=_user(session, login).id,
                         position=position, now=start + timedelta(minutes=22))
    ix.tick_item(session, actor=boss, incident_id=incident.id, item="decide_suspension",
                 now=start + timedelta(minutes=28))
    ix.change_status(session, actor=boss, incident_id=incident.id, status="responding",
                     now=start + timedelta(minutes=26))
    ix.set_objectives(session, actor=boss, incident_id=incident.id, now=start + timedelta(minutes=28),
                      objectives="1. 积水线路客户今日全部告知到位;\n2. 备用车辆待命,积水消退后 2 小时内恢复送货;\n"
                                 "3. 送货人员与车辆安全第一,不涉水行车。")
    ix.record_suspension(session, actor=boss, incident_id=incident.id, service="delivery", area="城东-01、城东-02",
                         suspended_at=start + timedelta(minutes=30), now=start + timedelta(minutes=32))
    ix.record_notice(session, actor=boss, incident_id=incident.id, method="call",
                     text="因暴雨积水,今日上午送货暂停,预计下午 2 点后恢复,给您带来不便敬请谅解。",
                     audience="城东-01、城东-02 线路客户", at=start + timedelta(minutes=50),
                     now=start + timedelta(minutes=52))
    view = ix.incident_view(session, actor=boss, incident_id=incident.id)
    for row in view.call_list[:7]:
        ix.mark_called(session, actor=boss, call_id=row["id"], note="已告知,客户表示理解",
                       now=start + timedelta(minutes=60))


def _ordering_outage(session: Session, boss: CurrentUser, now: datetime) -> None:
    start = now - timedelta(minutes=50)
    incident = ix.open_incident(
        session, actor=boss, type="system_failure", severity=3, title="网上订货系统部分客户无法登录",
        situation="信息中心监控发现订货平台登录接口超时,约三成客户无法登录下单。", started_at=start,
        affected_steps=["ordering"], scope="district_wide", affected_retailers_estimate=90, reporter="信息中心 吴婷",
        now=start + timedelta(minutes=5))
    ix.add_entry(session, actor=boss, incident_id=incident.id, kind="action", text="信息中心正在切换备用服务器。",
                 now=start + timedelta(minutes=15))
    ix.record_notice(session, actor=boss, incident_id=incident.id, method="sms",
                     text="订货系统临时故障,今日订货截止时间顺延 2 小时,也可拨打热线电话订货。",
                     audience="全区客户", at=start + timedelta(minutes=20), now=start + timedelta(minutes=21))
    ix.add_entry(session, actor=boss, incident_id=incident.id, kind="decision", significant=True,
                 text="订货截止时间顺延至 18:00。", now=start + timedelta(minutes=22))


def _vehicle_breakdown(session: Session, boss: CurrentUser, now: datetime) -> None:
    start = now - timedelta(days=1, hours=5)
    incident = ix.open_incident(
        session, actor=boss, type="vehicle_breakdown", severity=4, title="城西-03 送货车辆发动机故障",
        situation="送货车辆在西湖大道抛锚,车上尚有 14 户的货物。", started_at=start, affected_steps=["delivery"],
        affected_routes=["城西-03"], affected_retailers_estimate=14, now=start + timedelta(minutes=8))
    ix.add_entry(session, actor=boss, incident_id=incident.id, kind="resource",
                 text="备用车辆已出发,预计 40 分钟到达。", now=start + timedelta(minutes=15))
    ix.change_status(session, actor=boss, incident_id=incident.id, status="resolved",
                     resolution="货物已转运至备用车辆,14 户全部送达,最晚延误 1.5 小时。",
                     resolved_at=start + timedelta(hours=2), now=start + timedelta(hours=2, minutes=5))


def _late_arrival_closed(session: Session, boss: CurrentUser, logistics: CurrentUser, now: datetime) -> None:
    start = now - timedelta(days=9)
    incident = ix.open_incident(
        session, actor=boss, type="supply_anomaly", severity=3, title="到货延迟,部分规格当日无法足量供应",
        situation="上游到货延迟一天,利群(新版)、红双喜(硬)当日库存不足。", started_at=start,
        affected_steps=["sorting", "delivery"], scope="district_wide", now=start + timedelta(minutes=30))
    ix.change_status(session, actor=boss, incident_id=incident.id, status="monitoring", now=start + timedelta(hours=3))
    ix.change_status(session, actor=boss, incident_id=incident.id, status="resolved", resolution="次日到货后补足供应。",
                     resolved_at=start + timedelta(days=1), now=start + timedelta(days=1, minutes=10))
    ix.add_action(session, actor=boss, incident_id=incident.id, text="与上游约定到货延迟提前 24 小时预警",
                  owner_id=logistics.id, due_date=local(now).date() + timedelta(days=10), now=start + timedelta(days=2))
    ix.record_review(session, actor=_user(session, "xuming"), incident_id=incident.id,
                     note="处置及时,客户告知到位;预警机制待落实。", now=start + timedelta(days=2))
    ix.change_status(session, actor=boss, incident_id=incident.id, status="closed",
                     root_cause="上游运输计划调整未提前通知。", close_with_open_actions=True,
                     now=start + timedelta(days=2, hours=1))


def _major_complaint(session: Session, boss: CurrentUser, now: datetime) -> int:
    """A grade-1 complaint from the demo complaints opens a linked incident (when there is one)."""
    complaint_id = session.scalar(select(Complaint.id).where(Complaint.grade == 1, Complaint.duplicate_of_id.is_(None))
                                  .order_by(Complaint.received_at.desc()).limit(1))
    if complaint_id is None:
        return 0
    incident = ix.open_incident_from_complaint(session, actor=boss, complaint_id=complaint_id, now=now)
    ix.add_entry(session, actor=boss, incident_id=incident.id, kind="decision", significant=True,
                 text="重大投诉已上报,应急指挥小组组长已知悉,要求 24 小时内回复客户。", now=now)
    return 1


def _supply_requests(session: Session, rng: random.Random, agent: CurrentUser, head: CurrentUser,
                     marketing: CurrentUser, now: datetime) -> None:
    brands = {b.name: b.id for b in ix.list_brands(session) if not b.scarce_or_controlled}
    retailers = list(session.scalars(select(Retailer.id).where(Retailer.integrity_flag, Retailer.status == "active")
                                     .order_by(Retailer.id)))
    today: date = local(now).date()
    plans = [("wedding", 4, 12, "approve_head"), ("funeral", 2, 8, "approve_head"), ("group_consumption", 6, 40,
             "approve_marketing"), ("wedding", 9, 30, None), ("meeting", 5, 6, None), ("other", 3, 10, "refuse")]
    for reason, days, quantity, decision in plans:
        names = rng.sample(sorted(brands), 2)
        lines = {brands[names[0]]: quantity - quantity // 3, brands[names[1]]: quantity // 3}
        request = ix.request_supply(session, actor=agent, retailer_id=rng.choice(retailers), reason=reason,
                                    event_date=today + timedelta(days=days), lines=lines,
                                    note="婚宴 15 桌" if reason == "wedding" else "", now=now - timedelta(hours=days))
        if decision == "approve_head":
            ix.approve_supply_request(session, actor=head, request_id=request.id, now=now)
        elif decision == "approve_marketing":
            ix.approve_supply_request(session, actor=marketing, request_id=request.id, now=now)
        elif decision == "refuse":
            ix.refuse_supply_request(session, actor=head, request_id=request.id, now=now,
                                     reason="用途说明不清,请补充后重新申请。")

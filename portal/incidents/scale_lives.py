"""Scale data, each incident's life: `IncidentFactory` makes the random incidents (deterministic by seed) that
portal/incidents/scale.py writes, and what happened in each, from the words and weights below.

Each incident lives the life the demo's incidents live (portal/incidents/demo.py), compressed into plain rows:
started over the last ten years (weather more often in summer, systems any time), reported and opened within
minutes, worked step by step — about twenty timeline entries each (updates, decisions, actions, resources,
customer notices; the automatic status, severity and commander entries; a few corrections pointing at the entry
they correct; some flagged significant) — until the present. So old incidents are closed with a resolution,
root cause, follow-up actions and the supervision center's review; recent ones are resolved and awaiting the
review; a handful from the last two days are still open, responding or monitoring (the board). Some have
service suspensions, customer notices and a call list of the retailers on the affected routes.

Rows come out as the domain would write them (same automatic texts and details), satisfying every CHECK.
"""
from __future__ import annotations

import functools
import json
import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Retailer, User
from portal.center.sla import local
from portal.i18n import _
from portal.incidents.labels import NOTICE_METHOD_LABELS, SEVERITY_LABELS, STATUS_LABELS, STEP_LABELS
from portal.retailers.demo import DISTRICTS, GIVEN_NAMES, SURNAMES

YEARS = 10
RECENT_ACTIVE = (3, 25)  # how many incidents of the last two days are still unfolding: N // 2500, within these

TYPE_WEIGHTS = {"system_failure": 20, "severe_weather": 18, "vehicle_breakdown": 22, "traffic_accident": 8,
                "sudden_demand": 9, "supply_anomaly": 12, "safety": 4, "public_opinion": 3, "major_complaint": 4}
SEVERITY_WEIGHTS = {1: 2, 2: 9, 3: 44, 4: 45}
# type -> (titles, situation, steps, district-wide share, resolution, root causes, follow-up actions)
STORIES: dict[str, tuple[tuple[str, ...], str, tuple[str, ...], float, str, tuple[str, ...], tuple[str, ...]]] = {
    "system_failure": (
        ("网上订货系统无法登录", "结算系统扣款异常", "分拣线控制系统宕机", "订货平台响应缓慢", "短信平台发送失败"),
        "信息中心监控发现{district}部分客户无法正常使用系统,影响约{n}户。",
        ("ordering", "settlement", "sorting"), 0.6,
        "切换备用服务器后系统恢复正常,订货截止时间已顺延。",
        ("数据库连接池耗尽,未设置告警。", "机房空调故障导致服务器过热。", "版本升级未做回退预案。", "运营商线路中断。"),
        ("增加连接池监控与告警", "完善系统升级回退预案", "与运营商签订双线路保障协议", "每季度开展一次系统切换演练")),
    "severe_weather": (
        ("暴雨导致线路积水", "台风预警,暂停送货", "大雪封路,部分线路无法送达", "强降雨,配送中心进水"),
        "{district}持续恶劣天气,{route}等线路送货车辆无法通行,约{n}户受影响。",
        ("delivery", "sorting"), 0.35,
        "天气好转后恢复送货,受影响客户已全部补送。",
        ("极端天气,道路积水超过车辆涉水深度。", "台风登陆,交通管制。", "道路结冰,安全原因暂停配送。"),
        ("修订恶劣天气送货应急路线", "配送中心增设防水挡板", "天气预警信息提前推送客户")),
    "vehicle_breakdown": (
        ("送货车辆发动机故障", "送货车辆爆胎", "冷链车辆故障,货物需转运", "送货车辆电路故障"),
        "{route}线路送货车辆在途中故障,车上尚有{n}户的货物。",
        ("delivery",), 0.0,
        "备用车辆到达后货物转运,客户已全部送达。",
        ("车辆保养不到位,发动机老化。", "轮胎磨损未及时更换。", "车辆电路老化。"),
        ("车辆出车前检查表增加轮胎与电路项目", "备用车辆在配送中心常驻待命", "老旧车辆提前报废更新")),
    "traffic_accident": (
        ("送货车辆追尾事故", "送货车辆与电动车剐蹭", "送货车辆路口碰撞"),
        "{route}线路送货车辆在{street}发生交通事故,已报警,车上尚有{n}户货物。",
        ("delivery",), 0.0,
        "事故处理完毕,货物由备用车辆送达,保险已报案。",
        ("驾驶员疲劳驾驶。", "对方车辆闯红灯。", "雨天路滑,制动距离不足。"),
        ("组织驾驶员安全驾驶培训", "调整排班,避免连续驾驶超过4小时", "车辆加装行车记录仪")),
    "sudden_demand": (
        ("婚宴集中用烟,货源紧张", "大型会议集中需求", "节前集中订货,部分规格断货"),
        "{district}多户客户集中提出应急货源需求,涉及约{n}户。",
        ("ordering", "sorting", "delivery"), 0.2,
        "按应急货源报批流程审批,随下一订货日补足供应。",
        ("节假日需求集中,预测不足。", "大型活动信息未提前掌握。"),
        ("建立重大活动用烟信息收集机制", "节前提高常销规格安全库存")),
    "supply_anomaly": (
        ("到货延迟,部分规格无法足量供应", "上游断货,常销规格短缺", "到货品规与计划不符"),
        "上游到货异常,{district}约{n}户订单无法足量满足。",
        ("sorting", "delivery"), 0.7,
        "次日到货后补足供应,已逐户告知。",
        ("上游运输计划调整未提前通知。", "需求预测偏差。", "仓储盘点差错。"),
        ("与上游约定到货延迟提前24小时预警", "每周复核需求预测", "加强仓储盘点复核")),
    "safety": (
        ("配送中心消防报警", "分拣车间人员受伤", "仓库漏水,部分货物受潮"),
        "配送中心发生安全事件,已启动安全预案,影响{district}约{n}户送货。",
        ("sorting", "delivery"), 0.3,
        "现场处置完毕,受潮货物已更换,生产恢复。",
        ("电气线路老化。", "操作人员未按规程作业。", "屋顶防水层破损。"),
        ("开展电气线路专项检查", "组织分拣岗位安全规程培训", "维修仓库屋顶防水")),
    "public_opinion": (
        ("网络舆情:客户反映送货服务问题", "媒体报道零售户投诉"),
        "网络出现关于{district}送货服务的负面信息,转发量较大,涉及约{n}户。",
        ("delivery",), 0.5,
        "核实情况后发布说明,相关客户已回访,舆情平息。",
        ("个别送货员服务态度问题。", "客户诉求未及时回应。"),
        ("开展服务规范专题培训", "建立舆情监测日报")),
    "major_complaint": (
        ("重大投诉:多次送货延误", "重大投诉:扣款错误", "重大投诉:服务态度"),
        "一级投诉,客户情绪激动,要求书面答复,涉及{n}户。",
        ("delivery", "settlement"), 0.0,
        "已上门致歉并书面答复,客户表示满意。",
        ("送货线路调整未告知客户。", "结算系统重复扣款。", "客户经理沟通不到位。"),
        ("线路调整前逐户告知客户", "结算异常每日核对", "客户经理沟通技巧培训")),
}
UPDATES = ("现场情况已核实,正在处置。", "已联系{route}线路客户,客户表示理解。", "处置进展顺利,预计{h}小时内恢复。",
           "{district}受影响客户约{n}户,名单已整理。", "信息中心反馈已定位问题。", "雨势减弱,积水开始消退。",
           "交警已到场处置。", "剩余{n}户货物待送。", "客户经理已逐户上门说明情况。", "配送中心报告分拣恢复正常。")
DECISIONS = ("启动应急预案,成立现场指挥。", "订货截止时间顺延2小时。", "暂停{route}线路送货,改为次日补送。",
             "调整送货顺序,优先重点客户。", "启用备用服务器。", "通知客户经理逐户电话告知。")
ACTIONS = ("与交警大队联系,确认道路通行情况。", "安排人员现场疏导。", "联系上游确认到货时间。", "组织人员手工分拣。",
           "对受潮货物逐件清点登记。", "备份数据并重启服务。")
RESOURCES = ("调配备用厢式货车1辆。", "增派送货员2名支援{route}线路。", "调用应急库存{n}条。", "租用临时车辆1辆。",
             "信息中心工程师2名到场。")
NOTICE_TEXTS = ("因突发情况,今日送货可能延误,我们会尽快送达,敬请谅解。",
                "订货系统临时故障,今日订货截止时间顺延,也可拨打热线订货。",
                "受恶劣天气影响,今日暂停送货,恢复时间另行通知。",
                "货源到货延迟,部分规格将于下一订货日补足。")
REVIEWS = ("督察考评中心:处置及时,客户告知到位。", "督察考评中心:响应较快,整改措施需按期落实。",
           "督察考评中心:信息报送及时,建议完善预案。", "督察考评中心:处置规范,予以通报表扬。")
CALL_NOTES = ("已告知,客户表示理解", "客户要求尽快补送", "无人接听,已短信告知", "")


@functools.cache
def _json(**data: Any) -> str:
    """Entry details as JSON text, made once per distinct value."""
    return json.dumps(data, ensure_ascii=False)


class _Staff:
    """Who runs incidents (emergency coordinators), who writes in the log, and who owns follow-up actions."""

    def __init__(self, session: Session):
        users = session.execute(select(User.id, User.name, User.roles).where(User.active)).all()
        self.coordinators = [u.id for u in users if "emergency_coordinator" in u.roles]
        if not self.coordinators:
            raise ValueError("no emergency coordinator: seed the demo center first (python -m portal seed --demo)")
        self.names = {u.id: u.name for u in users}
        self.writers = self.coordinators + [u.id for u in users if {"supervisor", "agent"} & set(u.roles)][:6]
        self.owners = [u.id for u in users if "admin" not in u.roles] or self.coordinators


class IncidentFactory:
    """Deterministic random incidents and what happened in each up to `now`."""

    def __init__(self, session: Session, seed: int, now: datetime):
        self.rng, self.now = random.Random(seed), now
        self.staff = _Staff(session)
        self.districts = list(DISTRICTS)
        self.streets = [s for _code, _share, streets in DISTRICTS.values() for s in streets]
        self.routes: dict[str, list[int]] = {}
        for rid, route in session.execute(select(Retailer.id, Retailer.route).where(
                Retailer.status == "active", Retailer.route.is_not(None)).order_by(Retailer.id)):
            self.routes.setdefault(route, []).append(rid)
        self.district_routes = {d: sorted(r for r in self.routes if r.startswith(d[:2])) or
                                [f"{d[:2]}-{n:02d}" for n in range(1, 9)] for d in self.districts}
        self.types, self.type_weights = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
        self.severities, self.severity_weights = list(SEVERITY_WEIGHTS), list(SEVERITY_WEIGHTS.values())
        self.labels = {"status": {k: _(v) for k, v in STATUS_LABELS.items()},
                       "severity": {k: _(v) for k, v in SEVERITY_LABELS.items()},
                       "step": {k: _(v) for k, v in STEP_LABELS.items()},
                       "method": {k: _(v) for k, v in NOTICE_METHOD_LABELS.items()}}
        self.ids: dict[str, Iterator[int]] = {}

    def start_times(self, count: int) -> list[tuple[datetime, bool]]:
        """(started, still unfolding) for `count` incidents over the last ten years, oldest first: weather
        clusters in summer; the newest handful (last two days) are still open."""
        rng, now = self.rng, self.now
        active = min(max(count // 2500, RECENT_ACTIVE[0]), RECENT_ACTIVE[1], count)
        span = YEARS * 365 * 24 * 60
        moments = [(now - timedelta(minutes=rng.randint(60 * 48, span)), False) for _n in range(count - active)]
        moments += [(now - timedelta(minutes=rng.randint(20, 60 * 46)), True) for _n in range(active)]
        return sorted(moments)

    # ------------------------------------------------------------------ one incident

    def incident(self, iid: int, started: datetime, unfolding: bool, out: dict[str, list]) -> tuple:
        """One incident row; its timeline, suspensions, notices, call list and actions go into `out`."""
        rng, now, staff = self.rng, self.now, self.staff
        kind = rng.choices(self.types, self.type_weights)[0]
        titles, situation, steps, wide, resolution, causes, fixes = STORIES[kind]
        severity = rng.choices(self.severities, self.severity_weights)[0]
        if kind in ("safety", "major_complaint", "traffic_accident") and severity == 4:
            severity = 3
        scope = "district_wide" if rng.random() < wide else "local"
        chosen = rng.sample(steps, k=rng.randint(1, min(2, len(steps))))
        picked_steps = [s for s in steps if s in chosen]
        district = rng.choice(self.districts)
        near = self.district_routes[district]
        routes = rng.sample(near, k=min(rng.randint(1, 3), len(near)))
        districts = list(self.districts) if scope == "district_wide" else [district]
        affected = rng.randint(100, 3000) if scope == "district_wide" else rng.randint(3, 80)
        title = f"{district}{rng.choice(titles)}" if scope == "local" else f"全区{rng.choice(titles)}"
        if kind in ("vehicle_breakdown", "traffic_accident"):
            title = f"{routes[0]} {rng.choice(titles)}"
        situation = situation.format(district=district, route="、".join(routes), street=rng.choice(self.streets),
                                     n=affected)
        detected = started + timedelta(minutes=rng.randint(0, 30))
        reported = detected + timedelta(minutes=rng.randint(0, 20))
        opened = min(reported + timedelta(minutes=rng.randint(1, 10)), now - timedelta(minutes=1))
        detected, reported = min(detected, opened), min(reported, opened)
        opener = rng.choice(staff.coordinators)
        first_severity = severity if rng.random() < 0.8 else max(1, min(4, severity + rng.choice((-1, 1))))
        commander = rng.choice(staff.coordinators) if first_severity <= 2 or rng.random() < 0.3 else None
        i: dict[str, Any] = dict(status="open", severity=first_severity, commander=commander, resolution=None,
                                 resolved_at=None, root_cause=None, review_note=None, closed_at=None, updated=opened)
        entries: list[list] = []  # [recorded, happened, author, kind, text, significant, flagged_by, corrects, data]

        def entry(recorded, happened, author, kind_, text_, data=None, significant=False, corrects=None):
            row = [min(recorded, max(now, happened)), happened, author, kind_, text_, significant,
                   author if significant else None, corrects, data]
            entries.append(row)
            return row

        entry(opened, detected, opener, "status_change",
              _("Incident opened: {title} (severity {severity}).").format(title=title, severity=first_severity),
              _json(**{"from": None, "to": "open", "severity": first_severity}))
        # the life: response within minutes, resolution within hours (weather: up to two days), review weeks later
        hours = rng.uniform(0.5, 6) * (rng.uniform(2, 8) if kind == "severe_weather" else 1)
        resolve_at = opened + timedelta(hours=hours)
        plan_end = now if unfolding else min(resolve_at, now)
        if unfolding:
            resolve_at = now + timedelta(days=1)  # not yet
        span = max((plan_end - opened).total_seconds(), 60)

        def moment(low: float, high: float) -> datetime:
            return opened + timedelta(seconds=span * rng.uniform(low, high))

        def user_id() -> int:
            return rng.choice(staff.writers)

        target = rng.randint(14, 26) if not unfolding else rng.randint(4, 14)
        # status moves
        stops = ["responding", "monitoring"] if rng.random() < 0.55 else ["responding"]
        if rng.random() < 0.1:
            stops = ["monitoring"]
        if unfolding:
            stops = stops[:rng.randint(0, len(stops))]
        moves = sorted(moment(0.02, 0.7) for _s in stops)
        for status, at in zip(stops, moves, strict=True):
            self._status(entry, i, rng.choice(staff.coordinators), at, status)
        # severity and commander
        if first_severity != severity:
            at = moment(0.05, 0.5)
            actor = i["commander"] or rng.choice(staff.coordinators)
            if severity <= 2 and i["commander"] is None:
                self._commander(entry, i, actor, at, rng.choice(staff.coordinators))
            entry(at, at, actor, "severity_change", _("Severity: {old} → {new}.").format(
                old=self.labels["severity"][first_severity], new=self.labels["severity"][severity]),
                _json(**{"from": first_severity, "to": severity, "note": None}))
            i["severity"], i["updated"] = severity, max(i["updated"], at)
        if i["commander"] is not None and rng.random() < 0.08:  # a shift change hands over command
            others = [c for c in staff.coordinators if c != i["commander"]]
            if others:
                self._commander(entry, i, i["commander"], moment(0.4, 0.9), rng.choice(others))
        # response: suspensions, notices, call list
        if rng.random() < 0.35:
            for _n in range(rng.choice((1, 1, 2))):
                service = rng.choice(picked_steps)
                area = "全区" if scope == "district_wide" else "、".join(routes)
                stopped = moment(0.05, 0.4)
                back = None if unfolding and rng.random() < 0.7 else min(moment(0.6, 1.0), now)
                self._suspension(entry, iid, user_id(), service, area, stopped, back, out)
        method = None
        if rng.random() < 0.6:
            method = rng.choice(("broadcast", "sms") if scope == "district_wide" else ("call", "call", "sms"))
            for _n in range(rng.choice((1, 1, 2))):
                at = moment(0.1, 0.8)
                words = rng.choice(NOTICE_TEXTS)
                audience = "全区客户" if scope == "district_wide" else "、".join(routes) + "线路客户"
                out["notices"].append([iid, method, at, words, audience, user_id()])
                entry(at + timedelta(minutes=rng.randint(0, 5)), at, out["notices"][-1][5], "customer_notice",
                      f"{self.labels['method'][method]}: {words}", _json(method=method, audience=audience))
        if method == "call" and rng.random() < 0.7:
            listed = [r for route in routes for r in self.routes.get(route, [])]
            if listed:
                listed = rng.sample(listed, k=min(len(listed), rng.randint(3, 15)))
                affected = len(listed)
                for rid in listed:
                    called = not unfolding or rng.random() < 0.5
                    when = min(moment(0.2, 1.0), now) if called else None
                    out["calls"].append((iid, rid, called, user_id() if called else None, when,
                                         rng.choice(CALL_NOTES) if called else "", opened))
        # the log itself: updates, decisions, actions, resources, spread over the response
        fill = max(target - len(entries) - 2, 2)
        written = []
        for _n in range(fill):
            happened = moment(0.0, 1.0)
            late = 0 if rng.random() < 0.8 else rng.randint(5, 90)
            recorded = min(happened + timedelta(minutes=late), max(now, happened))
            kind_ = rng.choices(("update", "decision", "action", "resource", "customer_notice"),
                                weights=(45, 13, 20, 14, 8))[0]
            text_ = self._text(kind_, district, routes, affected)
            written.append(entry(recorded, happened, user_id(), kind_, text_, significant=rng.random() < 0.1))
        if written and rng.random() < 0.25:  # a correction points at the entry it corrects
            wrong = rng.choice(written)
            recorded = min(wrong[0] + timedelta(minutes=rng.randint(3, 60)), max(now, wrong[0]))
            entry(recorded, wrong[1], wrong[2], wrong[3], "更正:" + wrong[4].rstrip("。") + "(数字以此为准)。",
                  corrects=wrong)
        # resolution and close-out
        if not unfolding and resolve_at < now:
            resolver = i["commander"] or rng.choice(staff.coordinators)
            i["resolution"], i["resolved_at"] = resolution, resolve_at
            self._status(entry, i, resolver, resolve_at, "resolved", resolution=resolution)
            review = resolve_at + timedelta(days=rng.uniform(2, 20))
            if review < now:
                actions = []
                for fix in rng.sample(fixes, k=min(len(fixes), rng.randint(1, 3))):
                    due = local(review + timedelta(days=rng.randint(7, 60))).date()
                    done_at = review + timedelta(days=rng.uniform(3, 55))
                    done = done_at < now and rng.random() < 0.9
                    actions.append((iid, fix, rng.choice(staff.owners), due, done, done_at if done else None,
                                    resolve_at + timedelta(hours=rng.uniform(1, 24))))
                out["actions"].extend(actions)
                i["root_cause"], i["review_note"], i["closed_at"] = rng.choice(causes), rng.choice(REVIEWS), review
                self._status(entry, i, resolver, review, "closed")
        if unfolding and rng.random() < 0.3:
            out["actions"].append((iid, rng.choice(fixes), rng.choice(staff.owners),
                                   local(now + timedelta(days=rng.randint(3, 30))).date(),
                                   False, None, now - timedelta(minutes=rng.randint(1, 15))))
        entries.sort(key=lambda e: (e[0], e[1]))
        for e in entries:
            out["entries"].append((iid, e))
            i["updated"] = max(i["updated"], e[0])
        return (iid, f"YJ-{local(started).year}-{iid:04d}", kind, scope, kind == "traffic_accident" and
                rng.random() < 0.15, i["severity"], title, situation, started, detected, reported,
                rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES), opener, i["commander"], _pg_array(picked_steps),
                _pg_array(districts), _pg_array(routes), affected, i["status"], i["resolution"], i["resolved_at"],
                i["root_cause"], i["review_note"], i["closed_at"], opened, i["updated"])

    def _status(self, entry: Callable, i: dict, actor: int, at: datetime, status: str, **extra: Any) -> None:
        old, i["status"] = i["status"], status
        data = {"from": old, "to": status, "note": None, **extra}
        entry(at, at, actor, "status_change", _("Status: {old} → {new}.").format(
            old=self.labels["status"][old], new=self.labels["status"][status]),
            json.dumps(data, ensure_ascii=False) if extra else _json(**data))

    def _commander(self, entry: Callable, i: dict, actor: int, at: datetime, new: int) -> None:
        names = self.staff.names
        old, i["commander"] = i["commander"], new
        old_name, new_name = names.get(old, "—") if old else "—", names[new]
        entry(at, at, actor, "commander_change", _("Commander: {old} → {new}.").format(old=old_name, new=new_name),
              _json(**{"from": old, "to": new, "from_name": old_name, "to_name": new_name, "note": None}))

    def _suspension(self, entry: Callable, iid: int, actor: int, service: str, area: str, stopped: datetime,
                    back: datetime | None, out: dict[str, list]) -> None:
        out["suspensions"].append((iid, service, area, stopped, back, actor))
        label = self.labels["step"][service]
        entry(stopped + timedelta(minutes=2), stopped, actor, "action",
              _("{service} suspended: {area}.").format(service=label, area=area),
              _json(suspension="suspended", service=service, area=area))
        if back is not None:
            entry(back, back, actor, "action", _("{service} resumed: {area}.").format(service=label, area=area),
                  _json(suspension="resumed", service=service, area=area))

    def _text(self, kind: str, district: str, routes: list[str], n: int) -> str:
        pool = {"update": UPDATES, "decision": DECISIONS, "action": ACTIONS, "resource": RESOURCES,
                "customer_notice": NOTICE_TEXTS}[kind]
        return self.rng.choice(pool).format(district=district, route=self.rng.choice(routes), n=n,
                                            h=self.rng.randint(1, 6))


def _pg_array(values: list[str]) -> str:
    """A text array literal for COPY ({a,b}); the values hold no quotes, commas or braces."""
    return "{" + ",".join(f'"{v}"' for v in values) + "}"

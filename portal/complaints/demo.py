"""Demo complaints: about 200 over the last eight weeks, in every state, made through the domain functions
(so each has its timeline, audit trail and SLA clocks exactly as if staff had worked it)."""
from __future__ import annotations

import random
import zlib
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import ComplaintCategory, Department, Retailer, User
from portal import complaints as cx
from portal.access.auth import CurrentUser
from portal.center.sla import CENTER_TZ
from portal.complaints.rules import utcnow
from portal.retailers.demo import GIVEN_NAMES, PHONE_PREFIXES, SURNAMES

COMPLAINT_COUNT = 200
DAYS_BACK = 56
CHANNEL_WEIGHTS = {"hotline": 46, "walk_in": 8, "manager_visit": 14, "web": 10, "email": 4, "letter": 3,
                   "suggestion_box": 2, "transferred": 6, "follow_up": 7}
GRADE_WEIGHTS = {1: 2, 2: 12, 3: 56, 4: 30}
CATEGORY_WEIGHTS = {"delivery": 22, "supply": 18, "ordering_system": 14, "product_quality": 11, "pricing": 7,
                    "settlement": 8, "service_attitude": 10, "staff_conduct": 3, "other": 7}
# category -> stories: (description, remedy sought, verification, root cause, corrective action, reply)
STORIES: dict[str, list[tuple[str, str, str, str, str, str]]] = {
    "delivery": [
        ("送货员比约定时间晚了三个多小时才到,中午店里断货,流失了不少客人。", "以后按时送货,晚到要提前打电话。",
         "属实。当日线路车辆故障换车,延误约3小时,未通知客户。", "车辆故障后调度未按规定逐户电话告知。",
         "重申延误告知制度:车辆故障超过30分钟须逐户电话通知。",
         "经核实,当日因送货车辆故障导致延误且未及时通知您,向您致歉。已要求今后延误必须提前告知。"),
        ("这次送来的卷烟少了一条,送货员没有让我当面清点就走了。", "补齐少送的一条烟。",
         "属实。分拣环节少装一条,送货时未执行当面点验。", "分拣复核漏检;送货员未执行交接点验。",
         "已补送;分拣线增加称重复核,交接点验纳入考核。",
         "经核实确属少送一条,已于今天上午补送到店,并对相关人员进行了考核。"),
        ("下雨天送来的烟箱被淋湿了,有两条外包装破损。", "调换破损的卷烟。",
         "属实。送货车篷布破损,雨天未加防雨措施。", "车辆防雨设施检查不到位。",
         "全部车辆检查篷布,雨天配备防雨罩。", "已为您调换破损的两条卷烟,并对全部送货车辆的防雨设施进行了检查。"),
    ],
    "supply": [
        ("紧俏品牌这个月又只分到两条,附近同样的店分得比我多。", "公开货源分配标准,增加投放量。",
         "经查,该户本月按四星级标准投放,与同档客户一致;附近店铺为五星级。", "客户对分档投放政策不了解。",
         "客户经理上门讲解货源投放政策。",
         "经查,您店本月按四星级客户标准投放,与同档客户一致。客户经理将上门为您讲解分档投放政策。"),
        ("订了十条常销品牌,系统只满足五条,说是缺货,可别的店有货。", "补足订货量。",
         "部分属实。该规格本周到货不足,按订单比例满足。", "工业企业到货延迟。",
         "到货后优先补足欠货客户。", "该规格本周到货不足,按比例满足了您的订单。下周到货后将优先为您补足。"),
    ],
    "ordering_system": [
        ("周二晚上网上订货系统一直登录不上,错过了订货时间。", "补订本周的货。",
         "属实。当晚21:00至22:30订货平台故障。", "服务器升级后数据库连接配置错误。",
         "已修复;升级改在非订货时段进行并准备回退预案。",
         "经核实当晚订货系统确有故障,已为您开通补订,货物随下一送货日配送。"),
        ("手机订货提交订单后一直显示“处理中”,不知道订上没有。", "确认订单是否成功。",
         "属实。移动端回执推送延迟,订单实际已成功。", "消息推送服务拥堵。",
         "扩容推送服务,订单页面增加状态刷新。", "您的订单已成功提交,显示问题是推送延迟所致,目前已修复。"),
    ],
    "product_quality": [
        ("上周进的一批卷烟有几包烟支松散、掉烟丝,顾客拿回来退了。", "调换有问题的卷烟。",
         "属实。该批次个别条烟存在松散现象。", "生产批次质量问题。",
         "该批次库存退换并反馈生产企业。", "经核实该批次确有个别质量问题,已为您调换3条,并将情况反馈生产厂家。"),
        ("条盒上的防伪标识模糊,顾客怀疑是假烟。", "核实真伪,给顾客一个说法。",
         "经鉴定为正品,标识模糊为印刷批次差异。", "包装印刷批次差异。",
         "向客户提供鉴定说明,反馈工业企业。", "经专卖部门鉴定该卷烟为正品,标识差异系印刷批次所致,已向您提供书面说明。"),
    ],
    "pricing": [
        ("这个月两个规格的批发价调了,事先没有收到通知。", "价格调整要提前通知。",
         "属实。调价通知短信因号码变更未送达。", "客户联系电话未及时更新。",
         "核对更新客户联系方式,调价信息同时在订货平台公告。",
         "调价通知因您的号码变更未能送达,已为您更新号码,今后调价会提前通知。"),
        ("附近有店低于指导价销售,扰乱市场。", "希望管一管。",
         "已转专卖管理办公室核查。", "个别零售户违规低价销售。",
         "专卖管理办公室上门检查并责令整改。", "您反映的情况已转专卖管理部门,经检查该店已整改。"),
    ],
    "settlement": [
        ("银行卡已经扣款,系统还显示未结算,不让下单。", "尽快处理,别耽误订货。",
         "属实。银行回单延迟导致结算状态未更新。", "银行接口对账延迟。",
         "增加人工对账补偿流程。", "已为您手工确认结算,现在可以正常下单,给您带来不便深表歉意。"),
        ("电子结算重复扣了一次款。", "退还重复扣款。",
         "属实。结算系统重复发起扣款。", "网络超时后重试未做幂等校验。",
         "已退款;结算接口增加重复扣款校验。", "重复扣款已全额退回您的账户,系统问题已修复。"),
    ],
    "service_attitude": [
        ("打热线电话等了很久才有人接,接线员说话不耐烦。", "改进服务态度。",
         "属实。当日话务高峰,接线员未使用规范用语。", "高峰时段人手不足,服务规范执行不到位。",
         "高峰时段增加坐席,组织规范用语培训。", "经核实情况属实,已对相关接线员进行批评教育,并在高峰时段增加了坐席。"),
        ("客户经理好几个月没来店里走访,有问题找不到人。", "客户经理定期上门。",
         "属实。该片区客户经理调整后走访计划未衔接。", "人员调整交接不到位。",
         "制定走访计划并纳入考核。", "已安排新的客户经理本周上门走访,今后将按计划定期走访。"),
    ],
    "staff_conduct": [
        ("有工作人员暗示可以多给紧俏烟,但要额外好处。", "严肃处理。",
         "已由督察考评中心立案调查。", "个别员工违反廉洁规定。",
         "依规处理相关人员,开展廉洁教育。", "您反映的问题已调查核实,相关人员已依规处理,感谢您的监督。"),
    ],
    "other": [
        ("希望周末也能电话订货。", "增加周末订货时间。",
         "属于服务建议。", "现行订货时间安排。",
         "研究周末订货方案。", "感谢您的建议,我们正在研究周末订货方案,确定后将通知您。"),
        ("门头的持证标识牌褪色了,想换一块新的。", "更换标识牌。",
         "属实。", "标识牌老化。", "统一更换老化标识牌。", "已安排本周为您更换新的标识牌。"),
    ],
}
FOLLOW_UP_RESULTS = {
    "satisfied": "客户表示问题已解决,对处理结果满意。",
    "basically_satisfied": "客户基本满意,希望以后不再出现类似问题。",
    "dissatisfied": "客户认为问题没有彻底解决,不满意。",
}
NOTES = ("该户近三个月第二次反映同类问题,请重点关注。", "已电话联系相关部门核实情况。",
         "客户情绪较激动,回复时注意措辞。")
PAUSE_REASONS = ("等待客户提供照片", "客户外出,约定下周面谈", "等待客户提供银行扣款凭证")
INVALID_REASONS = ("非本中心业务范围", "来电人无法提供有效信息,多次联系不上", "恶意骚扰电话")


class _Staff:
    """The demo staff who work complaints, looked up once."""

    def __init__(self, session: Session):
        users = list(session.scalars(select(User).where(User.active)))
        by_login = {u.login: CurrentUser.of(u) for u in users}
        self.receivers = [by_login[login] for login in ("wangli", "zhaomin") if login in by_login]
        self.supervisor = next(CurrentUser.of(u) for u in users if "supervisor" in u.roles)
        self.handlers: dict[int, list[CurrentUser]] = {}
        for u in users:
            if "handler" in u.roles and u.department_id is not None:
                self.handlers.setdefault(u.department_id, []).append(CurrentUser.of(u))
        service = session.scalar(select(Department.id).where(Department.code == "customer_service"))
        self.handlers.setdefault(service, list(self.receivers))  # agents handle service complaints themselves


def _received_times(rng: random.Random, now: datetime, count: int) -> list[datetime]:
    """Moments in office hours (mostly weekdays) over the last DAYS_BACK days, a good share in the last
    week (so the lists have open work), oldest first."""
    moments = [now - timedelta(hours=rng.uniform(0.5, 8)) for _ in range(count // 16)]  # still being taken up
    while len(moments) < count:
        days_back = rng.randint(0, 7) if rng.random() < 0.4 else rng.randint(0, DAYS_BACK)
        day = (now - timedelta(days=days_back)).astimezone(CENTER_TZ).date()
        if day.weekday() >= 5 and rng.random() < 0.8:
            continue
        moment = datetime.combine(day, time(8, 30), tzinfo=CENTER_TZ) + timedelta(minutes=rng.randint(0, 540))
        if moment < now - timedelta(minutes=30):
            moments.append(moment)
    return sorted(moments)


def seed_demo_complaints(session: Session, rng: random.Random, count: int = COMPLAINT_COUNT) -> int:
    """Register `count` demo complaints and work each as far as its age allows; returns how many."""
    now = utcnow()
    staff = _Staff(session)
    categories = dict(session.execute(select(ComplaintCategory.code, ComplaintCategory.id)).all())
    retailers = list(session.scalars(select(Retailer).where(Retailer.status == "active").order_by(Retailer.id)))
    recent: list[tuple[int, str, int, datetime]] = []  # (retailer, category code, complaint id, registered at)
    for n, received in enumerate(_received_times(rng, now, count)):
        channel = rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
        grade = rng.choices(list(GRADE_WEIGHTS), weights=list(GRADE_WEIGHTS.values()))[0]
        if n % 90 == 45:  # a major (grade 1) complaint every so often, whatever the dice say
            grade = 1
        duplicate_of, original_registered = None, received
        if recent and rng.random() < 0.04:  # the same retailer calls again about the same matter
            retailer_id, code, duplicate_of, original_registered = rng.choice(recent[-15:])
            retailer = session.get(Retailer, retailer_id)
        else:
            code = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
            retailer = rng.choice(retailers) if rng.random() < 0.82 else None
        story, category_id = rng.choice(STORIES[code]), categories[code]
        name = retailer.owner_name if retailer else rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        phone = retailer.phone if retailer else rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        # a duplicate is registered after its original (whose timeline then shows the link after its own start)
        registered = max(received + timedelta(minutes=rng.randint(1, 25)), original_registered + timedelta(minutes=1))
        reg = cx.register_complaint(
            session, actor=rng.choice(staff.receivers) if rng.random() < 0.93 else staff.supervisor,
            channel=channel, received_at=received, complainant_name=name,
            complainant_phone=phone if channel == "hotline" or rng.random() < 0.7 else None,
            retailer_id=retailer.id if retailer else None, category_id=category_id, grade=grade,
            description=story[0], remedy_sought=story[1], duplicate_of_id=duplicate_of, now=min(registered, now),
            # written channels: where the answer goes (made from what is known, not drawn: the demo stays the same)
            complainant_email=f"kh{zlib.crc32(name.encode()) % 100_000:05d}@example.cn" if channel == "email" else None,
            complainant_address=retailer.address if channel == "letter" and retailer else None)
        if duplicate_of is None:
            if retailer is not None:
                recent.append((retailer.id, code, reg.complaint_id, registered))
            _work(session, rng, staff, reg.complaint_id, story, registered, now)
    return count


def _work(session: Session, rng: random.Random, staff: _Staff, cid: int, story: tuple, start: datetime,
          now: datetime) -> None:
    """Move one complaint along as staff would have, stopping at the present."""
    clock = [start]
    pace = 1 if rng.random() < 0.85 else rng.uniform(2.5, 4)  # some cases drag on and run overdue

    def at(hours_low: float, hours_high: float) -> datetime | None:
        clock[0] += timedelta(hours=pace * rng.uniform(hours_low, hours_high))
        return clock[0] if clock[0] < now else None

    sup = staff.supervisor
    c = cx.get_complaint(session, actor=sup, complaint_id=cid)
    owner = next((r for r in staff.receivers if r.id == c.first_contact_owner_id), sup)
    if rng.random() < 0.04:
        if (t := at(0.5, 4)) is not None:
            cx.mark_invalid(session, actor=sup, complaint_id=cid, reason=rng.choice(INVALID_REASONS), now=t)
        return
    if rng.random() < 0.12 and (t := at(0.2, 2)) is not None:
        cx.add_internal_note(session, actor=owner, complaint_id=cid, text=rng.choice(NOTES), now=t)
    if (t := at(0.3, 3)) is None:
        return
    department_id = session.get(ComplaintCategory, c.category_id).default_department_id
    handlers = staff.handlers.get(department_id) or []
    handler = rng.choice(handlers) if handlers else sup  # no handler named: the supervisor works it
    cx.assign_complaint(session, actor=sup, complaint_id=cid, department_id=department_id,
                        handler_id=handler.id if handlers else None, now=t)
    if (c.grade <= 2 or rng.random() < 0.3) and (t := at(0.5, 6)) is not None:
        cx.record_interim_reply(session, actor=owner, complaint_id=cid, method="phone", now=t,
                                text="您的投诉已受理并转相关部门处理,我们会在承诺时限内答复您。")
    if (t := at(0.5, 6)) is None:
        return
    cx.start_progress(session, actor=handler, complaint_id=cid, now=t)
    if rng.random() < 0.1 and (t := at(1, 8)) is not None:
        cx.pause_sla(session, actor=handler, complaint_id=cid, reason=rng.choice(PAUSE_REASONS), now=t)
        if (t := at(4, 30)) is None:
            return
        cx.resume_sla(session, actor=handler, complaint_id=cid, note="客户已提供材料", now=t)
    for attempt in range(3):
        slow = rng.random() < 0.12
        if (t := at(*((50, 110) if slow else (3, 36)))) is None:
            return
        cx.record_investigation(session, actor=handler, complaint_id=cid, now=t, verification_result=story[2],
                                root_cause=story[3], corrective_action=story[4],
                                responsibility_analysis="责任部门:" + ("配送中心" if "送" in story[0] else "业务部门"))
        cx.reply_to_complainant(session, actor=handler, complaint_id=cid, text=story[5], now=t,
                                method=rng.choices(("phone", "visit", "sms"), weights=(80, 12, 8))[0])
        if (t := at(18, 72)) is None:
            return
        mood = rng.choices(list(FOLLOW_UP_RESULTS), weights=(76, 16, 8 if attempt == 0 else 2))[0]
        level = 1 if c.channel == "manager_visit" else 2
        follower = owner if owner.id != handler.id else next(r for r in staff.receivers if r.id != handler.id)
        cx.record_follow_up(session, actor=follower, complaint_id=cid, level=level, now=t,
                            method="visit" if level == 1 else "phone", satisfaction=mood,
                            result=FOLLOW_UP_RESULTS[mood], scores=_scores(rng, mood))
        if mood != "dissatisfied":
            break
    else:
        return
    if (t := at(2, 40)) is None:
        return
    cx.close_complaint(session, actor=sup, complaint_id=cid, now=t)
    if rng.random() < 0.05 and (t := at(24, 120)) is not None and sup.id != handler.id:  # by someone else
        cx.record_follow_up(session, actor=sup, complaint_id=cid, level=3, method="spot_check", now=t,
                            satisfaction="satisfied", result="督察抽查:客户确认问题已解决。")


def _scores(rng: random.Random, mood: str) -> dict[str, int]:
    base = {"satisfied": 5, "basically_satisfied": 4, "dissatisfied": 2}[mood]
    return {k: max(1, min(5, base - rng.choice((0, 0, 0, 1)))) for k in
            ("score_attitude", "score_phrasing", "score_speed", "score_no_buck_passing")}

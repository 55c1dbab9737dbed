"""Demo training: the course catalog, last month's and this month's plans (approved on time), sign-ups with a
full session's waiting list, attendance, absentees' follow-up calls, evaluations, and next month's needs — made
through the domain functions, so each has its audit trail as if staff had done it."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Department, Retailer, User
from portal import training as tr
from portal.access.auth import CurrentUser
from portal.center.sla import CENTER_TZ
from portal.training.rules import month_start, next_month, nth_working_day, previous_month, utcnow, work_calendar

# title, kind, minutes, business types, star levels, description
COURSES = [
    ("行业形势与卷烟市场分析", "knowledge", 90, [], [], "当前行业形势、市场状态与经营环境解读。"),
    ("客户分类与货源投放政策", "knowledge", 60, [], [], "客户分类标准、星级评定与货源投放规则。"),
    ("品牌知识与新品推介", "knowledge", 90, ["convenience", "tobacco_liquor"], [3, 4, 5],
     "重点品牌培育与新品上市介绍。"),
    ("市场营销与经营技巧", "knowledge", 120, [], [2, 3, 4], "顾客需求分析、促销与店铺经营。"),
    ("法律法规与诚信经营", "knowledge", 60, [], [], "烟草专卖法律法规、明码实价与诚信经营。"),
    ("经营风险防范", "knowledge", 60, [], [], "假冒卷烟识别、资金与安全风险防范。"),
    ("卷烟陈列技巧", "skill", 90, ["convenience", "supermarket", "tobacco_liquor"], [], "柜台陈列、价签与形象展示。"),
    ("库存管理与进销存", "skill", 90, ["grocery", "convenience"], [1, 2, 3], "合理库存、盘点与进销存记录。"),
    ("网上订货操作", "skill", 60, [], [1, 2, 3], "网上订货平台与手机订货操作演示。"),
]
PLACES = ("公司三楼培训室", "城东区分公司会议室", "城西区营销部会议室", "高新区服务站")
ABSENCE_REASONS = ("当天进货,店里走不开", "家里有事", "忘记了培训时间", "生病", "店里只有一个人看店")
COMMENTS = ("讲得很实用,希望多办", "陈列方法回去就能用", "时间有点短", "希望增加网上订货的现场演示", "",
            "讲师讲得清楚", "")
# (day of month, hour, course index, format, capacity) of each month's sessions
MONTH_PLAN = [(6, 14, 6, "lecture", 40), (13, 9, 8, "discussion", 20), (20, 14, 2, "lecture", 30),
              (25, 15, 7, "on_site", 12)]


def _people(session: Session) -> tuple[CurrentUser, CurrentUser, list[int]]:
    users = list(session.scalars(select(User).where(User.active)))
    coordinator = next(CurrentUser.of(u) for u in users if "training_coordinator" in u.roles)
    supervisor = next(CurrentUser.of(u) for u in users if "supervisor" in u.roles)
    marketing = session.scalar(select(Department.id).where(Department.code == "marketing"))
    trainers = [u.id for u in users if u.department_id == marketing and "handler" in u.roles] or [coordinator.id]
    return coordinator, supervisor, trainers


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CENTER_TZ)


def seed_demo_training(session: Session, rng: random.Random) -> int:
    """Seed the catalog, two months of sessions with sign-ups, attendance and evaluations; returns sign-ups."""
    coordinator, supervisor, trainers = _people(session)
    now = utcnow()
    courses = [tr.create_course(session, actor=coordinator, title=t, kind=k, duration_minutes=m,
                                target_business_types=b, target_star_levels=s, description=d).id
               for t, k, m, b, s, d in COURSES]
    active = list(session.scalars(select(Retailer.id).where(Retailer.status == "active").order_by(Retailer.id)))
    calendar = work_calendar(session)
    this_month = month_start(now)
    signed = 0
    for month in (previous_month(this_month), this_month):
        drafted = _at(previous_month(month).replace(day=20), 10)
        first_session = _at(month.replace(day=MONTH_PLAN[0][0]), MONTH_PLAN[0][1])
        # approved within the first 3 working days (and before the first session, and not in the future)
        approved = min(_at(nth_working_day(calendar, month, 2), 16), first_session - timedelta(days=2),
                       now - timedelta(hours=1))
        for day, hour, course, fmt, capacity in MONTH_PLAN:
            starts = _at(month.replace(day=day), hour)
            data = tr.SessionInput(course_id=courses[course], starts_at=starts, ends_at=starts + timedelta(hours=2),
                                   place=rng.choice(PLACES), format=fmt, trainer_id=rng.choice(trainers),
                                   capacity=capacity, audience="全市持证零售客户", content=COURSES[course][5])
            ts = tr.create_session(session, actor=coordinator, data=data, now=drafted)
            tr.submit_session(session, actor=coordinator, session_id=ts.id, version=None, now=drafted)
            tr.approve_session(session, actor=supervisor, session_id=ts.id, version=None, now=approved)
            signed += _run_session(session, rng, coordinator, ts, active, approved, now)
    _needs(session, rng, coordinator, next_month(this_month), active, now)
    return signed


def _run_session(session: Session, rng: random.Random, coordinator: CurrentUser, ts, active: list[int],
                 approved: datetime, now: datetime) -> int:
    """Sign retailers up (a popular session fills and gets a waiting list), notify, then — if its day has
    passed — check in, hold, follow up the absentees and collect evaluations."""
    extra = 4 if ts.format == "on_site" else rng.choice((-8, -3, 2))  # the small on-site session overfills
    wanted = rng.sample(active, min(len(active), ts.capacity + extra))
    sign_up_time = min(approved + timedelta(days=1), ts.starts_at - timedelta(days=1))
    tr.sign_up_many(session, actor=coordinator, session_id=ts.id, retailer_ids=wanted, now=sign_up_time)
    seats = tr.roster(session, actor=coordinator, session_id=ts.id)
    for row in seats:
        if ts.starts_at < now or rng.random() < 0.6:
            tr.mark_notified(session, actor=coordinator, sign_up_id=row["id"], version=None,
                             method=rng.choice(("phone", "phone", "sms", "visit")), now=sign_up_time)
    if ts.ends_at > now:  # still to come (or under way): no attendance yet
        return len(wanted)
    seated = [r for r in seats if r["state"] == "signed_up"]
    came = [r for r in seated if rng.random() < 0.86]
    for row in came:
        tr.mark_attendance(session, actor=coordinator, sign_up_id=row["id"],
                           now=ts.starts_at - timedelta(minutes=rng.randint(0, 20)))
    tr.mark_held(session, actor=coordinator, session_id=ts.id, version=None, now=ts.ends_at)
    for row in seated:
        if row not in came and rng.random() < 0.8:
            tr.record_absence_follow_up(session, actor=coordinator, sign_up_id=row["id"], version=None,
                                        reason=rng.choice(ABSENCE_REASONS), now=ts.ends_at + timedelta(days=1))
    for row in rng.sample(came, max(1, len(came) // 6)) if came else []:
        scores = {"score_content": rng.choice((4, 5, 5)), "score_trainer": rng.choice((4, 5)),
                  "score_usefulness": rng.choice((3, 4, 5))}
        tr.record_evaluation(session, actor=coordinator, sign_up_id=row["id"], scores=scores,
                             comments=rng.choice(COMMENTS), now=ts.ends_at)
    return len(wanted)


def _needs(session: Session, rng: random.Random, coordinator: CurrentUser, month: date, active: list[int],
           now: datetime) -> None:
    """Next month's needs: marketing has recorded some and submitted; customer service is still collecting."""
    departments = dict(session.execute(select(Department.code, Department.id)).all())
    topics = ("网上订货操作", "卷烟陈列技巧", "假烟识别", "新品知识", "库存管理")
    for code, count in (("marketing", 6), ("customer_service", 4)):
        for retailer_id in rng.sample(active, count):
            tr.record_need(session, actor=coordinator, retailer_id=retailer_id, topic=rng.choice(topics), month=month,
                           department_id=departments[code], now=now)
    tr.submit_needs(session, actor=coordinator, month=month, department_id=departments["marketing"], now=now)

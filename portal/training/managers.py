"""A customer manager's (客户经理) part in training: organise the sign-in of the retailers they look after and call
those who did not come (seed 000 篇九: 客户服务部需安排客户经理组织零售客户签到; 对未参加培训的客户实施电话拜访) —
for their own retailers (the retailer's `manager_id`), and nothing more: no sign-ups, no sessions, no evaluations.

The writes are attendance.mark_attendance and attendance.record_absence_follow_up, which ask `rules.require_in_care`
(the training staff for any retailer, a customer manager for their own); this module reads a manager's share of the
sessions. Each read is limited to the actor's own retailers in its SQL."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Retailer
from db.training_models import SignUp, TrainingSession
from portal.access.auth import CurrentUser, require
from portal.center_time import CENTER_TZ, local
from portal.training.rules import OWN_RETAILERS

ON_THE_DAY = ("approved", "held")  # sessions that take check-ins and have absentees


def managed_sessions(session: Session, *, actor: CurrentUser, start: datetime, end: datetime) -> list[dict]:
    """Approved or held sessions starting in [start, end) where the actor's retailers hold seats, by start: id, title,
    starts_at, place, state, and of the actor's retailers how many are seated, checked in, absent, absent and called."""
    require(actor, OWN_RETAILERS)
    absent = SignUp.attended.is_(False)
    stmt = (select(TrainingSession.id, TrainingSession.title, TrainingSession.starts_at, TrainingSession.place,
                   TrainingSession.state, func.count().label("seated"),
                   func.count().filter(SignUp.attended.is_(True)).label("checked_in"),
                   func.count().filter(absent).label("absent"),
                   func.count().filter(absent & SignUp.follow_up_at.is_not(None)).label("called"))
            .join(SignUp, SignUp.session_id == TrainingSession.id)
            .join(Retailer, Retailer.id == SignUp.retailer_id)
            .where(Retailer.manager_id == actor.id, SignUp.state == "signed_up",
                   TrainingSession.state.in_(ON_THE_DAY), TrainingSession.starts_at >= start,
                   TrainingSession.starts_at < end)
            .group_by(TrainingSession.id)
            .order_by(TrainingSession.starts_at, TrainingSession.id))
    return [dict(r) for r in session.execute(stmt).mappings()]


def managed_sign_ups(session: Session, *, actor: CurrentUser, session_id: int) -> list[dict]:
    """The actor's own retailers with a seat at the session, by shop name: sign-up id and version, attendance, the
    absentee's call so far, the retailer's licence, shop, owner and phone (to call them)."""
    require(actor, OWN_RETAILERS)
    stmt = (select(SignUp.id, SignUp.version, SignUp.attended, SignUp.checked_in_at, SignUp.absence_reason,
                   SignUp.follow_up_at, Retailer.license_no, Retailer.shop_name, Retailer.owner_name, Retailer.phone)
            .join(Retailer, Retailer.id == SignUp.retailer_id)
            .where(SignUp.session_id == session_id, SignUp.state == "signed_up", Retailer.manager_id == actor.id)
            .order_by(Retailer.shop_name, SignUp.id))
    return [dict(r) for r in session.execute(stmt).mappings()]


def waiting_for_manager(session: Session, *, actor: CurrentUser, now: datetime,
                        lookback: timedelta = timedelta(days=30)) -> tuple[int, int]:
    """The home page's two lines for a customer manager: their retailers seated at today's sessions (center day of
    `now`), and their absentees of the last `lookback` not called yet."""
    require(actor, OWN_RETAILERS)
    midnight = datetime.combine(local(now).date(), time(0), tzinfo=CENTER_TZ)
    today, uncalled = session.execute(
        select(func.count().filter(TrainingSession.starts_at >= midnight,
                                   TrainingSession.starts_at < midnight + timedelta(days=1)),
               func.count().filter(SignUp.attended.is_(False), SignUp.follow_up_at.is_(None),
                                   TrainingSession.starts_at >= now - lookback))
        .select_from(SignUp).join(TrainingSession, TrainingSession.id == SignUp.session_id)
        .join(Retailer, Retailer.id == SignUp.retailer_id)
        .where(Retailer.manager_id == actor.id, SignUp.state == "signed_up", TrainingSession.state.in_(ON_THE_DAY),
               TrainingSession.starts_at >= min(midnight, now - lookback))).one()
    return today, uncalled

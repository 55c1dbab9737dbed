"""On the day: sign-in (签到) marks attendance; absentees get a follow-up call with the reason recorded; a sample
of at least 10% of attendees fills in the evaluation form (培训效果评价表)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.models import Retailer
from db.training_models import Evaluation, SignUp, TrainingSession
from portal.access.auth import CurrentUser, require
from portal.center.sla import CENTER_TZ, local
from portal.i18n import _
from portal.records.filters import like_pattern
from portal.training.rules import (
    CHECK_IN,
    MANAGE,
    VIEW,
    TrainingInputError,
    lock_session,
    lock_session_and_sign_up,
    optional_text,
    require_in_care,
    require_text,
    utcnow,
)

EVALUATION_SHARE = 0.10  # at least 10% of attendees evaluate
SCORES = ("score_content", "score_trainer", "score_usefulness")


def _day_started(starts_at: datetime, now: datetime) -> bool:
    """Check-in opens at midnight of the session's day (center time)."""
    return now >= datetime.combine(local(starts_at).date(), time(0), tzinfo=CENTER_TZ)


def mark_attendance(session: Session, *, actor: CurrentUser, sign_up_id: int, attended: bool = True,
                    late: bool = False, now: datetime | None = None) -> SignUp:
    """Check a retailer in (or undo it) on the session's day, `late` when they came after the start (the desk's
    "Late" tap); a tap on the check-in page. Checking in clears an excused absence."""
    require(actor, CHECK_IN)
    now = now or utcnow()
    ts, su = lock_session_and_sign_up(session, sign_up_id)
    require_in_care(session, actor, su.retailer_id)
    if su.state != "signed_up":
        raise TrainingInputError("state", _("Only retailers with a seat can be checked in (not the waiting list)."))
    if ts.state not in ("approved", "held"):
        raise TrainingInputError("state", _("Session “{title}” is not approved: no check-in.").format(title=ts.title))
    if not _day_started(ts.starts_at, now):
        raise TrainingInputError("state", _("Check-in opens on the day of the session."))
    su.attended = bool(attended)
    su.checked_in_at = now if attended else None
    su.late, su.excused = bool(attended and late), False
    if attended:
        su.absence_reason, su.follow_up_at, su.follow_up_by_id = None, None, None
    session.flush()
    return su


def check_in_list(session: Session, *, actor: CurrentUser, session_id: int, search: str = "") -> list[dict]:
    """The session's seated retailers, filtered by name or licence number as typed on the check-in page."""
    require(actor, VIEW)
    stmt = (select(SignUp.id, SignUp.version, SignUp.attended, SignUp.checked_in_at, SignUp.late, SignUp.excused,
                   SignUp.walk_in, Retailer.license_no, Retailer.shop_name, Retailer.owner_name)
            .join(Retailer, Retailer.id == SignUp.retailer_id)
            .where(SignUp.session_id == session_id, SignUp.state == "signed_up")
            .order_by(Retailer.shop_name, SignUp.id))
    for word in search.split():
        pattern = like_pattern(word)
        stmt = stmt.where(or_(Retailer.license_no.ilike(pattern, escape="\\"),
                              Retailer.shop_name.ilike(pattern, escape="\\"),
                              Retailer.owner_name.ilike(pattern, escape="\\")))
    return [dict(r) for r in session.execute(stmt).mappings()]


def record_absence_follow_up(session: Session, *, actor: CurrentUser, sign_up_id: int, version: int | None,
                             reason: str, now: datetime | None = None) -> SignUp:
    """After the session: the absentee was called (未参加培训的客户实施电话拜访) and said why."""
    require(actor, CHECK_IN)
    now = now or utcnow()
    reason = require_text("absence_reason", reason, _("Reason: write why the retailer did not come."), limit=2000)
    ts, su = lock_session_and_sign_up(session, sign_up_id, version)
    require_in_care(session, actor, su.retailer_id)
    if su.state != "signed_up" or su.attended is True:
        raise TrainingInputError("state", _("Only absentees get a follow-up call."))
    if ts.starts_at > now:
        raise TrainingInputError("state", _("The session has not taken place yet."))
    su.attended, su.absence_reason, su.follow_up_at, su.follow_up_by_id = False, reason, now, actor.id
    session.flush()
    return su


def absentees(session: Session, *, actor: CurrentUser, session_id: int) -> list[dict]:
    """Seated retailers marked absent, with their follow-up so far."""
    require(actor, VIEW)
    stmt = (select(SignUp.id, SignUp.version, SignUp.retailer_id, SignUp.absence_reason, SignUp.follow_up_at,
                   SignUp.excused, Retailer.license_no, Retailer.shop_name, Retailer.owner_name)
            .join(Retailer, Retailer.id == SignUp.retailer_id)
            .where(SignUp.session_id == session_id, SignUp.state == "signed_up", SignUp.attended.is_(False))
            .order_by(SignUp.follow_up_at.is_not(None), Retailer.shop_name))
    return [dict(r) for r in session.execute(stmt).mappings()]


def record_evaluation(session: Session, *, actor: CurrentUser, scores: dict[str, int | None], comments: str = "",
                      sign_up_id: int | None = None, session_id: int | None = None,
                      now: datetime | None = None) -> Evaluation:
    """An attendee's evaluation: content, trainer and usefulness scored 1–5, and comments. One per attendee; a
    session with anonymous forms takes `session_id` instead (no sign-up: at most one form per attendee)."""
    require(actor, MANAGE)
    for name in SCORES:
        value = scores.get(name)
        if value is None or not 1 <= int(value) <= 5:
            raise TrainingInputError(name, _("Score: choose 1 (poor) to 5 (excellent)."))
    comments = optional_text("comments", comments, label=_("Comments"), limit=2000)
    if sign_up_id is None:
        return _record_anonymous(session, actor, session_id, scores, comments, now)
    ts, su = lock_session_and_sign_up(session, sign_up_id)
    if ts.anonymous_evaluation:
        raise TrainingInputError("sign_up", _("This session's evaluation forms are anonymous: enter them without a "
                                              "name."))
    if su.attended is not True:
        raise TrainingInputError("sign_up", _("Only retailers who attended can evaluate the session."))
    if session.scalar(select(Evaluation.id).where(Evaluation.sign_up_id == su.id)) is not None:
        raise TrainingInputError("sign_up", _("This attendee has already evaluated the session."))
    evaluation = Evaluation(session_id=ts.id, sign_up_id=su.id, comments=comments, entered_by_id=actor.id,
                            entered_at=now or utcnow(), **{name: int(scores[name]) for name in SCORES})
    session.add(evaluation)
    session.flush()
    return evaluation


def _record_anonymous(session: Session, actor: CurrentUser, session_id: int | None, scores: dict[str, int | None],
                      comments: str, now: datetime | None) -> Evaluation:
    """An anonymous form of a session that chose them: no sign-up, as many as it had attendees at most."""
    if session_id is None:
        raise TrainingInputError("sign_up", _("Attendee: choose who filled in the form."))
    ts = lock_session(session, session_id)
    if not ts.anonymous_evaluation:
        raise TrainingInputError("sign_up", _("Attendee: choose who filled in the form."))
    attendees = session.scalar(select(func.count()).where(SignUp.session_id == ts.id, SignUp.attended.is_(True)))
    if session.scalar(select(func.count()).where(Evaluation.session_id == ts.id)) >= (attendees or 0):
        raise TrainingInputError("sign_up", _("Every attendee has evaluated the session."))
    evaluation = Evaluation(session_id=ts.id, sign_up_id=None, comments=comments, entered_by_id=actor.id,
                            entered_at=now or utcnow(), **{name: int(scores[name]) for name in SCORES})
    session.add(evaluation)
    session.flush()
    return evaluation


@dataclass(frozen=True)
class EvaluationSummary:
    """A session's evaluations against the 10% sample rule, with average scores."""

    attendees: int
    evaluated: int
    averages: dict[str, float | None]
    comments: list[str]

    @property
    def required(self) -> int:
        """Evaluations needed: 10% of attendees, rounded up (at least one when anyone attended)."""
        return math.ceil(self.attendees * EVALUATION_SHARE)

    @property
    def meets_sample(self) -> bool:
        return self.attendees > 0 and self.evaluated >= self.required

    @property
    def share(self) -> float | None:
        return self.evaluated / self.attendees if self.attendees else None


def evaluation_summary(session: Session, *, actor: CurrentUser, session_id: int) -> EvaluationSummary:
    """How many attendees evaluated, whether that is at least 10%, and the average scores."""
    require(actor, VIEW)
    attendees = session.scalar(select(func.count()).where(SignUp.session_id == session_id,
                                                          SignUp.attended.is_(True))) or 0
    joined = select(Evaluation).where(Evaluation.session_id == session_id).subquery()  # anonymous ones too
    row = session.execute(select(func.count(), *(func.avg(joined.c[n]) for n in SCORES))).first()
    comments = list(session.scalars(select(joined.c.comments).where(joined.c.comments != "")
                                    .order_by(joined.c.entered_at)))
    averages = {n: (float(v) if v is not None else None) for n, v in zip(SCORES, row[1:], strict=True)}
    return EvaluationSummary(attendees, row[0], averages, comments)


def evaluation_candidates(session: Session, *, actor: CurrentUser, session_id: int) -> list[dict]:
    """Attendees who have not evaluated yet (the evaluation form's choice; none for anonymous forms)."""
    require(actor, VIEW)
    if session.scalar(select(TrainingSession.anonymous_evaluation).where(TrainingSession.id == session_id)):
        return []
    stmt = (select(SignUp.id, Retailer.license_no, Retailer.shop_name, Retailer.owner_name)
            .join(Retailer, Retailer.id == SignUp.retailer_id)
            .outerjoin(Evaluation, Evaluation.sign_up_id == SignUp.id)
            .where(SignUp.session_id == session_id, SignUp.attended.is_(True), Evaluation.id.is_(None))
            .order_by(Retailer.shop_name, SignUp.id))
    return [dict(r) for r in session.execute(stmt).mappings()]

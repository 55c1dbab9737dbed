"""The plan's event rule (listed in notify.py's RULES): an approved session moved to another time or place goes back
to the supervisor for approval (plan.update_session) -> the supervisor who approved it, unless they moved it
themselves; when that approver may no longer approve (left, or no longer a supervisor), every supervisor."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import User
from db.training_models import TrainingSession
from portal.access.auth import PERMISSIONS
from portal.center_time import local
from portal.i18n import N_
from portal.notifications.audiences import with_role
from portal.notifications.rules import Notice, Rule, RuleContext
from portal.training.rules import APPROVE

MOVED = N_("“{title}” was moved after its approval, to {start} at {place}: approve it again (its sign-ups keep their "
           "seats).")


def _may_approve(session: Session, user_id: int | None) -> bool:
    return user_id is not None and session.scalar(select(User.id).where(
        User.id == user_id, User.active, User.roles.overlap(sorted(PERMISSIONS[APPROVE])))) is not None


def moved_after_approval(session: Session, event: dict, ctx: RuleContext) -> list[Notice]:
    """A session's state approved -> submitted (moved after approval) -> its approver, else the supervisors."""
    moved = [c["record"] for c in event["changes"] if (c["table"], c["field"], c["old"], c["new"]) ==
             ("training_sessions", "state", "approved", "submitted")]
    if not moved or not {"approver", "supervisors"} & ctx.audiences:
        return []
    rows = session.execute(select(TrainingSession.id, TrainingSession.title, TrainingSession.starts_at,
                                  TrainingSession.place, TrainingSession.approved_by_id)
                           .where(TrainingSession.id.in_([int(m) for m in moved]),
                                  TrainingSession.state == "submitted").order_by(TrainingSession.id)).all()
    actor, notices = event.get("actor"), []
    for r in rows:
        people: list[int] = []
        approver_may = _may_approve(session, r.approved_by_id)
        if "approver" in ctx.audiences and approver_may:
            people.append(r.approved_by_id)
        if "supervisors" in ctx.audiences or not approver_may:
            people += with_role(session, "supervisor")
        params = {"title": r.title, "start": local(r.starts_at).strftime("%Y-%m-%d %H:%M"), "place": r.place}
        notices += [Notice(user, "training_session_moved", "training_sessions", str(r.id), event["event"], MOVED,
                           params, f"pages/training_session.py?id={r.id}")
                    for user in dict.fromkeys(people) if user != actor]
    return notices


RULE = Rule("training_session_moved", "training",
            N_("Approved training session moved to another time or place: ask its approver to approve it again"),
            audiences=("approver", "supervisors"), default=("approver",), on_event=moved_after_approval)

"""A seat given from the waiting list is the retailer's once they confirm it: the promotion's text message asks them
to call by the deadline (`SignUp.confirm_by`, see signups.confirmation_deadline), staff record the call, and the
release scan (portal/training/notify.py) gives a seat nobody confirmed in time to the next one waiting, who then has
their own deadline."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Retailer
from db.training_models import SignUp, TrainingSession
from portal.access.auth import CurrentUser, require
from portal.center_time import local
from portal.i18n import _
from portal.training.rules import MANAGE, TrainingInputError, lock_session, lock_session_and_sign_up, utcnow
from portal.training.signups import fill_free_seats


def confirm_seat(session: Session, *, actor: CurrentUser, sign_up_id: int, version: int | None,
                 now: datetime | None = None) -> SignUp:
    """The promoted retailer confirmed the seat (on the phone; staff record it): it is no longer released at the
    deadline. Accepted after the deadline too, as long as the seat is still theirs."""
    require(actor, MANAGE)
    now = now or utcnow()
    _ts, su = lock_session_and_sign_up(session, sign_up_id, version)
    if su.state != "signed_up" or su.confirm_by is None:
        raise TrainingInputError("state", _("Only a seat given from the waiting list waits for a confirmation."))
    if su.confirmed_at is not None:
        raise TrainingInputError("state", _("This seat is already confirmed."))
    su.confirmed_at, su.confirmed_by_id = now, actor.id
    session.flush()
    return su


@dataclass(frozen=True)
class Release:
    """A seat released at its deadline: who lost it, and who moved up in their place (sign-up ids)."""

    session_id: int
    released: int
    retailer_id: int
    shop_name: str
    promoted: tuple[int, ...]


def release_unconfirmed(session: Session, now: datetime) -> list[Release]:
    """Every seat given from a waiting list and not confirmed by its deadline, at a session that has not started:
    the sign-up is cancelled with the reason and the next one waiting moves up (with a deadline of their own). Run by
    the release scan as the system; reads the partial index of unconfirmed seats."""
    due = session.execute(
        select(SignUp.id, SignUp.session_id).join(TrainingSession, TrainingSession.id == SignUp.session_id)
        .where(SignUp.confirm_by.is_not(None), SignUp.confirmed_at.is_(None), SignUp.state == "signed_up",
               SignUp.confirm_by <= now, TrainingSession.state == "approved", TrainingSession.starts_at > now)
        .order_by(SignUp.session_id, SignUp.confirm_by, SignUp.id)).all()
    releases = []
    for sign_up_id, session_id in due:
        ts = lock_session(session, session_id)
        su = session.get(SignUp, sign_up_id, with_for_update=True, populate_existing=True)
        if su.state != "signed_up" or su.confirmed_at is not None or su.confirm_by is None or su.confirm_by > now:
            continue  # confirmed or cancelled while the scan was on its way
        su.state, su.cancelled_at, su.needs_renotify = "cancelled", now, False
        su.cancel_reason = _("Not confirmed by {deadline}: the seat went to the next one waiting.").format(
            deadline=local(su.confirm_by).strftime("%Y-%m-%d %H:%M"))
        session.flush()
        promoted = fill_free_seats(session, ts, now)
        shop = session.scalar(select(Retailer.shop_name).where(Retailer.id == su.retailer_id)) or ""
        releases.append(Release(ts.id, su.id, su.retailer_id, shop, tuple(p.id for p in promoted)))
    return releases

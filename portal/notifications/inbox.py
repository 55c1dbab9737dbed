"""A user's notifications: the bell's unread count, the page's list (unread first, newest first, paged in SQL), mark
one or all read. Each function works on the actor's own notices only; the message is put in the reader's language
when shown (`message`)."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.notification_models import Notification
from portal.access.auth import CurrentUser, PermissionDenied
from portal.i18n import _


def _owner(actor: CurrentUser | None) -> int:
    if actor is None or actor.id is None:
        raise PermissionDenied("notifications.read")  # only a signed-in person has notifications
    return actor.id


def unread_count(session: Session, *, actor: CurrentUser) -> int:
    """How many of the actor's notifications are unread (the partial index ix_notifications_unread)."""
    return session.scalar(select(func.count()).select_from(Notification)
                          .where(Notification.user_id == _owner(actor), Notification.read_at.is_(None)))


def count_notifications(session: Session, *, actor: CurrentUser) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == _owner(actor)))


def list_notifications(session: Session, *, actor: CurrentUser, limit: int = 20, offset: int = 0) -> list[Notification]:
    """One page of the actor's notifications: unread first, then newest first (ix_notifications_user_list)."""
    return list(session.scalars(
        select(Notification).where(Notification.user_id == _owner(actor))
        .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc())
        .limit(limit).offset(offset)))


def mark_read(session: Session, *, actor: CurrentUser, notification_id: int) -> bool:
    """Mark one of the actor's notifications read; another user's is refused. Returns whether it was unread."""
    owner = session.scalar(select(Notification.user_id).where(Notification.id == notification_id))
    if owner is None:
        return False
    if owner != _owner(actor):
        raise PermissionDenied("notifications.read")
    done = session.execute(update(Notification).where(Notification.id == notification_id,
                                                      Notification.read_at.is_(None)).values(read_at=func.now()))
    return done.rowcount == 1


def mark_all_read(session: Session, *, actor: CurrentUser) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    done = session.execute(update(Notification).where(Notification.user_id == _owner(actor),
                                                      Notification.read_at.is_(None)).values(read_at=func.now()))
    return done.rowcount


def message(notification: Notification, escape: Callable[[str], str] = str) -> str:
    """The notification's text in the current language, its values passed through `escape` (a page: `plain`)."""
    return _(notification.msgid).format(**{k: escape(str(v)) for k, v in (notification.params or {}).items()})


def link_target(notification: Notification) -> tuple[str, dict[str, str]] | None:
    """The record's page and its query ("pages/complaint.py", {"id": "12"}), or None."""
    if not notification.link:
        return None
    page, _sep, query = notification.link.partition("?")
    return page, dict(parse_qsl(query))

"""A user's notifications: unread first and paged, the unread count, mark read and mark all read, each for the
owner only."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from db.engine import unit_of_work
from portal.access.auth import SYSTEM, PermissionDenied
from portal.notifications.inbox import (
    count_notifications,
    list_notifications,
    mark_all_read,
    mark_read,
    message,
    unread_count,
)
from portal.notifications.rules import Notice, record


def notify(engine, user, n: int, *, record_id: str = "1") -> None:
    """`n` notices to `user`, one per occasion, the later ones newer."""
    notices = [Notice(user.id, "complaint_assigned", "complaints", record_id, f"occasion-{i}",
                      "Complaint {ref} was assigned to you", {"ref": f"TS-2026-{i:06d}"},
                      f"pages/complaint.py?id={record_id}") for i in range(n)]
    with unit_of_work(engine=engine) as s:
        for i, notice in enumerate(notices):  # created one second apart
            record(s, [notice])
            s.execute(text("update notifications set created_at = now() + make_interval(secs => :i) "
                           "where occasion = :o and user_id = :u"), {"i": i, "o": notice.occasion, "u": user.id})


def test_unread_first_newest_first_paged_and_counted(db, make_user):
    handler, other = make_user("handler"), make_user("handler")
    notify(db, handler, 5)
    notify(db, other, 2)
    with unit_of_work(handler.id, engine=db) as s:
        newest = list_notifications(s, actor=handler, limit=5)
        assert [message(n) for n in newest][:2] == ["Complaint TS-2026-000004 was assigned to you",
                                                     "Complaint TS-2026-000003 was assigned to you"]
        assert mark_read(s, actor=handler, notification_id=newest[0].id) is True
        assert mark_read(s, actor=handler, notification_id=newest[0].id) is False  # already read
    with unit_of_work(handler.id, engine=db) as s:
        assert (unread_count(s, actor=handler), count_notifications(s, actor=handler)) == (4, 5)
        first, second = (list_notifications(s, actor=handler, limit=3, offset=o) for o in (0, 3))
    assert [n.params["ref"] for n in first + second] == [f"TS-2026-{i:06d}" for i in (3, 2, 1, 0, 4)]
    assert [n.read_at is None for n in first + second] == [True, True, True, True, False]
    with unit_of_work(handler.id, engine=db) as s:
        assert mark_all_read(s, actor=handler) == 4
        assert unread_count(s, actor=handler) == 0
        assert unread_count(s, actor=other) == 2  # another user's stay unread


def test_nobody_reads_or_marks_anothers_notifications(db, make_user):
    handler, other = make_user("handler"), make_user("supervisor")
    notify(db, handler, 1)
    with unit_of_work(other.id, engine=db) as s:
        assert list_notifications(s, actor=other) == []
        [theirs] = list_notifications(s, actor=handler)
        with pytest.raises(PermissionDenied):
            mark_read(s, actor=other, notification_id=theirs.id)
        for fn in (unread_count, list_notifications, mark_all_read):
            with pytest.raises(PermissionDenied):
                fn(s, actor=SYSTEM)
    with unit_of_work(handler.id, engine=db) as s:
        assert unread_count(s, actor=handler) == 1

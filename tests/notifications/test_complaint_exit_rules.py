"""The side-exit rules (portal/complaints/notify.py): an agent's closure as invalid or duplicate tells every supervisor
(not a supervisor's own closure), a closure sent back tells the first-contact owner; through the real outbox."""
from __future__ import annotations

from datetime import timedelta

from portal import complaints as cx
from tests.complaints.support import FRIDAY_3PM, center_fixture  # noqa: F401  (the `center` fixture)
from tests.notifications.test_complaint_rules import notes, text_of, told


def test_an_agents_closure_tells_every_supervisor_and_sent_back_tells_its_owner(center, queue):
    cid = center.register().complaint_id
    center.run(center.agent, cx.mark_invalid, complaint_id=cid, reason="非本中心业务",
               now=FRIDAY_3PM + timedelta(hours=1))
    theirs = center.register(actor=center.supervisor).complaint_id
    center.run(center.supervisor, cx.mark_invalid, complaint_id=theirs, reason="重复来电",
               now=FRIDAY_3PM + timedelta(hours=1))
    queue.work()
    assert told(center, "complaint_exit_review") == sorted([center.supervisor.id, center.supervisor2.id])
    note = notes(center, "complaint_exit_review")[0]
    ref = center.get(cid).reference
    assert note.record_id == str(cid)
    assert text_of(note, "zh_CN") == f"投诉 {ref} 已由客服作为无效投诉办结：请确认或退回"
    center.run(center.supervisor, cx.send_back_side_exit, complaint_id=cid, reason="需处理",
               now=FRIDAY_3PM + timedelta(hours=2))
    queue.work()
    assert told(center, "complaint_exit_sent_back") == [center.agent.id]
    assert told(center, "complaint_exit_review") == sorted([center.supervisor.id, center.supervisor2.id])


def test_a_duplicate_at_intake_waits_too_unless_confirmed_before_the_job_ran(center, queue):
    original = center.register().complaint_id
    confirmed = center.register(duplicate_of_id=original).complaint_id
    center.run(center.supervisor, cx.confirm_side_exit, complaint_id=confirmed, now=FRIDAY_3PM + timedelta(hours=1))
    waiting = center.register(duplicate_of_id=original).complaint_id
    queue.work()
    assert {n.record_id for n in notes(center, "complaint_exit_review")} == {str(waiting)}
    assert "closed as a duplicate by an agent" in text_of(notes(center, "complaint_exit_review")[0], "en")

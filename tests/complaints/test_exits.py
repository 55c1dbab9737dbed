"""Reviewed side exits: an agent's closure as invalid or duplicate waits for a supervisor, who confirms it or sends it
back with a reason (both on the timeline); a supervisor's own closure needs none; the monthly report counts them on
their own lines, and a complaint sent back counts in the other figures again."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal import complaints as cx
from portal.access.auth import PermissionDenied
from portal.complaints import monthly
from portal.complaints.display import event_summary
from portal.i18n import set_language
from tests.complaints.support import FRIDAY_3PM, center_fixture, cst  # noqa: F401  (the `center` fixture)

LATER = FRIDAY_3PM + timedelta(hours=1)


def _invalid_by_agent(center, **kw) -> int:
    cid = center.register(**kw).complaint_id
    center.run(center.agent, cx.mark_invalid, complaint_id=cid, reason="非本中心业务", now=kw.get("now", LATER))
    return cid


def test_an_agents_invalid_closure_waits_for_a_supervisor_and_a_supervisors_does_not(center):
    mine = _invalid_by_agent(center)
    c = center.get(mine)
    assert (c.state, c.awaiting_review, c.closed_at is not None) == ("invalid", True, True)
    assert cx.allowed_moves(center.supervisor, c)[:2] == ["confirm_exit", "send_back_exit"]
    assert not {"confirm_exit", "send_back_exit"} & set(cx.allowed_moves(center.agent, c))
    theirs = center.register(actor=center.supervisor).complaint_id
    center.run(center.supervisor, cx.mark_invalid, complaint_id=theirs, reason="重复来电", now=LATER)
    assert (center.get(theirs).state, center.get(theirs).awaiting_review) == ("invalid", False)
    assert [c.id for c in center.run(center.supervisor, cx.waiting_side_exits)] == [mine]
    with pytest.raises(PermissionDenied):
        center.run(center.agent, cx.waiting_side_exits)


def test_a_supervisor_confirms_it_on_the_timeline_and_only_a_supervisor_may(center):
    cid = _invalid_by_agent(center)
    for who in (center.agent, center.handler, center.viewer):
        with pytest.raises(PermissionDenied):
            center.run(who, cx.confirm_side_exit, complaint_id=cid)
    c = center.run(center.supervisor, cx.confirm_side_exit, complaint_id=cid, note="核实无误", now=LATER)
    assert (c.state, c.awaiting_review, c.invalid_reason) == ("invalid", False, "非本中心业务")
    with pytest.raises(cx.MoveNotAllowed):  # confirmed once: nothing waits any more
        center.run(center.supervisor2, cx.confirm_side_exit, complaint_id=cid)
    entries = center.run(center.supervisor, cx.timeline, complaint_id=cid)
    assert [e.kind for e in entries] == ["state_change", "state_change", "review"]
    assert entries[-1].note == "核实无误"
    set_language("en")
    assert event_summary(entries[1], {}, {}) == "awaits a supervisor's confirmation"
    assert event_summary(entries[-1], {}, {}) == "Closure confirmed: Invalid complaint"


def test_sent_back_it_is_open_again_where_it_was_and_its_limits_count_from_its_start(center):
    cid = center.register().complaint_id
    center.run(center.supervisor, cx.assign_complaint, complaint_id=cid, now=LATER)  # the department, nobody yet
    assigned = center.get(cid)
    colleague = center.colleague  # an agent of the owner's department may dismiss it while registered only ...
    with pytest.raises(PermissionDenied):
        center.run(colleague, cx.mark_invalid, complaint_id=cid, reason="x", now=LATER)
    center.run(center.supervisor, cx.mark_invalid, complaint_id=cid, reason="先关了", now=LATER)  # ... so: a second one
    cid = _invalid_by_agent(center)
    with pytest.raises(cx.ComplaintInputError) as blank:
        center.run(center.supervisor, cx.send_back_side_exit, complaint_id=cid, reason="  ")
    assert blank.value.field == "reason"
    c = center.run(center.supervisor, cx.send_back_side_exit, complaint_id=cid, reason="客户确有送货问题，需处理",
                   now=LATER + timedelta(days=3))
    assert (c.state, c.awaiting_review, c.invalid_reason, c.closed_at) == ("registered", False, None, None)
    assert c.first_reply_due_at == assigned.first_reply_due_at  # from its receipt: the days closed count
    assert c.next_due_at == c.first_reply_due_at < LATER + timedelta(days=3)  # overdue now, as it is
    assert center.moves(cid)[-1] == ("invalid", "registered")
    last = center.events(cid)[-1]
    assert (last.kind, last.note, last.data["decision"]) == ("review", "客户确有送货问题，需处理", "sent_back")
    assert cid in [w.id for w in center.run(center.agent, cx.my_work).complaints]  # back on the owner's list


def test_a_duplicate_sent_back_is_unlinked_from_its_original_on_both_timelines(center):
    original = center.register().complaint_id
    duplicate = center.register(duplicate_of_id=original).complaint_id  # the agent's choice at intake
    c = center.get(duplicate)
    assert (c.state, c.awaiting_review, c.duplicate_of_id) == ("duplicate", True, original)
    center.run(center.supervisor, cx.send_back_side_exit, complaint_id=duplicate, reason="不是同一件事", now=LATER)
    c = center.get(duplicate)
    assert (c.state, c.duplicate_of_id) == ("registered", None)
    assert center.run(center.supervisor, cx.duplicates_of, complaint_id=original) == []
    on_original = center.events(original)[-1]
    assert (on_original.kind, on_original.data["decision"]) == ("review", "unlinked")
    set_language("zh_CN")
    try:
        entries = center.run(center.supervisor, cx.timeline, complaint_id=original)
        summary = event_summary(entries[-1], {}, {})
        assert c.reference in summary and "退回" in summary
    finally:
        set_language("en")


def test_the_monthly_report_counts_side_exits_on_their_own_lines(center):
    october = cst(10, 13, 9)
    answered = center.register(now=october, received_at=october).complaint_id
    center.advance(answered, "replied", start=october)
    waiting = _invalid_by_agent(center, now=october, received_at=october)
    confirmed = _invalid_by_agent(center, now=october, received_at=october)
    center.run(center.supervisor, cx.confirm_side_exit, complaint_id=confirmed, now=october + timedelta(hours=2))
    sent_back = _invalid_by_agent(center, now=october, received_at=october)
    center.register(now=october, received_at=october, duplicate_of_id=answered)  # a duplicate, waiting
    center.run(center.supervisor, cx.send_back_side_exit, complaint_id=sent_back, reason="需处理",
               now=october + timedelta(days=3))
    set_language("en")
    report = center.run(center.supervisor, monthly.monthly_report, month=date(2026, 10, 1))
    figures = {f.label: f.value for f in report.figures}
    assert figures["Closed as invalid (confirmed)"] == 1
    assert figures["Closed as invalid, awaiting a supervisor's confirmation"] == 1
    assert figures["Closed as duplicates (confirmed)"] == 0
    assert figures["Closed as duplicates, awaiting a supervisor's confirmation"] == 1
    assert figures["Complaints"] == 2  # the answered one and the one sent back to work
    assert figures["24-hour reply rate"] == 0.5  # the one sent back three days later is late: it counts as such
    assert waiting != confirmed
    agents = center.run(center.agent, monthly.monthly_report, month=date(2026, 10, 1))  # counted, not the stored days
    assert {f.label: f.value for f in agents.figures}["Complaints"] == 2

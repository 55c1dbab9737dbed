"""A supervisor's corrections after intake: re-triage (the limits counted again from the complaint's start) and
ownership transfer, each with a reason on the timeline; nobody else may make them."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal import complaints as cx
from portal.access.auth import PermissionDenied
from portal.complaints.display import center_time, event_summary
from portal.i18n import set_language
from tests.complaints.support import FRIDAY_3PM, center_fixture, cst  # noqa: F401  (the `center` fixture)

MONDAY = cst(11, 23, 10)


def test_a_new_grade_counts_the_limits_again_from_registration(center):
    cid = center.register().complaint_id  # grade 3, Friday 15:00: resolve within 2 working days
    assert center.get(cid).resolution_due_at == cst(11, 24, 15)
    c = center.run(center.supervisor, cx.retriage_complaint, complaint_id=cid, grade=1,
                   category_id=center.categories["other"], reason="媒体已关注，升为重大", now=MONDAY)
    assert (c.grade, c.category_id) == (1, center.categories["other"])
    assert c.resolution_due_at == cst(11, 26, 15)  # 4 working days from Friday 15:00, not from Monday
    assert c.first_reply_due_at == cst(11, 23, 15) and c.next_due_at == c.first_reply_due_at
    [entry] = [e for e in center.run(center.supervisor, cx.timeline, complaint_id=cid) if e.kind == "retriage"]
    assert entry.note == "媒体已关注，升为重大" and entry.data["grade"] == [3, 1]
    try:
        set_language("en")
        summary = event_summary(entry, {}, {}, {center.categories["delivery"]: "Delivery",
                                               center.categories["other"]: "Other"})
        assert summary.startswith("Grade: 3 → 1 · Category: Delivery → Other · reply now due")
        assert summary.endswith("resolution now due " + center_time(cst(11, 26, 15)))
    finally:
        set_language("en")


def test_a_category_change_alone_keeps_the_limits(center):
    cid = center.register().complaint_id
    center.advance(cid, "in_progress")
    before = center.get(cid)
    center.run(center.supervisor, cx.retriage_complaint, complaint_id=cid, category_id=center.categories["other"],
               reason="归类错误", now=MONDAY)
    after = center.get(cid)
    assert (after.first_reply_due_at, after.resolution_due_at) == (before.first_reply_due_at,
                                                                   before.resolution_due_at)
    with pytest.raises(cx.ComplaintInputError) as same:
        center.run(center.supervisor, cx.retriage_complaint, complaint_id=cid, reason="x", now=MONDAY)
    assert same.value.field == "grade"


def test_the_working_time_a_complaint_was_paused_still_counts_after_re_triage(center):
    cid = center.register().complaint_id  # Friday 15:00
    center.run(center.agent, cx.pause_sla, complaint_id=cid, reason="等客户提供照片", now=cst(11, 23, 9))
    center.run(center.agent, cx.resume_sla, complaint_id=cid, now=cst(11, 23, 13))  # 4 working hours paused
    c = center.run(center.supervisor, cx.retriage_complaint, complaint_id=cid, grade=1, reason="升级",
                   now=cst(11, 23, 14))
    assert c.resolution_due_at == cst(11, 26, 19)  # 4 working days from Friday 15:00, plus the 4 hours paused


@pytest.mark.parametrize(("kw", "field"), [({"reason": " "}, "reason"), ({"grade": 7}, "grade"),
                                           ({"grade": 0}, "grade"), ({"category_id": 999_999}, "category_id"),
                                           ({"reason": "x" * 2001}, "reason")])
def test_re_triage_refuses_bad_input_naming_the_field(center, kw, field):
    cid = center.register().complaint_id
    with pytest.raises(cx.ComplaintInputError) as refused:
        center.run(center.supervisor, cx.retriage_complaint, complaint_id=cid, **({"reason": "改", "grade": 2} | kw),
                   now=MONDAY)
    assert refused.value.field == field and center.get(cid).grade == 3


def test_only_a_supervisor_corrects_and_only_an_open_complaint(center):
    cid = center.register().complaint_id
    for who in (center.agent, center.handler, center.viewer):
        with pytest.raises(PermissionDenied):
            center.run(who, cx.retriage_complaint, complaint_id=cid, grade=2, reason="改", now=MONDAY)
        with pytest.raises(PermissionDenied):
            center.run(who, cx.transfer_ownership, complaint_id=cid, owner_id=center.colleague.id, reason="离职",
                       now=MONDAY)
    center.advance(cid, "closed")
    with pytest.raises(cx.MoveNotAllowed):
        center.run(center.supervisor, cx.retriage_complaint, complaint_id=cid, grade=2, reason="改",
                   now=FRIDAY_3PM + timedelta(days=10))


def test_ownership_moves_to_another_receiver_with_the_reason_on_the_timeline(center):
    cid = center.register().complaint_id
    with pytest.raises(cx.ComplaintInputError) as refused:  # a handler does not own complaints
        center.run(center.supervisor, cx.transfer_ownership, complaint_id=cid, owner_id=center.handler.id,
                   reason="离职", now=MONDAY)
    assert refused.value.field == "owner_id"
    with pytest.raises(cx.ComplaintInputError):
        center.run(center.supervisor, cx.transfer_ownership, complaint_id=cid, owner_id=center.agent.id,
                   reason="离职", now=MONDAY)
    c = center.run(center.supervisor, cx.transfer_ownership, complaint_id=cid, owner_id=center.colleague.id,
                   reason="王丽休产假", now=MONDAY)
    assert c.first_contact_owner_id == center.colleague.id
    assert "transfer_ownership" not in cx.allowed_moves(center.agent, c)
    [entry] = [e for e in center.run(center.supervisor, cx.timeline, complaint_id=cid) if e.kind == "transfer"]
    assert entry.note == "王丽休产假"
    assert event_summary(entry, {center.agent.id: "王丽", center.colleague.id: "赵敏"}, {}) == \
        "First-contact owner: 王丽 → 赵敏"

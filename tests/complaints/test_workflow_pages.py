"""Complaint workflow fixes (issue 13 §8): a duplicate's caller is told the original's number, owner and time
limits; a reopened complaint no longer shows the answer that no longer stands; a major complaint's page names the
emergency incident opened for it, and its timeline records the opening."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from db.complaint_models import Complaint
from db.engine import unit_of_work
from portal import complaints as cx
from portal import incidents as ix
from portal.complaints.display import center_time
from portal.complaints.rules import utcnow
from tests.complaints.test_pages import INTAKE, PAGE, _fill_intake, _open, _recent, desk  # noqa: F401


def test_on_a_duplicate_the_caller_is_told_the_originals_number_owner_and_time_limits(signed_in, desk):  # noqa: F811
    original_id = _recent(desk, actor=desk.supervisor, hours_ago=24 * 7)  # 张华 (KF1000) owns the original
    at = _open(signed_in, "wangli", INTAKE)
    _fill_intake(at, desk)
    at.radio[0].set_value(original_id).run()
    at.button(key="intake.save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with unit_of_work() as s:
        original = s.get(Complaint, original_id)
        copy = s.scalars(select(Complaint).where(Complaint.id != original_id)).one()
    told = " ".join(m.value for m in at.markdown if "caller" not in m.value)
    assert original.reference in told and copy.reference not in told
    assert "张华" in told and "KF1000" in told and "王丽" not in told
    assert center_time(original.first_reply_due_at) in told and center_time(original.resolution_due_at) in told
    assert center_time(copy.first_reply_due_at) != center_time(original.first_reply_due_at)
    assert center_time(copy.first_reply_due_at) not in told


def test_a_reopened_complaint_no_longer_shows_the_old_answer(signed_in, desk):  # noqa: F811
    cid = _recent(desk)
    start = utcnow() - timedelta(hours=20)
    desk.advance(cid, "replied", start=start)
    desk.run(desk.agent, cx.record_follow_up, complaint_id=cid, level=2, method="phone", satisfaction="dissatisfied",
             result="补送的货少了两条", now=utcnow() - timedelta(hours=1))
    at = _open(signed_in, "zhanghua", PAGE, id=cid)
    shown = " ".join(m.value for m in at.markdown)
    assert "Answer given" not in shown
    assert any("Reopened after a dissatisfied follow-up" in c.value for c in at.caption)
    assert any("已安排今天下午补送" in m.value for m in at.info)  # the earlier reply stays in the timeline


def test_a_major_complaint_names_its_incident_and_its_timeline_records_the_opening(signed_in, desk, make_user):  # noqa: F811
    coordinator = make_user("emergency_coordinator", login="huangwei", language="en")
    cid = _recent(desk, grade=1)
    with unit_of_work(coordinator.id) as s:
        incident = ix.open_incident_from_complaint(s, actor=coordinator, complaint_id=cid)
        reference = incident.reference
    at = _open(signed_in, "zhanghua", PAGE, id=cid)
    errors = [e.value for e in at.error]
    assert any(reference in e for e in errors), errors
    assert not any("may need an emergency incident" in e for e in errors)
    assert [p.label for p in at.get("page_link") if reference in p.label] == [f"Open incident {reference}"]
    timeline = " ".join(m.value for m in at.markdown)
    assert f"Emergency incident {reference} opened for it" in timeline

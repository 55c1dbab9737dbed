"""Reading complaints: My work, the SLA list filters, who may see what, attachments."""
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select

from db.complaint_models import MAX_ATTACHMENT_BYTES, Complaint
from db.engine import unit_of_work
from portal import complaints as cx
from portal.access.auth import PermissionDenied
from portal.center.sla import sla_status
from portal.center.workdays import load_calendar
from tests.complaints.support import FRIDAY_3PM, center_fixture, cst  # noqa: F401  (the `center` fixture)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
PDF = b"%PDF-1.7\n" + bytes(200)


def work_ids(center, actor, **kw) -> list[int]:
    page = center.run(actor, cx.my_work, **kw)
    return [c.id for c in page.complaints]


def test_my_work_holds_what_i_own_until_closed_and_what_my_department_must_do(center):
    own = center.register(now=cst(11, 20, 9), received_at=cst(11, 20, 9)).complaint_id
    assigned = center.register(now=cst(11, 19, 9), received_at=cst(11, 19, 9)).complaint_id
    center.advance(assigned, "assigned")
    replied = center.register(now=cst(11, 18, 9), received_at=cst(11, 18, 9)).complaint_id
    center.advance(replied, "replied")
    closed = center.register(center.colleague).complaint_id
    center.advance(closed, "closed")
    ours = center.register(center.colleague, category_id=center.categories["service_attitude"]).complaint_id
    center.run(center.supervisor, cx.assign_complaint, complaint_id=ours, now=FRIDAY_3PM + timedelta(hours=1))

    # nearest due first; the replied complaint has no running clock, so it comes last
    assert work_ids(center, center.agent) == [assigned, own, ours, replied]
    assert work_ids(center, center.colleague) == [ours]
    assert work_ids(center, center.handler) == [assigned]  # assigned to them
    assert work_ids(center, center.handler2) == [assigned]  # their department's
    assert work_ids(center, center.marketing_handler) == []
    center.advance(replied, "closed")
    assert replied not in work_ids(center, center.agent)


def test_my_work_pages_in_sql(center):
    ids = [center.register(now=cst(11, 20, h), received_at=cst(11, 20, h)).complaint_id for h in range(8, 13)]
    first = center.run(center.agent, cx.my_work, limit=2)
    rest = center.run(center.agent, cx.my_work, limit=2, offset=4)
    assert first.total == rest.total == 5
    assert [c.id for c in first.complaints] == ids[:2] and [c.id for c in rest.complaints] == ids[4:]


def test_viewers_have_no_work_list(center):
    with pytest.raises(PermissionDenied):
        center.run(center.viewer, cx.my_work)


@pytest.mark.parametrize("now", [cst(11, 20, 16), cst(11, 23, 11), cst(11, 23, 14), cst(11, 23, 16),
                                 cst(11, 24, 13), cst(11, 26, 9)])
def test_sla_list_filters_agree_with_each_complaints_sla_status(center, now):
    for hour in (9, 12, 15):  # reply due Monday at 9, 12, 15; resolution Tuesday
        center.register(now=cst(11, 20, hour), received_at=cst(11, 20, hour))
    answered = center.register(now=cst(11, 20, 10), received_at=cst(11, 20, 10)).complaint_id
    center.run(center.agent, cx.record_interim_reply, complaint_id=answered, text="已受理", method="phone",
               now=cst(11, 20, 11))
    paused = center.register(now=cst(11, 20, 11), received_at=cst(11, 20, 11)).complaint_id
    center.run(center.agent, cx.pause_sla, complaint_id=paused, reason="等待照片", now=cst(11, 20, 12))
    late_pause = center.register(now=cst(11, 18, 9), received_at=cst(11, 18, 9)).complaint_id
    center.run(center.agent, cx.pause_sla, complaint_id=late_pause, reason="等待回电", now=cst(11, 20, 12))
    center.advance(center.register().complaint_id, "replied")
    with unit_of_work(engine=center.engine) as s:
        calendar = load_calendar(s)
        everything = list(s.scalars(select(Complaint)))
        for kind, flag in (("overdue", "overdue"), ("due_soon", "due_soon"), ("due_today", "due_today")):
            matched = set(s.scalars(select(Complaint.id).where(cx.sla_condition(kind, now=now, calendar=calendar))))
            expected = {c.id for c in everything if getattr(sla_status(c, now, calendar), flag)}
            assert matched == expected, kind


def test_unknown_sla_filter_is_a_programming_error(center):
    with pytest.raises(ValueError):
        cx.sla_condition("someday", now=FRIDAY_3PM, calendar=None)


def test_only_those_who_may_work_it_or_viewers_see_a_complaint(center):
    cid = center.register().complaint_id
    with pytest.raises(PermissionDenied):
        center.run(center.outsider, cx.get_complaint, complaint_id=cid)
    with pytest.raises(PermissionDenied):
        center.run(center.marketing_handler, cx.timeline, complaint_id=cid)
    c = center.run(center.viewer, cx.get_complaint, complaint_id=cid)
    assert cx.display_phone(center.viewer, c.complainant_phone) == "138****5678"
    assert cx.display_phone(center.agent, c.complainant_phone) == "13812345678"
    with pytest.raises(cx.ComplaintInputError):
        center.run(center.agent, cx.get_complaint, complaint_id=999_999)


def test_attachments_are_kept_in_the_database_and_on_the_timeline(center):
    cid = center.register().complaint_id
    photo = center.run(center.agent, cx.add_attachment, complaint_id=cid, filename=r"C:\photos\破损.PNG", data=PNG)
    center.run(center.agent, cx.add_attachment, complaint_id=cid, filename="送货单.pdf", data=PDF)
    assert (photo.filename, photo.content_type, photo.size_bytes) == ("破损.PNG", "image/png", len(PNG))
    with unit_of_work(engine=center.engine) as s:
        listed = cx.list_attachments(s, actor=center.supervisor, complaint_id=cid)
        assert [a.filename for a in listed] == ["破损.PNG", "送货单.pdf"]
        assert "content" in inspect(listed[0]).unloaded  # lists never load the bytes
        assert cx.attachment_content(s, actor=center.agent, attachment_id=photo.id).content == PNG
    assert [e.note for e in center.events(cid) if e.kind == "attachment"] == ["破损.PNG", "送货单.pdf"]
    with pytest.raises(PermissionDenied):
        center.run(center.outsider, cx.attachment_content, attachment_id=photo.id)


@pytest.mark.parametrize(("filename", "data"), [
    ("virus.exe", b"MZ" + bytes(100)),
    ("fake.png", PDF),  # the name says photo, the bytes say otherwise
    ("empty.pdf", b""),
    ("huge.pdf", b"%PDF-" + bytes(MAX_ATTACHMENT_BYTES)),
    ("", PNG),
])
def test_attachments_of_the_wrong_kind_or_size_are_refused(center, filename, data):
    cid = center.register().complaint_id
    with pytest.raises(cx.ComplaintInputError) as refused:
        center.run(center.agent, cx.add_attachment, complaint_id=cid, filename=filename, data=data)
    assert refused.value.field == "attachment" and str(refused.value)
    assert center.run(center.agent, cx.list_attachments, complaint_id=cid) == []

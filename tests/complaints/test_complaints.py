"""Complaint intake: first-contact owner, reference numbers, SLA due times, validation, idempotent submits,
possible duplicates."""
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from db.complaint_models import Complaint
from db.engine import unit_of_work
from db.models import AuditLog, ComplaintCategory, SlaLimit
from portal import complaints as cx
from portal.access.auth import PermissionDenied
from portal.center.workdays import set_calendar_day
from portal.errors import InputError
from tests.complaints.support import FRIDAY_3PM, center_fixture, cst  # noqa: F401  (the `center` fixture)


def count_complaints(engine) -> int:
    with unit_of_work(engine=engine) as s:
        return s.scalar(select(func.count()).select_from(Complaint))


def test_registration_makes_the_receiver_first_contact_owner_and_says_what_to_tell_the_caller(center):
    reg = center.register()
    assert reg.created and reg.reference == f"TS-2026-{reg.complaint_id:06d}"
    assert (reg.owner_name, reg.owner_staff_id) == ("王丽", "KF1001")
    assert reg.reply_due_at == cst(11, 23, 15)  # Friday 15:00 + 24 working hours: Monday 15:00
    assert reg.resolution_due_at == cst(11, 24, 15)  # grade 3: 2 working days
    assert not reg.is_major and reg.duplicate_of_reference is None
    c = center.get(reg.complaint_id)
    assert c.state == "registered" and c.first_contact_owner_id == center.agent.id
    assert c.owner_department_id == center.departments["customer_service"]
    assert c.next_due_at == reg.reply_due_at and c.received_at == FRIDAY_3PM
    assert center.moves(c.id) == [(None, "registered")]


def test_grade_1_is_flagged_major_with_four_working_days(center):
    reg = center.register(grade=1, description="多家零售户聚集反映本月货源分配不公,已有记者到场采访。")
    assert reg.is_major and center.get(reg.complaint_id).is_major
    assert reg.resolution_due_at == cst(11, 26, 15)
    assert center.events(reg.complaint_id)[0].data["major"] is True


def test_reference_numbers_are_unique_and_carry_the_year_of_registration(center):
    first = center.register()
    second = center.register(complainant_phone="13900001111")
    new_year = center.register(now=cst(1, 4, 9, year=2027), received_at=cst(1, 4, 8, year=2027))
    assert first.reference != second.reference
    assert first.reference.startswith("TS-2026-") and new_year.reference.startswith("TS-2027-")


def test_admin_set_limits_and_calendar_days_apply_to_new_complaints(center, admin):
    with unit_of_work(admin.id, engine=center.engine) as s:
        s.get(SlaLimit, 3).resolution_working_days = 3
        set_calendar_day(s, actor=admin, day=date(2026, 11, 23), is_working_day=False, name="停电检修")
    reg = center.register()
    assert reg.reply_due_at == cst(11, 24, 15)  # Monday is now a day off
    assert reg.resolution_due_at == cst(11, 26, 15)  # Tue, Wed, Thu


def test_registration_is_in_the_audit_log(center):
    reg = center.register()
    with unit_of_work(engine=center.engine) as s:
        fields = set(s.scalars(select(AuditLog.field).where(AuditLog.table_name == "complaints",
                                                             AuditLog.record_id == str(reg.complaint_id))))
        actors = set(s.scalars(select(AuditLog.actor_id).where(AuditLog.table_name == "complaints")))
    assert {"reference", "state", "complainant_phone", "first_contact_owner_id"} <= fields
    assert actors == {center.agent.id}


@pytest.mark.parametrize(("changes", "field"), [
    ({"complainant_phone": None}, "complainant_phone"),
    ({"complainant_phone": "  "}, "complainant_phone"),
    ({"complainant_phone": "phone me"}, "complainant_phone"),
    ({"received_at": FRIDAY_3PM + timedelta(hours=2)}, "received_at"),
    ({"received_at": FRIDAY_3PM - timedelta(days=400)}, "received_at"),
    ({"received_at": None}, "received_at"),
    ({"retailer_id": 999_999}, "retailer_id"),
    ({"category_id": 999_999}, "category_id"),
    ({"category_id": None}, "category_id"),
    ({"grade": 5}, "grade"),
    ({"grade": None}, "grade"),
    ({"description": "   "}, "description"),
    ({"complainant_name": ""}, "complainant_name"),
    ({"channel": "pigeon"}, "channel"),
    ({"remedy_sought": "x" * 2001}, "remedy_sought"),
])
def test_bad_intake_is_refused_naming_the_field(center, changes, field):
    with pytest.raises(cx.ComplaintInputError) as refused:
        center.register(**changes)
    assert refused.value.field == field and str(refused.value)
    assert count_complaints(center.engine) == 0


def test_phone_is_optional_except_for_hotline_complaints(center):
    reg = center.register(channel="letter", complainant_phone=None, retailer_id=None, complainant_name="匿名")
    assert center.get(reg.complaint_id).complainant_phone is None


def test_inactive_category_is_refused(center):
    with unit_of_work(engine=center.engine) as s:
        s.get(ComplaintCategory, center.categories["other"]).active = False
    with pytest.raises(cx.ComplaintInputError) as refused:
        center.register(category_id=center.categories["other"])
    assert refused.value.field == "category_id"


def test_phone_numbers_are_stored_as_digits(center):
    reg = center.register(complainant_phone="138-1234 5678")
    assert center.get(reg.complaint_id).complainant_phone == "13812345678"


@pytest.mark.parametrize("who", ["handler", "viewer"])
def test_only_agents_and_supervisors_register(center, who):
    with pytest.raises(PermissionDenied):
        center.register(getattr(center, who))


def test_supervisor_may_register_too(center):
    assert center.register(center.supervisor).owner_name == "张华"


def test_submitting_the_same_form_twice_returns_the_first_complaint(center):
    first = center.register(client_token="form-7f3a")
    again = center.register(client_token="form-7f3a", description="(the second click)")
    assert first.created and not again.created
    assert again.reference == first.reference and again.reply_due_at == first.reply_due_at
    assert count_complaints(center.engine) == 1


def test_a_double_click_racing_itself_creates_one_complaint(center):
    results, errors = [], []
    barrier = threading.Barrier(2)

    def submit():
        try:
            barrier.wait()
            results.append(center.register(client_token="form-double-click"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert len({r.reference for r in results}) == 1 and sorted(r.created for r in results) == [False, True]
    assert count_complaints(center.engine) == 1


def test_someone_elses_form_token_is_refused(center):
    center.register(client_token="form-shared")
    with pytest.raises(cx.ComplaintInputError) as refused:
        center.register(center.colleague, client_token="form-shared")
    assert refused.value.field == "client_token"


def test_possible_duplicates_are_open_recent_same_phone_or_retailer_with_a_similar_category(center):
    cat = center.categories
    # product quality, supply and pricing are all handled by marketing: similar; settlement (finance) is not
    same = center.register(category_id=cat["product_quality"], now=cst(11, 10, 9), received_at=cst(11, 10, 9))
    similar = center.register(category_id=cat["supply"], complainant_phone="13700000000",
                              now=cst(11, 12, 9), received_at=cst(11, 12, 9))
    other_retailer = center.register(category_id=cat["product_quality"], complainant_phone="13600000000",
                                     retailer_id=None, now=cst(11, 13, 9), received_at=cst(11, 13, 9))
    unrelated = center.register(category_id=cat["settlement"], now=cst(11, 14, 9), received_at=cst(11, 14, 9))
    too_old = center.register(category_id=cat["product_quality"], now=cst(10, 15, 9), received_at=cst(10, 15, 9))
    dismissed = center.register(category_id=cat["product_quality"], now=cst(11, 16, 9), received_at=cst(11, 16, 9))
    center.run(center.supervisor, cx.mark_invalid, complaint_id=dismissed.complaint_id, reason="打错电话",
               now=cst(11, 16, 10))

    found = center.run(center.agent, cx.find_possible_duplicates, complainant_phone="138 1234 5678",
                       retailer_id=center.retailer_id, category_id=cat["product_quality"], now=FRIDAY_3PM)
    assert [d.reference for d in found] == [same.reference, similar.reference]
    assert found[0].same_category and found[0].same_phone and found[0].same_retailer
    assert not found[1].same_category and not found[1].same_phone and found[1].same_retailer
    ignored = {other_retailer.reference, unrelated.reference, too_old.reference, dismissed.reference}
    assert ignored.isdisjoint(d.reference for d in found)
    assert center.run(center.agent, cx.find_possible_duplicates, complainant_phone=None, retailer_id=None,
                      category_id=cat["product_quality"], now=FRIDAY_3PM) == []


def test_viewers_cannot_search_for_duplicates(center):
    with pytest.raises(PermissionDenied):
        center.run(center.viewer, cx.find_possible_duplicates, complainant_phone="13812345678")


def test_registering_as_a_duplicate_links_to_the_original_and_closes_the_copy(center):
    original = center.register()
    copy = center.register(duplicate_of_id=original.complaint_id, now=FRIDAY_3PM + timedelta(hours=1))
    assert copy.duplicate_of_reference == original.reference
    c = center.get(copy.complaint_id)
    assert (c.state, c.duplicate_of_id, c.next_due_at) == ("duplicate", original.complaint_id, None)
    assert c.closed_at is not None
    assert center.moves(c.id) == [(None, "registered"), ("registered", "duplicate")]
    linked = [e for e in center.events(original.complaint_id) if e.kind == "link"]
    assert linked and linked[0].data["duplicate_reference"] == copy.reference
    assert [d.id for d in center.run(center.agent, cx.duplicates_of, complaint_id=original.complaint_id)] == [c.id]


def test_a_duplicate_links_to_the_root_original_never_to_itself(center):
    root = center.register()
    first_copy = center.register(duplicate_of_id=root.complaint_id)
    second = center.register()
    c = center.run(center.agent, cx.mark_duplicate, complaint_id=second.complaint_id,
                   original_id=first_copy.complaint_id, now=FRIDAY_3PM + timedelta(hours=1))
    assert c.duplicate_of_id == root.complaint_id
    third = center.register()
    with pytest.raises(cx.ComplaintInputError) as refused:
        center.run(center.agent, cx.mark_duplicate, complaint_id=third.complaint_id,
                   original_id=third.complaint_id, now=FRIDAY_3PM + timedelta(hours=1))
    assert refused.value.field == "original_id"
    with pytest.raises(cx.ComplaintInputError):
        center.run(center.agent, cx.mark_duplicate, complaint_id=third.complaint_id, original_id=999_999,
                   now=FRIDAY_3PM + timedelta(hours=1))


def test_the_timeline_is_append_only_in_the_database(center):
    cid = center.register().complaint_id
    for statement in ("update complaint_events set note = 'rewritten'", "delete from complaint_events"):
        with pytest.raises(DBAPIError, match="append-only|permission denied"), unit_of_work(engine=center.engine) as s:
            s.execute(text(statement))
    assert center.moves(cid) == [(None, "registered")]


def test_possible_duplicates_and_duplicate_links_stay_within_what_the_agent_may_see(center):
    """Issue 13 §7: another department's complaint is neither offered as a duplicate nor linkable."""
    theirs = center.register(center.outsider)  # marketing's agent, same phone and retailer
    mine = center.register()
    found = center.run(center.agent, cx.find_possible_duplicates, complainant_phone="13812345678",
                       retailer_id=center.retailer_id, now=FRIDAY_3PM + timedelta(hours=1))
    assert [d.reference for d in found] == [mine.reference]
    with pytest.raises(cx.ComplaintInputError) as refused:
        center.register(duplicate_of_id=theirs.complaint_id, now=FRIDAY_3PM + timedelta(hours=1))
    assert refused.value.field == "original_id"
    assert [e.kind for e in center.events(theirs.complaint_id)] == ["state_change"]  # nothing written there
    # a visible copy of an unseen original is no way round: the root is where the link would be written
    copy = center.register(center.outsider, duplicate_of_id=theirs.complaint_id)
    with pytest.raises(cx.ComplaintInputError):
        center.register(duplicate_of_id=copy.complaint_id, now=FRIDAY_3PM + timedelta(hours=1))
    supervisor_found = center.run(center.supervisor, cx.find_possible_duplicates, complainant_phone="13812345678",
                                  now=FRIDAY_3PM + timedelta(hours=1))
    assert theirs.reference in {d.reference for d in supervisor_found}


@pytest.mark.parametrize(("channel", "contact", "field", "message"), [
    ("email", {}, "complainant_email", "E-mail: required for an e-mail complaint"),
    ("web", {"complainant_email": "name@example"}, "complainant_email", "E-mail: enter an address like"),
    ("web", {"complainant_email": "a b@example.com"}, "complainant_email", "E-mail: enter an address like"),
    ("web", {"complainant_email": "x@" + "a" * 250 + ".cn"}, "complainant_email", "E-mail: enter an address like"),
    ("letter", {"complainant_address": "路" * 301}, "complainant_address",
     "Postal address: at most 300 characters, please; this text has 301."),
])
def test_a_written_complaint_needs_where_its_answer_goes(center, channel, contact, field, message):
    with pytest.raises(cx.ComplaintInputError) as refused:
        center.register(channel=channel, complainant_phone=None, **contact)
    assert refused.value.field == field and str(refused.value).startswith(message)


def test_a_written_complaint_keeps_its_e_mail_and_address_and_a_viewer_sees_them_masked(center):
    reg = center.register(channel="letter", complainant_phone=None, complainant_email=" li@example.com ",
                          complainant_address="城东区  解放路 12 号\n金叶便利店")
    c = center.get(reg.complaint_id)
    assert (c.complainant_email, c.complainant_address) == ("li@example.com", "城东区 解放路 12 号 金叶便利店")
    assert cx.display_contact(center.supervisor, c.complainant_email) == "li@example.com"
    assert cx.display_contact(center.viewer, c.complainant_address) == "••••"
    anonymous = center.register(channel="letter", complainant_phone=None, complainant_name="匿名")
    assert center.get(anonymous.complaint_id).complainant_address is None  # an anonymous letter has no address
    with pytest.raises(cx.ComplaintInputError):  # a full-width "phone" is not one
        center.register(complainant_phone="１３８１２３４５６７８")


def test_the_limits_count_from_receipt_so_a_late_registration_counts_against_them(center, admin):
    from portal.center.admin import set_sla_clock_start

    letter = center.register(channel="letter", complainant_phone=None, received_at=cst(11, 18, 15))  # Wednesday
    assert (letter.reply_due_at, letter.resolution_due_at) == (cst(11, 19, 15), cst(11, 20, 15))
    assert center.get(letter.complaint_id).created_at == FRIDAY_3PM  # registered on Friday: already overdue
    with unit_of_work(engine=center.engine) as s:
        with pytest.raises(PermissionDenied):
            set_sla_clock_start(s, actor=center.supervisor, start="registered")
        with pytest.raises(InputError) as refused:
            set_sla_clock_start(s, actor=admin, start="whenever")
        assert refused.value.field == "clock_start"
        set_sla_clock_start(s, actor=admin, start="registered")  # a center whose rules count from registration
    later = center.register(channel="letter", complainant_phone=None, received_at=cst(11, 18, 15))
    assert (later.reply_due_at, later.resolution_due_at) == (cst(11, 23, 15), cst(11, 24, 15))

"""Coverage this year by district, business type and customer manager; the untrained list; the retailer's
record card; the monthly summary; needs and their 28th deadline; the catalog."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from db.engine import unit_of_work
from db.models import Retailer
from portal import training as tr
from portal.access.auth import PermissionDenied
from portal.center.sla import local
from portal.records.linked import linked_sections
from portal.training.reports import coverage_changes, settled_coverage_changes
from tests.training.support import NOW, academy_fixture, add_retailers, cst, english_fixture  # noqa: F401

PDF = b"%PDF-1.4\n" + b"x" * 100


def _attend(academy, sid, rids, present):
    sign_ups = {rid: academy.sign_up(sid, rid) for rid in rids}
    day = academy.session(sid).starts_at + timedelta(minutes=5)
    for rid in present:
        academy.run(academy.coordinator, tr.mark_attendance, sign_up_id=sign_ups[rid].id, now=day)
    return sign_ups


def test_coverage_counts_active_retailers_who_attended_this_year_by_district_and_type(academy):
    r = academy.retailers  # 8 active: even 城东区 convenience, odd 城西区 grocery
    add_retailers(academy.engine, 1, start=700, status="suspended")  # not counted at all
    first, second = academy.approved(capacity=10), academy.approved(capacity=10, starts_at=NOW + timedelta(days=8))
    _attend(academy, first, [r[0], r[1], r[2], r[3]], present=[r[0], r[1]])  # r2, r3 absent
    _attend(academy, second, [r[0], r[2]], present=[r[0], r[2]])  # r0 twice: counted once
    year = local(academy.session(first).starts_at).year
    with unit_of_work() as s:
        report = tr.coverage_report(s, actor=academy.viewer, year=year)
        previous = tr.coverage_report(s, actor=academy.viewer, year=year - 1)
    assert (report.total.active, report.total.trained) == (8, 3)
    assert report.total.share == pytest.approx(3 / 8) and not report.total.meets_target
    assert {row.key: (row.active, row.trained) for row in report.by["district"]} == {"城东区": (4, 2),
                                                                                     "城西区": (4, 1)}
    assert {row.key: (row.active, row.trained) for row in report.by["business_type"]} == {
        "convenience": (4, 2), "grocery": (4, 1)}
    assert [(row.key, row.active, row.trained) for row in report.by["manager_id"]] == [(None, 8, 3)]
    assert report.by["district"][0].key == "城西区"  # lowest coverage first
    assert previous.total.trained == 0
    with unit_of_work() as s:
        rows, total = tr.untrained_retailers(s, actor=academy.viewer, year=year)
        east, east_total = tr.untrained_retailers(s, actor=academy.viewer, year=year,
                                                  flt=tr.RetailerFilter(district="城东区"))
    assert total == 5 and {row["id"] for row in rows} == {r[3], r[4], r[5], r[6], r[7]}
    assert east_total == 2 and {row["id"] for row in east} == {r[4], r[6]}


def test_coverage_until_a_moment_counts_the_sessions_started_before_it_and_a_year_without_sessions_is_zero(academy):
    r = academy.retailers
    first, second = academy.approved(capacity=10), academy.approved(capacity=10, starts_at=NOW + timedelta(days=8))
    _attend(academy, first, [r[0], r[1]], present=[r[0], r[1]])
    _attend(academy, second, [r[2], r[3]], present=[r[2]])
    academy.run(academy.coordinator, tr.mark_attendance, sign_up_id=academy.by_retailer(second)[r[3]].id,
                attended=False, now=academy.session(second).starts_at + timedelta(minutes=5))  # absent: false
    year = local(academy.session(first).starts_at).year
    between = academy.session(second).starts_at
    with unit_of_work() as s:
        whole = tr.coverage_report(s, actor=academy.viewer, year=year)
        before_second = tr.coverage_report(s, actor=academy.viewer, year=year, until=between)
        east = tr.coverage_report(s, actor=academy.viewer, year=year, district="城东区", until=between)
        empty = tr.coverage_report(s, actor=academy.viewer, year=year + 5)
    assert (whole.total.active, whole.total.trained) == (8, 3)
    assert (before_second.total.active, before_second.total.trained) == (8, 2)
    assert (east.total.active, east.total.trained) == (4, 1) and [row.key for row in east.by["district"]] == ["城东区"]
    assert (empty.total.active, empty.total.trained) == (8, 0)


def _changes(engine) -> int:
    with unit_of_work(engine=engine) as s:
        return coverage_changes(s)


def test_the_coverage_change_counter_moves_with_each_write_the_report_reads_and_only_those(academy):
    r = academy.retailers
    start = _changes(academy.engine)
    with unit_of_work(engine=academy.engine) as s:  # a phone number: the report does not read it
        s.get(Retailer, r[0]).phone = "13900000000"
    assert _changes(academy.engine) == start
    sid = academy.approved(capacity=5)
    after_session = _changes(academy.engine)
    assert after_session > start
    sign_up = academy.sign_up(sid, r[0])
    after_sign_up = _changes(academy.engine)
    assert after_sign_up > after_session
    academy.run(academy.coordinator, tr.mark_attendance, sign_up_id=sign_up.id,
                now=academy.session(sid).starts_at + timedelta(minutes=5))
    after_check_in = _changes(academy.engine)
    assert after_check_in > after_sign_up
    with unit_of_work(engine=academy.engine) as s:
        s.get(Retailer, r[1]).manager_id = academy.coordinator.id
    after_manager = _changes(academy.engine)
    assert after_manager > after_check_in
    with academy.engine.begin() as conn:  # bulk paths (imports) and plain SQL are seen too, one bump per statement
        conn.execute(text("UPDATE retailers SET status = 'suspended' WHERE id = :id"), {"id": r[2]})
        conn.execute(text("DELETE FROM training_sign_ups WHERE id = :id"), {"id": sign_up.id})
    assert _changes(academy.engine) == after_manager + 2


def test_a_count_is_settled_only_while_no_write_is_on_its_way_to_commit(academy):
    r = academy.retailers
    with academy.engine.connect() as writer:  # another process's unit of work, not committed yet
        writer.execute(text("UPDATE retailers SET status = 'suspended' WHERE id = :id"), {"id": r[0]})
        with unit_of_work(engine=academy.engine) as s:
            assert settled_coverage_changes(s) is None  # a count now could miss it, yet carry its number
            assert coverage_changes(s) > 0
        writer.commit()
    with unit_of_work(engine=academy.engine) as s:
        settled = settled_coverage_changes(s)
        assert settled == coverage_changes(s)
        with academy.engine.connect() as writer:  # while the settled number is read, writers wait
            writer.execute(text("SET lock_timeout = '200ms'"))
            with pytest.raises(OperationalError, match="lock timeout"):
                writer.execute(text("UPDATE retailers SET status = 'active' WHERE id = :id"), {"id": r[0]})
    with unit_of_work(engine=academy.engine) as s:
        assert tr.coverage_report(s, actor=academy.viewer, year=NOW.year).total.active == 7


def test_untrained_retailers_can_be_signed_up_in_one_go(academy):
    sid = academy.approved(capacity=3)
    year = local(academy.session(sid).starts_at).year
    with unit_of_work() as s:
        ids = tr.untrained_ids(s, actor=academy.viewer, year=year, flt=tr.RetailerFilter(district="城西区"), limit=50)
    batch = academy.run(academy.coordinator, tr.sign_up_many, session_id=sid, retailer_ids=ids, now=NOW)
    assert len(batch.signed_up) == 3 and len(batch.waitlisted) == 1 and not batch.refused


def test_the_retailer_page_shows_the_training_record_card(academy):
    sid = academy.approved(capacity=1)
    sign_ups = _attend(academy, sid, [academy.retailers[0]], present=[academy.retailers[0]])
    academy.run(academy.coordinator, tr.record_evaluation, sign_up_id=sign_ups[academy.retailers[0]].id,
                scores={"score_content": 5, "score_trainer": 4, "score_usefulness": 3})
    later = academy.approved(capacity=1, starts_at=NOW + timedelta(days=9))
    academy.sign_up(later, academy.retailers[1])
    academy.sign_up(later, academy.retailers[0])  # waits
    [section] = [s for s in linked_sections("retailers", academy.viewer) if s.key == "training_record_card"]
    with unit_of_work() as s:
        card = section.rows(s, academy.viewer, academy.retailers[0])
    assert [(row["Sign-up"], row["Attendance"], row["Evaluation"]) for row in card] == [
        ("Waiting list #1", "—", "—"), ("Signed up", "Attended", "4.0 / 5")]


def test_the_monthly_summary_has_one_row_per_session_with_counts(academy):
    sid = academy.approved(capacity=2)
    _attend(academy, sid, academy.retailers[:3], present=[academy.retailers[0]])
    month = tr.month_start(academy.session(sid).starts_at)
    with unit_of_work() as s:
        [row] = tr.monthly_summary(s, actor=academy.viewer, month=month)
        due = tr.summary_due_date(s, month)
    assert (row["Signed up"], row["Waiting list"], row["Attended"], row["Evaluations"]) == (2, 1, 1, 0)
    assert row["Format"] == "Centralized lecture" and row["State"] == "Approved"
    assert due > month and due.day <= 10


def test_needs_are_due_the_28th_and_the_status_shows_what_is_missing(academy):
    month = date(2027, 1, 1)
    assert tr.needs_deadline(month) == date(2026, 12, 28)
    marketing, service = academy.departments["marketing"], academy.departments["customer_service"]
    with pytest.raises(tr.TrainingInputError) as err:
        academy.run(academy.coordinator, tr.record_need, retailer_id=academy.retailers[0], topic=" ", month=month,
                    now=cst(12, 1))
    assert err.value.field == "topic"
    academy.run(academy.coordinator, tr.record_need, retailer_id=academy.retailers[0], topic="网上订货操作",
                month=month, now=cst(12, 1))  # the coordinator's own department: marketing
    academy.run(academy.coordinator, tr.record_need, retailer_id=academy.retailers[1], topic="网上订货操作",
                month=month, department_id=service, now=cst(12, 1))
    academy.run(academy.coordinator, tr.submit_needs, month=month, department_id=marketing, now=cst(12, 27, 16))
    academy.run(academy.coordinator, tr.submit_needs, month=month, department_id=service, now=cst(12, 29, 9))
    with unit_of_work() as s:
        status = tr.needs_status(s, actor=academy.viewer, month=month, now=cst(12, 20))
        topics = tr.topic_counts(s, actor=academy.viewer, month=month)
    rows = {d.department_id: d for d in status.departments}
    assert (rows[marketing].submitted, rows[marketing].late) == (1, False)
    assert (rows[service].submitted, rows[service].late) == (1, True)
    assert status.days_left == 8
    assert marketing not in {d.department_id for d in status.missing}
    assert academy.departments["finance"] not in {d.department_id for d in status.missing}  # collects no needs
    assert topics == [("网上订货操作", 2)]
    with pytest.raises(tr.TrainingInputError) as err:  # nothing new to submit
        academy.run(academy.coordinator, tr.submit_needs, month=month, department_id=marketing)
    assert err.value.field == "month"


def test_catalog_courses_are_validated_by_field_and_only_coordinators_edit(academy):
    for field, kw in (("title", {"title": ""}), ("kind", {"kind": "hobby"}),
                      ("duration_minutes", {"duration_minutes": 5}),
                      ("target_star_levels", {"target_star_levels": [6]}),
                      ("target_business_types", {"target_business_types": ["bar"]})):
        with pytest.raises(tr.TrainingInputError) as err:
            academy.run(academy.coordinator, tr.create_course, **({"title": "品牌知识", "kind": "knowledge",
                                                                   "duration_minutes": 60} | kw))
        assert err.value.field == field
    with pytest.raises(PermissionDenied):
        academy.run(academy.viewer, tr.create_course, title="品牌知识", kind="knowledge", duration_minutes=60)


def test_course_materials_are_checked_by_content_and_kept_in_the_database(academy):
    material = academy.run(academy.coordinator, tr.add_material, course_id=academy.course_id, filename="讲义.pdf",
                           data=PDF)
    with pytest.raises(tr.TrainingInputError) as err:
        academy.run(academy.coordinator, tr.add_material, course_id=academy.course_id, filename="讲义.pdf",
                    data=b"MZ not a pdf")
    assert err.value.field == "material"
    with unit_of_work() as s:
        assert [m.filename for m in tr.list_materials(s, actor=academy.viewer, course_id=academy.course_id)] == [
            "讲义.pdf"]
        assert tr.material_content(s, actor=academy.viewer, material_id=material.id).content == PDF
    academy.run(academy.coordinator, tr.remove_material, material_id=material.id)
    with unit_of_work() as s:
        assert tr.list_materials(s, actor=academy.viewer, course_id=academy.course_id) == []

"""Plan status and needs status (issue 13 §8): one approved session does not make the plan approved on time while
others of the plan still wait; drafts not submitted are no session of the plan; "not submitted yet" names only the
departments that collect needs."""
from __future__ import annotations

from datetime import date, timedelta

from db.engine import unit_of_work
from portal import training as tr
from tests.training.support import academy_fixture, cst, english_fixture  # noqa: F401
from tests.training.test_plan import BEFORE, DEC_10, _december, _status


def _submit(academy, sid, now=BEFORE):
    academy.run(academy.coordinator, tr.submit_session, session_id=sid, version=None, now=now)


def _approve(academy, sid, now):
    academy.run(academy.supervisor, tr.approve_session, session_id=sid, version=None, now=now)


def test_one_approved_session_is_not_an_approved_plan_while_another_still_waits(academy):
    first, second = _december(academy), academy.draft(starts_at=DEC_10 + timedelta(days=5), now=BEFORE)
    _submit(academy, first), _submit(academy, second)
    _approve(academy, first, cst(12, 2, 9))
    assert _status(academy, cst(12, 2, 10)).timing == "pending"
    assert _status(academy, cst(12, 4, 9)).timing == "overdue"  # the deadline (3 Dec) passed with one waiting
    _approve(academy, second, cst(12, 4, 10))
    status = _status(academy, cst(12, 4, 11))
    assert status.timing == "late" and status.approved_at == cst(12, 4, 10)


def test_a_session_added_after_the_deadline_does_not_make_an_approved_plan_late(academy):
    first = _december(academy)
    _submit(academy, first)
    _approve(academy, first, cst(12, 2, 9))
    later = academy.draft(starts_at=DEC_10 + timedelta(days=10), now=cst(12, 8))
    assert _status(academy, cst(12, 8, 10)).timing == "on_time"
    _submit(academy, later, now=cst(12, 8, 11))
    _approve(academy, later, cst(12, 9, 9))
    assert _status(academy, cst(12, 9, 10)).timing == "on_time"


def test_drafts_not_submitted_are_no_session_of_the_plan(academy):
    _december(academy)
    status = _status(academy, BEFORE)
    assert (status.live_sessions, status.has_session, status.counts) == (0, False, {"draft": 1})
    assert status.timing == "pending"  # there is something to approve, and time left


def test_not_submitted_yet_names_only_departments_that_collect_needs(academy):
    month = date(2027, 1, 1)
    marketing, service = academy.departments["marketing"], academy.departments["customer_service"]
    need = dict(retailer_id=academy.retailers[0], topic="网上订货操作")
    academy.run(academy.coordinator, tr.record_need, month=date(2026, 12, 1), department_id=service,
                now=cst(11, 20), **need)  # customer service collected last month: it is expected this month too
    academy.run(academy.coordinator, tr.record_need, month=month, department_id=marketing, now=cst(12, 1), **need)
    with unit_of_work() as s:
        status = tr.needs_status(s, actor=academy.viewer, month=month, now=cst(12, 20))
    assert {d.department_id for d in status.missing} == {marketing, service}  # finance, logistics… never collect
    academy.run(academy.coordinator, tr.submit_needs, month=month, department_id=marketing, now=cst(12, 21))
    with unit_of_work() as s:
        status = tr.needs_status(s, actor=academy.viewer, month=month, now=cst(12, 22))
    assert {d.department_id for d in status.missing} == {service}

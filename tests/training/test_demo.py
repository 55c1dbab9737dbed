"""The demo center's training: a catalog, last and this month's plans approved on time, sign-ups with a waiting
list, attendance, follow-ups and evaluations of at least 10% of attendees, next month's needs."""
from collections import Counter

from sqlalchemy import select

from db.engine import unit_of_work
from db.training_models import SignUp, TrainingCourse, TrainingSession
from portal import training as tr
from portal.access.auth import SYSTEM
from portal.tools.demo import seed_demo
from portal.training.demo import COURSES, MONTH_PLAN
from portal.training.rules import next_month, previous_month, utcnow


def test_demo_training_covers_the_whole_programme(db):
    with unit_of_work(engine=db) as s:
        seed_demo(s)
    this_month = tr.month_start(utcnow())
    with unit_of_work(engine=db) as s:
        courses = list(s.scalars(select(TrainingCourse)))
        sessions = list(s.scalars(select(TrainingSession).order_by(TrainingSession.starts_at)))
        sign_ups = list(s.scalars(select(SignUp)))
        statuses = [tr.plan_status(s, actor=SYSTEM, month=m) for m in (previous_month(this_month), this_month)]
        held = [ts for ts in sessions if ts.state == "held"]
        evaluations = [tr.evaluation_summary(s, actor=SYSTEM, session_id=ts.id) for ts in held]
        coverage = tr.coverage_report(s, actor=SYSTEM, year=utcnow().year)
        needs = tr.needs_status(s, actor=SYSTEM, month=next_month(this_month))
    assert len(courses) == len(COURSES) and {c.kind for c in courses} == {"knowledge", "skill"}
    assert len(sessions) == 2 * len(MONTH_PLAN)
    assert all(status.timing == "on_time" and status.has_session for status in statuses)
    assert len(held) >= len(MONTH_PLAN)  # all of last month's
    assert all(e.attendees and e.meets_sample for e in evaluations)
    states = Counter(su.state for su in sign_ups)
    assert states["signed_up"] > 100 and states["waitlisted"] > 0
    assert all(sum(1 for su in sign_ups if su.session_id == ts.id and su.state == "signed_up") <= ts.capacity
               for ts in sessions)
    assert any(su.attended is False and su.absence_reason for su in sign_ups)
    assert coverage.total.trained > 0
    assert sum(d.needs for d in needs.departments) == 10 and needs.missing

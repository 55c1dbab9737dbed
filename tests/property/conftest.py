"""The property suite's world and tally.

One demo center per test module (seeded once, not per example): domain calls run in a transaction that is
rolled back, and pages only read, so examples do not need a clean database each. Every example counts as a
case; an exception other than the portal's clear refusals counts as unhandled. The totals are printed at the
end of the run ("fuzz: N cases, M unhandled").
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import select

from tests.conftest import TEST_PASSWORD, _truncate_all

# Deterministic (the same cases every run, CI included) and no example database left in the work tree.
settings.register_profile("portal", derandomize=True, database=None, deadline=None, print_blob=False,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                 HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("PORTAL_FUZZ_PROFILE", "portal"))
FUZZ_LOGIN = "fuzzboss"


@dataclass
class Tally:
    cases: int = 0
    unhandled: list[str] = field(default_factory=list)


TALLY = Tally()


def pytest_terminal_summary(terminalreporter):
    if TALLY.cases:
        causes = {line.split(":", 1)[0] for line in TALLY.unhandled}
        terminalreporter.write_line(f"fuzz: {TALLY.cases} cases, {len(TALLY.unhandled)} unhandled "
                                    f"({len(causes)} distinct call sites/types)")


@dataclass
class World:
    """Ids of one record of each kind in the seeded demo center, and the all-roles user who fuzzes."""

    engine: object
    actor: object
    ids: dict[str, list[int]]


def _first_ids(session) -> dict[str, list[int]]:
    from db import complaint_models as cm
    from db import incident_models as im
    from db import models as m
    from db import training_models as tm

    def some(column, n=3):
        return list(session.scalars(select(column).order_by(column).limit(n)))

    found = {
        "complaint": some(cm.Complaint.id), "incident": some(im.Incident.id), "retailer": some(m.Retailer.id),
        "user": some(m.User.id), "department": some(m.Department.id), "category": some(m.ComplaintCategory.id),
        "session": some(tm.TrainingSession.id), "sign_up": some(tm.SignUp.id), "course": some(tm.TrainingCourse.id),
    }
    for name, model in (("need", "TrainingNeed"), ("material", "CourseMaterial"), ("evaluation", "Evaluation")):
        cls = getattr(tm, model, None)
        found[name] = some(cls.id) if cls is not None else []
    for name, model in (("entry", "IncidentTimelineEntry"), ("action", "FollowUpAction"),
                        ("call", "IncidentRetailer"), ("suspension", "ServiceSuspension"),
                        ("request", "SupplyRequest"), ("brand", "Brand")):
        cls = getattr(im, model, None)
        found[name] = some(cls.id) if cls is not None else []
    for name, model in (("attachment", "ComplaintAttachment"),):
        cls = getattr(cm, model, None)
        found[name] = some(cls.id) if cls is not None else []
    found["view"] = some(m.SavedView.id) if hasattr(m, "SavedView") else []
    return found


_seeded: list[World] = []


@pytest.fixture(scope="module")
def world(engine) -> World:
    """The demo center plus one user holding every role (password TEST_PASSWORD, English); seeded once per run
    and again only when another test emptied the database in between (every `db` fixture truncates)."""
    from db.engine import unit_of_work
    from db.models import ROLES, Department, User
    from portal.access.auth import SYSTEM, CurrentUser
    from portal.access.users import create_user
    from portal.bootstrap import prepare

    if _seeded:
        with unit_of_work(engine=engine) as s:
            if s.scalar(select(User.id).where(User.login == FUZZ_LOGIN)) == _seeded[0].actor.id:
                return _seeded[0]
        _seeded.clear()
    _truncate_all(engine)
    prepare(engine, demo=True, announce=lambda _pw: None)
    with unit_of_work(engine=engine) as s:
        dept = s.scalar(select(Department.id).where(Department.code == "customer_service"))
        create_user(s, actor=SYSTEM, login=FUZZ_LOGIN, name="Fuzz Boss", staff_id="FZ0001",
                    password=TEST_PASSWORD, roles=list(ROLES), department_id=dept, language="en")
    with unit_of_work(engine=engine) as s:
        actor = CurrentUser.of(s.scalar(select(User).where(User.login == FUZZ_LOGIN)))
        ids = _first_ids(s)
    _seeded.append(World(engine=engine, actor=actor, ids=ids))
    return _seeded[0]

"""The demo center's complaints: a realistic mix, each worked through the domain functions."""
from collections import Counter

from sqlalchemy import func, select

from db.complaint_models import Complaint, ComplaintEvent, FollowUp
from db.engine import unit_of_work
from db.models import User
from portal.complaints.demo import COMPLAINT_COUNT
from portal.tools.demo import seed_demo


def test_demo_complaints_cover_states_grades_channels_with_timelines(db):
    with unit_of_work(engine=db) as s:
        seed_demo(s)
    with unit_of_work(engine=db) as s:
        complaints = list(s.scalars(select(Complaint)))
        first_moves: dict[int, str | None] = {}
        for complaint_id, to_state in s.execute(select(ComplaintEvent.complaint_id, ComplaintEvent.to_state)
                                                .order_by(ComplaintEvent.at, ComplaintEvent.id)):
            first_moves.setdefault(complaint_id, to_state)
        followed_up = set(s.scalars(select(FollowUp.complaint_id)))
        events = s.scalar(select(func.count()).select_from(ComplaintEvent))
        receivers = {u.id: set(u.roles) for u in s.scalars(select(User))}
    assert len(complaints) == COMPLAINT_COUNT and events > 5 * COMPLAINT_COUNT
    states = Counter(c.state for c in complaints)
    assert states["closed"] > COMPLAINT_COUNT / 3
    assert sum(states[s] for s in ("registered", "assigned", "in_progress", "replied", "followed_up")) >= 10
    assert states["invalid"] > 0 and states["duplicate"] > 0
    assert set(Counter(c.grade for c in complaints)) == {1, 2, 3, 4}
    assert len({c.channel for c in complaints}) >= 6 and len({c.category_id for c in complaints}) >= 8
    assert all(first_moves[c.id] == "registered" for c in complaints)  # every timeline starts at intake
    assert all(c.id in followed_up for c in complaints if c.state in ("closed", "followed_up"))
    assert all(receivers[c.first_contact_owner_id] & {"agent", "supervisor"} for c in complaints)
    assert any(c.reopen_count for c in complaints)

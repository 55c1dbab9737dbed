"""The complaint seed's second process writes exactly what generating in place writes (same seed, same rows),
and a failure there stops the seed with its reason instead of leaving it waiting."""
import pytest
from sqlalchemy import func, select

from db.complaint_models import Complaint, ComplaintEvent
from db.engine import unit_of_work
from portal.complaints import scale as scale_complaints
from portal.complaints.rules import utcnow
from portal.tools.demo import seed_demo


def _factory(db, now):
    with unit_of_work(engine=db) as s:
        return scale_complaints.ComplaintFactory(s, 99, now)


def _chunks(db, now, parallel, count=450):
    factory = _factory(db, now)
    minutes = factory.received_minutes(count)
    return [(n, [t if isinstance(t, str) else t.decode() for t in texts]) for n, texts in
            scale_complaints._generated(factory, list(range(1, count + 1)), minutes, 7, parallel)]


def test_the_second_process_generates_the_same_rows_as_in_place(db, monkeypatch, owner_db):
    with unit_of_work(engine=db) as s:
        seed_demo(s)
    monkeypatch.setattr(scale_complaints, "CHUNK", 200)  # three chunks, handed over one by one
    now = utcnow()
    here, there = _chunks(db, now, parallel=False), _chunks(db, now, parallel=True)
    assert [n for n, _texts in here] == [200, 200, 50]
    assert here == there
    complaints, events, follow_ups, audit = here[0][1]
    assert complaints.count("\n") == 200 and events.count("\n") > 1000 and follow_ups.count("\n") > 50
    assert audit.splitlines()[0] == "7\tcomplaints\t1\tinsert\t\\N\t\\N\t\\N"

    with unit_of_work() as s:
        top = s.scalar(select(func.max(Complaint.id)))
    assert scale_complaints.seed_complaints(owner_db, 450, parallel=True) == 450  # and written through COPY
    with unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Complaint).where(Complaint.id > top)) == 450
        assert s.scalar(select(func.count()).select_from(ComplaintEvent).where(
            ComplaintEvent.to_state == "registered", ComplaintEvent.complaint_id > top)) == 450


def test_a_failing_generator_stops_the_seed_and_says_why(db, monkeypatch):
    with unit_of_work(engine=db) as s:
        seed_demo(s)
    factory = _factory(db, utcnow())
    minutes = factory.received_minutes(10)
    with pytest.raises(RuntimeError, match="generating complaints failed"):
        list(scale_complaints._generated(factory, [1, 2, 3], minutes[:1], None, True))  # too few moments

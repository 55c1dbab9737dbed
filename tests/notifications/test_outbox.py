"""The outbox: a complaint's assignment queues one job in the same transaction; a rolled-back one queues none."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from db.complaint_models import Complaint
from db.engine import unit_of_work
from db.outbox import EVENT_TASK, without_events
from portal import complaints as cx
from portal.config import ROOT
from tests.complaints.support import FRIDAY_3PM, center_fixture  # noqa: F401  (the `center` fixture)


class Boom(Exception):
    pass


def _assign(center, cid, **kw):
    return center.run(center.supervisor, cx.assign_complaint, complaint_id=cid, handler_id=center.handler.id,
                      now=FRIDAY_3PM, **kw)


def test_a_committed_assignment_queues_one_job_with_its_changes(center, queue):
    cid = center.register().complaint_id
    before = queue.jobs()
    _assign(center, cid)
    [job] = queue.jobs()[len(before):]
    assert (job["queue_name"], job["task_name"], job["status"]) == (queue.name, EVENT_TASK, "todo")
    args = job["args"]
    assert args["actor"] == center.supervisor.id and args["event"] and args["at"]
    changes = {c["field"]: c for c in args["changes"]}
    assert set(changes) == {"handler_id", "state"}  # one flush, one job, only the fields that are events
    assert (changes["handler_id"]["old"], changes["handler_id"]["new"]) == (None, center.handler.id)
    assert (changes["state"]["old"], changes["state"]["new"]) == ("registered", "assigned")
    assert changes["state"]["table"] == "complaints" and changes["state"]["record"] == str(cid)


def test_a_rolled_back_assignment_queues_nothing(center, queue):
    cid = center.register().complaint_id
    before = queue.jobs()
    with pytest.raises(Boom), unit_of_work(center.supervisor.id, engine=center.engine) as s:
        cx.assign_complaint(s, actor=center.supervisor, complaint_id=cid, handler_id=center.handler.id,
                            now=FRIDAY_3PM)
        raise Boom
    assert queue.jobs() == before
    assert center.get(cid).state == "registered"


def test_changes_of_other_fields_queue_nothing(center, queue):
    cid = center.register().complaint_id
    before = queue.jobs()
    with unit_of_work(center.agent.id, engine=center.engine) as s:
        s.get(Complaint, cid).remedy_sought = "退款"  # audited, not an event
    assert queue.jobs() == before


def test_the_queue_schema_is_the_pinned_packages():
    """Migration 0015 applies its own copy of procrastinate's schema: it must be the installed version's."""
    import procrastinate

    installed = Path(procrastinate.__file__).parent / "sql" / "schema.sql"
    version = procrastinate.__version__
    copy = ROOT / "migrations" / "sql" / "procrastinate-3.10.0.sql"
    assert copy.read_text() == installed.read_text(), f"procrastinate {version}: add a migration for its schema"


def test_the_portals_role_may_defer_fetch_and_finish_jobs(queue, db):
    """The app role (owns nothing) works the queue with the grants db/roles.py gives every non-history table."""
    with db.begin() as conn:
        assert conn.scalar(text("select current_user")) == "portal_app"
        conn.execute(text("select procrastinate_defer_jobs_v1(ARRAY[ROW(:q, 't', 0, NULL, NULL, '{}'::jsonb, "
                          "NULL)::procrastinate_job_to_defer_v1])"), {"q": queue.name})
        worker = conn.scalar(text("select procrastinate_register_worker_v1()"))
        job = conn.execute(text("select id, status from procrastinate_fetch_job_v2(ARRAY[:q], :w)"),
                           {"q": queue.name, "w": worker}).one()
        assert job.status == "doing"
        conn.execute(text("select procrastinate_finish_job_v1(:j, 'succeeded', true)"), {"j": job.id})
        conn.execute(text("select procrastinate_unregister_worker_v1(:w)"), {"w": worker})
    assert queue.jobs() == []



def test_a_session_writing_made_up_history_queues_no_events(center, queue):
    """The demo center is seeded so (portal/bootstrap.py): its complaints' past assignments notify nobody."""
    cid = center.register().complaint_id
    before = queue.jobs()
    with unit_of_work(center.supervisor.id, engine=center.engine) as s:
        cx.assign_complaint(without_events(s), actor=center.supervisor, complaint_id=cid,
                            handler_id=center.handler.id, now=FRIDAY_3PM)
    assert center.get(cid).handler_id == center.handler.id and queue.jobs() == before

"""The first rule (a complaint assigned -> its new handler) on hand-made events, and the worker running it: once per
occasion, however often a job runs and however many workers share the queue."""
from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import select, text

from db.engine import unit_of_work
from db.notification_models import Notification
from portal import complaints as cx
from portal.i18n import set_language
from portal.notifications.inbox import link_target, message
from portal.notifications.queue import new_queue_app
from portal.notifications.rules import handle_event
from tests.complaints.support import FRIDAY_3PM, center_fixture  # noqa: F401  (the `center` fixture)
from tests.notifications.conftest import run_async


def _event(actor, *changes, event=None) -> dict:
    return {"event": event or uuid.uuid4().hex, "actor": actor, "at": "2026-11-20T07:00:00+00:00",
            "changes": [dict(zip(("table", "record", "field", "old", "new"), c, strict=True), action="update")
                        for c in changes]}


def _handle(center, event) -> int:
    with unit_of_work(engine=center.engine) as s:
        return handle_event(s, event)


def _notes(center) -> list[Notification]:
    with unit_of_work(engine=center.engine) as s:
        return list(s.scalars(select(Notification).order_by(Notification.id)))


def test_the_new_handler_is_told_in_their_own_language(center):
    reg = center.register()
    cid = str(reg.complaint_id)
    made = _handle(center, _event(center.supervisor.id, ("complaints", cid, "handler_id", None, center.handler.id),
                                  ("complaints", cid, "state", "registered", "assigned")))
    assert made == 1
    [note] = _notes(center)
    assert (note.user_id, note.rule, note.record_table, note.record_id) == (center.handler.id, "complaint_assigned",
                                                                             "complaints", cid)
    assert note.read_at is None and link_target(note) == ("pages/complaint.py", {"id": cid})
    try:
        set_language("en")
        assert message(note) == f"Complaint {reg.reference} was assigned to you"
        set_language("zh_CN")
        assert message(note) == f"投诉 {reg.reference} 已分派给您"
    finally:
        set_language("en")


def test_nobody_is_told_of_what_is_not_a_new_handler(center):
    cid = str(center.register().complaint_id)
    with unit_of_work(engine=center.engine) as s:
        s.execute(text("update users set active = false where id = :u"), {"u": center.handler2.id})
    events = [
        _event(center.handler.id, ("complaints", cid, "handler_id", None, center.handler.id)),  # took it themselves
        _event(center.supervisor.id, ("complaints", cid, "handler_id", center.handler.id, None)),  # handler cleared
        _event(center.supervisor.id, ("complaints", cid, "handler_id", None, center.handler2.id)),  # inactive
        _event(center.supervisor.id, ("complaints", cid, "state", "registered", "assigned")),  # not the handler
        _event(center.supervisor.id, ("complaints", "999999", "handler_id", None, center.handler.id)),  # no complaint
    ]
    assert [_handle(center, e) for e in events] == [0, 0, 0, 0, 0]
    assert _notes(center) == []


def test_a_job_run_again_notifies_once(center):
    cid = str(center.register().complaint_id)
    event = _event(center.supervisor.id, ("complaints", cid, "handler_id", None, center.handler.id))
    assert [_handle(center, event) for _ in range(3)] == [1, 0, 0]
    # a later assignment of the same complaint is another occasion: told again
    assert _handle(center, _event(center.supervisor.id, ("complaints", cid, "handler_id", None, center.handler.id))) \
        == 1
    assert len(_notes(center)) == 2


def _assign(center, cid):
    center.run(center.supervisor, cx.assign_complaint, complaint_id=cid, handler_id=center.handler.id,
               now=FRIDAY_3PM)


def test_the_worker_turns_an_assignment_into_one_notification(center, queue):
    cid = center.register().complaint_id
    _assign(center, cid)
    queue.work()
    [note] = _notes(center)
    assert (note.user_id, note.record_id) == (center.handler.id, str(cid))
    assert queue.jobs() == []  # done jobs are deleted


def test_a_failing_job_is_retried_and_then_notifies_once(center, queue, monkeypatch):
    from portal.notifications import queue as queue_module

    real, calls = queue_module.handle_event, []

    def flaky(session, event):
        calls.append(event["event"])
        made = real(session, event)  # written, then the transaction fails: nothing stays
        if len(calls) == 1:
            raise RuntimeError("the database went away mid-job")
        return made

    cid = center.register().complaint_id
    queue.work()  # the registration's own event (no rule takes it)
    monkeypatch.setattr(queue_module, "handle_event", flaky)
    _assign(center, cid)
    queue.work()
    assert _notes(center) == []
    [job] = [j for j in queue.jobs() if j["status"] == "todo"]
    assert job["attempts"] == 1  # scheduled again, with backoff
    with queue.owner.begin() as conn:  # the backoff has passed
        conn.execute(text("update procrastinate_jobs set scheduled_at = now() where id = :j"), {"j": job["id"]})
    queue.work()
    assert len(calls) == 2 and calls[0] == calls[1]  # the same event, run again
    assert len(_notes(center)) == 1 and queue.jobs() == []


def test_two_workers_and_a_repeated_job_notify_once(center, queue):
    cid = center.register().complaint_id
    _assign(center, cid)
    with queue.owner.begin() as conn:  # the same event queued three more times (say, by a replayed outbox)
        conn.execute(text("insert into procrastinate_jobs (queue_name, task_name, args) "
                          "select queue_name, task_name, args from procrastinate_jobs, generate_series(1, 3) "
                          "where args->'changes' @> '[{\"field\": \"handler_id\"}]' and queue_name = :q"),
                     {"q": queue.name})
    assert len(queue.jobs()) >= 4

    async def two_workers():
        first, second = new_queue_app(), new_queue_app()
        async with first.open_async(), second.open_async():
            await asyncio.gather(*(app.run_worker_async(queues=[queue.name], wait=False, name=name,
                                                        install_signal_handlers=False, delete_jobs="successful")
                                   for app, name in ((first, "one"), (second, "two"))))

    run_async(two_workers)
    assert queue.jobs() == []
    assert [(n.user_id, n.record_id) for n in _notes(center)] == [(center.handler.id, str(cid))]


def test_an_admin_turns_a_rule_off_or_widens_its_audience(center):
    from db.notification_models import NotificationRuleSetting

    cid = str(center.register().complaint_id)
    with unit_of_work(engine=center.engine) as s:
        s.execute(text("update complaints set department_id = :d where id = :c"),
                  {"d": center.departments["logistics"], "c": int(cid)})
        s.add(NotificationRuleSetting(rule="complaint_assigned", enabled=False))
    assign = ("complaints", cid, "handler_id", None, center.handler.id)
    assert _handle(center, _event(center.supervisor.id, assign)) == 0  # off: nobody
    with unit_of_work(engine=center.engine) as s:
        setting = s.get(NotificationRuleSetting, "complaint_assigned")
        setting.enabled, setting.audiences = True, ["department_handlers", "not-an-audience"]
    assert _handle(center, _event(center.supervisor.id, assign)) == 2  # logistics' two handlers, once each
    assert sorted(n.user_id for n in _notes(center)) == sorted([center.handler.id, center.handler2.id])


def test_a_failing_scan_rule_keeps_its_error_and_the_others_run(center, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from portal.notifications import rules as registry

    def broken(session, ctx):
        session.execute(text("select 1/0"))

    def fine(session, ctx):
        ctx.rows_read += 3
        return [registry.Notice(center.handler.id, "fine", "complaints", "1", ctx.now.date().isoformat(), "x")]

    made = (registry.Rule("broken", "complaints", "x", ("handler",), ("handler",), scan=broken),
            registry.Rule("fine", "complaints", "x", ("handler",), ("handler",), scan=fine))
    monkeypatch.setattr(registry, "all_rules", lambda: made)
    now = datetime(2026, 12, 7, 2, tzinfo=UTC)
    for later in (timedelta(0), timedelta(minutes=1)):
        with unit_of_work(engine=center.engine) as s:
            runs = registry.run_scans(s, now + later)
            summary = {k: (r.made, r.rows_read, r.runs, r.error is None) for k, r in runs.items()}
    assert summary == {"broken": (0, 0, 2, False), "fine": (0, 3, 2, True)}  # the second run made nothing new
    with unit_of_work(engine=center.engine) as s:
        assert "division by zero" in s.get(registry.ScanRun, "broken").error
    assert [n.rule for n in _notes(center)] == ["fine"]

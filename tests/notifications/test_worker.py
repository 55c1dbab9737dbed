"""The worker that `python -m portal run` starts: it really works the queue (the browser tests' server), and it stops
when the portal stops, however the portal ends."""
from __future__ import annotations

import os
import signal
import time

import psutil
import pytest
from sqlalchemy import select

from db.engine import unit_of_work
from db.notification_models import Notification
from portal import complaints as cx
from portal.config import ROOT
from tests.complaints.support import FRIDAY_3PM, center_fixture  # noqa: F401  (the `center` fixture)


def _until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        time.sleep(0.1)
    return result


def _notified(center, complaint_id: int) -> list[int]:
    """Who has been told about complaint `complaint_id`."""
    with unit_of_work(engine=center.engine) as s:
        return s.scalars(select(Notification.user_id).where(Notification.record_id == str(complaint_id))).all()


def _worker_of(pid: int) -> psutil.Process | None:
    return next((p for p in psutil.Process(pid).children() if "worker" in p.cmdline()), None)


@pytest.mark.e2e  # the browser tests' portal server
def test_the_portals_worker_turns_an_assignment_into_a_notification(base_url, center):
    cid = center.register().complaint_id
    center.run(center.supervisor, cx.assign_complaint, complaint_id=cid, handler_id=center.handler.id,
               now=FRIDAY_3PM)

    assert _until(lambda: _notified(center, cid), 15, "the portal's worker wrote the notification") == \
        [center.handler.id]


@pytest.mark.e2e  # a portal server of its own
def test_the_worker_stops_when_the_portal_does(database_url):
    from portal.tools.soak import portal_process

    log = ROOT / "test-artifacts" / f"worker-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log"
    log.parent.mkdir(exist_ok=True)
    with portal_process(database_url, log) as (_url, server):
        worker = _until(lambda: _worker_of(server.pid), 15, "`portal run` started its worker")
        assert "--parent-pid" in worker.cmdline()
        os.kill(server.pid, signal.SIGKILL)  # not its process group: the worker notices by itself
        server.wait(timeout=10)
        _until(lambda: not worker.is_running() or worker.status() == psutil.STATUS_ZOMBIE, 10,
               "the worker stopped after the portal")


@pytest.mark.parametrize("setting, started", [("1", True), ("0", False)])
def test_portal_worker_0_leaves_the_worker_out(monkeypatch, setting, started):
    from portal import cli
    from portal.config import get_settings

    class Exec(Exception):
        pass

    calls = []
    monkeypatch.setenv("PORTAL_WORKER", setting)
    get_settings.cache_clear()
    monkeypatch.setattr("portal.bootstrap.prepare", lambda: None)
    monkeypatch.setattr("portal.notifications.worker.start_beside", lambda: calls.append("worker"))
    monkeypatch.setattr(os, "execv", lambda *_a: (_ for _ in ()).throw(Exec()))
    try:
        with pytest.raises(Exec):
            cli.main(["run", "--port", "8599"])
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert calls == (["worker"] if started else [])


def test_a_worker_rides_out_a_database_restart(center, queue, outage, database_url, tmp_path):
    """The database stops and starts again (an operator's restart) while a real worker process waits for jobs: the
    worker carries on, and the next assignment still becomes a notification — nothing to restart by hand."""
    import subprocess
    import sys

    from sqlalchemy import text

    def workers() -> set[int]:  # the browser tests' portal server's worker may be registered already
        with center.engine.connect() as conn:
            return set(conn.execute(text("select id from procrastinate_workers")).scalars())

    before = workers()
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen([sys.executable, "-m", "portal", "worker", "--queue", queue.name], cwd=ROOT,
                                  env={**os.environ, "PORTAL_SCAN_SCHEDULE": ""}, stdout=out, stderr=out)
    try:
        _until(lambda: workers() - before, 30, "the worker started")
        outage.begin()
        time.sleep(3)
        outage.end()
        assert worker.poll() is None, f"the worker stopped when the database did:\n{log.read_text()[-3000:]}"
        cid = center.register().complaint_id
        center.run(center.supervisor, cx.assign_complaint, complaint_id=cid, handler_id=center.handler.id,
                   now=FRIDAY_3PM)
        assert _until(lambda: _notified(center, cid), 60, "the worker wrote the notification after the restart") == \
            [center.handler.id]
    finally:
        worker.terminate()
        worker.wait(timeout=30)

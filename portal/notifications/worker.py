"""The worker process: `python -m portal worker` runs the queue's jobs until stopped (SIGTERM, Ctrl+C), and
`python -m portal run` starts one beside the Streamlit server (`start_beside`).

`portal run` hands its process over to `streamlit run` (exec, same pid: the embedded PostgreSQL it started stays
up), so nothing could stop a child it started. Such a worker is told the server's pid (`--parent-pid`) and stops
when its parent changes (the server exited, however); the browser tests' and the bench's `portal_process` also
stop it with the server's process group. Several workers on one database are safe: each job is fetched by one.
"""
from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys

from db.engine import database_url, owner_database_url
from portal.config import ROOT
from portal.notifications import scans
from portal.notifications.queue import QUEUES, queue_app

PARENT_POLL_SECONDS = 0.5
log = logging.getLogger(__name__)


async def _watch_parent(parent_pid: int, work: asyncio.Task) -> None:
    while os.getppid() == parent_pid:
        await asyncio.sleep(PARENT_POLL_SECONDS)
    log.info("The portal (pid %d) stopped: the worker stops too.", parent_pid)
    work.cancel()  # procrastinate stops gracefully: the job under way finishes first


async def work(*, parent_pid: int | None = None, wait: bool = True, queues=QUEUES, name: str = "portal",
               install_signal_handlers: bool = True) -> None:
    """Run the worker on `queues` until stopped (or, `wait` False, until the queue is empty); a worker of the scans
    queue also schedules the periodic scans (portal/notifications/scans.py)."""
    schedule = scans.SCAN_QUEUE in queues
    app = queue_app(schedule=schedule)
    async with app.open_async():
        if schedule:  # what a worker killed before this one left "doing" goes back to the queue now, not next minute
            await scans.requeue_stalled(app)
        job = asyncio.create_task(app.run_worker_async(
            queues=list(queues), wait=wait, name=name, concurrency=1, shutdown_graceful_timeout=20,
            install_signal_handlers=install_signal_handlers, delete_jobs="successful"))
        watcher = asyncio.create_task(_watch_parent(parent_pid, job)) if parent_pid else None
        try:
            await job
        except asyncio.CancelledError:
            if not job.cancelled():
                raise
        finally:
            if watcher is not None:
                watcher.cancel()


def run_worker(*, parent_pid: int | None = None, wait: bool = True, queues=QUEUES) -> None:
    """`python -m portal worker`: the blocking form of `work`."""
    log.info("Notifications worker started on queue(s) %s%s.", ", ".join(queues),
             f", beside the portal (pid {parent_pid})" if parent_pid else "")
    asyncio.run(work(parent_pid=parent_pid, wait=wait, queues=queues))
    log.info("Notifications worker stopped.")


def start_beside() -> subprocess.Popen:
    """Start `python -m portal worker` as a child of this process, on the same database (the URLs this process
    resolved, so it joins rather than starts the embedded server), stopping when this process ends."""
    env = {**os.environ, "DATABASE_URL": database_url(), "DATABASE_OWNER_URL": owner_database_url()}
    return subprocess.Popen([sys.executable, "-m", "portal", "worker", "--parent-pid", str(os.getpid())],
                            cwd=ROOT, env=env, stdin=subprocess.DEVNULL)

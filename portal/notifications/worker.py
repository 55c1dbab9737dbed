"""The worker process: `python -m portal worker` runs the queue's jobs until stopped (SIGTERM, Ctrl+C), and
`python -m portal run` starts one beside the Streamlit server (`start_beside`).

`portal run` hands its process over to `streamlit run` (exec, same pid: the embedded PostgreSQL it started stays
up), so nothing could stop a child it started. Such a worker is told the server's pid (`--parent-pid`) and stops
when its parent changes (the server exited, however); the browser tests' and the bench's `portal_process` also
stop it with the server's process group. Several workers on one database are safe: each job is fetched by one.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys

import psycopg
from procrastinate.exceptions import ConnectorException

from db.engine import database_url, owner_database_url
from portal.config import ROOT
from portal.notifications import scans
from portal.notifications.queue import QUEUES, queue_app

PARENT_POLL_SECONDS = 0.5
RESTART_DELAYS = (1, 2, 5, 10, 30)  # seconds before the 1st, 2nd, … start again after losing the database
STEADY_SECONDS = 60  # a run this long was a good one: the next loss waits 1 s again
DATABASE_LOST = (ConnectorException, psycopg.OperationalError, OSError)
log = logging.getLogger(__name__)


async def _watch_parent(parent_pid: int, stop: asyncio.Event) -> None:
    while os.getppid() == parent_pid:
        await asyncio.sleep(PARENT_POLL_SECONDS)
    log.info("The portal (pid %d) stopped: the worker stops too.", parent_pid)
    stop.set()


async def _cancel_when(stop: asyncio.Event, task: asyncio.Task) -> None:
    await stop.wait()
    task.cancel()  # procrastinate stops gracefully: the job under way finishes first


async def _work_once(*, wait: bool, queues, name: str) -> None:
    """One procrastinate worker on `queues`, until it returns (or this coroutine is cancelled)."""
    schedule = scans.SCAN_QUEUE in queues
    app = queue_app(schedule=schedule)
    async with app.open_async():
        if schedule:  # what a worker killed before this one left "doing" goes back to the queue now, not next minute
            await scans.requeue_stalled(app)
        await app.run_worker_async(queues=list(queues), wait=wait, name=name, concurrency=1,
                                   shutdown_graceful_timeout=20, install_signal_handlers=False,
                                   delete_jobs="successful")


async def _until_stopped(stop: asyncio.Event, *, wait: bool, queues, name: str) -> bool:
    """`_work_once`, cancelled when `stop` is set (connecting, or working); whether it ended because of `stop`."""
    once = asyncio.create_task(_work_once(wait=wait, queues=queues, name=name))
    stopper = asyncio.create_task(_cancel_when(stop, once))
    try:
        await once
    except asyncio.CancelledError:
        if not (stop.is_set() and once.cancelled()):  # this coroutine was cancelled, not stopped: say so
            raise
    finally:
        stopper.cancel()
    return stop.is_set()


def _reason(exc: BaseException) -> str:
    """The first line of what went wrong (procrastinate's ConnectorException says it in its cause)."""
    text = str(exc.__cause__ or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


async def work(*, parent_pid: int | None = None, wait: bool = True, queues=QUEUES, name: str = "portal",
               install_signal_handlers: bool = True) -> None:
    """Run the worker on `queues` until stopped (SIGTERM, Ctrl+C, the parent gone, this coroutine cancelled) or,
    `wait` False, until the queue is empty; a worker of the scans queue also schedules the periodic scans
    (portal/notifications/scans.py).

    When the database goes away (a restart, a crash), procrastinate's listener gives up and its worker returns, or
    connecting fails: a waiting worker then starts again after RESTART_DELAYS, for as long as it takes, so a portal's
    notifications never stop for good because the database once did."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM) if install_signal_handlers else ()
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    watcher = asyncio.create_task(_watch_parent(parent_pid, stop)) if parent_pid else None
    losses = 0
    try:
        while True:
            started = loop.time()
            try:
                if await _until_stopped(stop, wait=wait, queues=queues, name=name) or not wait:
                    return
                why = "procrastinate's worker stopped by itself: its listener lost the connection"
            except DATABASE_LOST as exc:
                if not wait:
                    raise
                why = _reason(exc)
            losses = 0 if loop.time() - started >= STEADY_SECONDS else losses
            delay = RESTART_DELAYS[min(losses, len(RESTART_DELAYS) - 1)]
            losses += 1
            log.warning("The worker lost the database (%s): it starts again in %d s.", why, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            if stop.is_set():
                return
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
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

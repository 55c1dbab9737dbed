"""The worker's clock: the periodic scan of every time rule, and the re-queueing of jobs whose worker died.

Both are procrastinate periodic tasks on the queue "scans" (every worker that works that queue schedules them; the
database keeps each tick deferred once, however many workers schedule it):
- the scan (`run_periodic_scan`), every minute by default (PORTAL_SCAN_SCHEDULE, a cron line), runs each area's
  upkeep (`rules.all_upkeep`, each in a transaction of its own), then `watch.run_all_scans` (every scan rule, then
  every watched view) in one unit of work of the portal's own role, one per savepoint. One scan at a time across all
  workers: its jobs share a `lock` (a second waits until the first is done) and a `queueing_lock` (a tick is not
  queued while another still waits, so a slow scan never piles up). A worker that starts schedules the latest tick
  at once (procrastinate looks up to 10 minutes back: with the every-minute schedule, always). Ticks missed while no
  worker ran are not made up one by one: a scan rule reads everything due up to its `ctx.now` that has no notice yet
  (not only what fell due in the last minute), so the next scan catches up.
- the re-queueing (`requeue_stalled_jobs`), every minute: a job stays "doing" when its worker is killed mid-job;
  once that worker's heartbeat (every 10 s, procrastinate_workers) is `STALLED_AFTER_SECONDS` old, its jobs go back
  to "todo" and another worker runs them (a worker that starts does it at once too). Every job is safe to run
  again (notices have a unique key). A scan left "doing" holds the scans' lock only until it is re-queued.
"""
from __future__ import annotations

import logging

import croniter
import procrastinate

from db.engine import unit_of_work
from portal.center_time import utcnow
from portal.config import StartupRefused, get_settings
from portal.notifications.rules import all_upkeep
from portal.notifications.watch import run_all_scans

SCAN_QUEUE = "scans"
SCAN_TASK = "portal.notifications.scan"
REQUEUE_TASK = "portal.notifications.requeue_stalled"
REQUEUE_SCHEDULE = "* * * * *"
# a worker beats every 10 s (procrastinate's default): three missed beats and its jobs are someone else's
STALLED_AFTER_SECONDS = 30
log = logging.getLogger(__name__)

# the job's own row is locked and checked again (still "doing", still the dead worker's) in the statement that
# re-queues it, so a job another worker has fetched meanwhile is never put back
_REQUEUE = """
WITH stalled AS (
    SELECT id FROM procrastinate_jobs
     WHERE id = %(job_id)s AND status = 'doing' AND worker_id IS NOT DISTINCT FROM %(worker_id)s::bigint
       FOR UPDATE
)
SELECT count(*) AS requeued
  FROM stalled, LATERAL procrastinate_retry_job_v2(stalled.id, now(), NULL, NULL, NULL)
"""


def run_periodic_scan(timestamp: int) -> int:
    """The scan task: each area's upkeep, then every enabled scan rule at the current time, in one transaction;
    returns the notices made. (`timestamp` is the schedule's tick; the rules look at the time the scan really runs.)"""
    for upkeep in all_upkeep():  # each in its own transaction, before the rules (a failure stops neither)
        try:
            upkeep()
        except Exception as error:  # noqa: BLE001 - logged; the next scan tries again
            log.warning("Upkeep %s failed: %s", upkeep.__qualname__, error)
    now = utcnow()
    with unit_of_work() as session:
        runs = run_all_scans(session, now)
        made = sum(run.made or 0 for run in runs.values())
        failed = {key: run.error for key, run in runs.items() if run.error}
    for key, error in failed.items():
        log.warning("Scan %s failed: %s", key, error)
    log.info("Scan of %d rule(s) (tick %d): %d notification(s).", len(runs), timestamp, made)
    return made


async def requeue_stalled(app: procrastinate.App, seconds_since_heartbeat: float = STALLED_AFTER_SECONDS) -> list[int]:
    """Put the "doing" jobs of workers silent for `seconds_since_heartbeat` (or gone) back to "todo"; returns their
    ids. A live worker's jobs are left alone."""
    requeued = []
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds_since_heartbeat):
        row = await app.connector.execute_query_one_async(_REQUEUE, job_id=job.id, worker_id=job.worker_id)
        if row["requeued"]:
            requeued.append(job.id)
            log.warning("Job %d (%s) was left running by a stopped worker: queued again.", job.id, job.task_name)
    return requeued


async def requeue_stalled_jobs(context: procrastinate.JobContext, timestamp: int) -> int:
    """The re-queueing task (see `requeue_stalled`)."""
    return len(await requeue_stalled(context.app))


def register_clock(app: procrastinate.App, *, schedule: bool) -> None:
    """Register the scan and re-queueing tasks on `app` (any worker can run them); with `schedule`, also their
    periodic schedules (a worker of this app then defers them: one that works the scans queue)."""
    scan = app.task(name=SCAN_TASK, queue=SCAN_QUEUE, lock=SCAN_TASK, queueing_lock=SCAN_TASK)(run_periodic_scan)
    # no `lock`: a re-queueing job left "doing" by a killed worker must not block the next ones (each job's own
    # statement makes two at once safe)
    requeue = app.task(name=REQUEUE_TASK, queue=SCAN_QUEUE, queueing_lock=REQUEUE_TASK,
                       pass_context=True)(requeue_stalled_jobs)
    if not schedule:
        return
    cron = get_settings().scan_schedule
    if cron and not croniter.croniter.is_valid(cron):
        raise StartupRefused(f"PORTAL_SCAN_SCHEDULE is not a cron line (five fields, e.g. '* * * * *'): {cron!r}")
    if cron:  # empty: this worker schedules no scans (another does, or a test runs them itself)
        app.periodic_registry.register_task(task=scan, cron=cron, periodic_id="", configure_kwargs={})
    app.periodic_registry.register_task(task=requeue, cron=REQUEUE_SCHEDULE, periodic_id="", configure_kwargs={})

"""A real worker process for tests/notifications/test_scans.py: `python -m tests.notifications.stall_worker QUEUE
SCAN_QUEUE LOG [--block]` is the portal's worker (`portal.notifications.worker.work`) on QUEUE and SCAN_QUEUE (the
scan and re-queueing tasks on it, scheduled as `python -m portal worker` schedules them) with one more task,
"tests.stall": it writes "started <pid>" to LOG, then with --block blocks forever (the test kills the process
mid-job), else writes "finished <pid>"."""
from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path


def main() -> None:
    queue, scan_queue, log, block = sys.argv[1], sys.argv[2], Path(sys.argv[3]), "--block" in sys.argv
    from portal.notifications import scans
    from portal.notifications.queue import queue_app
    from portal.notifications.worker import work

    scans.SCAN_QUEUE = scan_queue
    app = queue_app(schedule=True)  # the app `work` runs below

    def note(line: str) -> None:
        with log.open("a") as out:
            out.write(f"{line} {os.getpid()}\n")

    @app.task(name="tests.stall", queue=queue)
    def stall(n: int) -> None:
        note("started")
        while block:
            time.sleep(1)
        note("finished")

    asyncio.run(work(queues=(queue, scan_queue), name="stall"))


if __name__ == "__main__":
    main()

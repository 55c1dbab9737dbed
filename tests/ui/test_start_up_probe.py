"""Start-up on one data dir from several processes at once: the writability probe never trips over another's."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

from db.embedded import DatabaseStartError, _check_writable

PROCESSES, ROUNDS = 4, 400


def _probe_many(data_dir: str, start, failed, rounds: int) -> None:
    """Run the start-up probe `rounds` times once all processes are released; adds its failures to `failed`."""
    start.wait()
    for _ in range(rounds):
        try:
            _check_writable(Path(data_dir))
        except DatabaseStartError:
            with failed.get_lock():
                failed.value += 1


def test_processes_probing_one_data_dir_together_never_fail(tmp_path):
    ctx = multiprocessing.get_context("fork")
    start, failed = ctx.Event(), ctx.Value("i", 0)
    procs = [ctx.Process(target=_probe_many, args=(str(tmp_path), start, failed, ROUNDS)) for _ in range(PROCESSES)]
    for proc in procs:
        proc.start()
    start.set()
    for proc in procs:
        proc.join(timeout=120)
    assert [proc.exitcode for proc in procs] == [0] * PROCESSES
    assert failed.value == 0, f"{failed.value} of {PROCESSES * ROUNDS} probes said 'not writable' on a writable dir"
    assert not list(tmp_path.iterdir()), "every probe file is removed"


def test_an_unwritable_data_dir_is_still_refused(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    try:
        _check_writable(blocker / "data")
    except DatabaseStartError as exc:
        assert "is not writable" in str(exc)
    else:
        raise AssertionError("a data dir below a file was accepted")

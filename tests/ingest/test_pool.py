"""The worker pool abandons a file that takes too long and carries on with the rest."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.imagegen import make_jpeg
from vigil.ingest.pool import WorkerPool
from vigil.ingest.records import FileResult, FileTask
from vigil.ingest.worker import WorkerOptions, process_file


def tasks_for(folder: Path) -> list[FileTask]:
    return [
        FileTask(relpath=os.fsencode(path.name), size=path.stat().st_size, mtime=0.0)
        for path in sorted(folder.iterdir())
    ]


def test_every_task_gets_one_result(tmp_path: Path) -> None:
    for seed in range(10):
        make_jpeg(tmp_path / f"{seed}.jpg", seed=seed)
    pool = WorkerPool(os.fsencode(tmp_path), WorkerOptions(), workers=2, timeout=60)
    results = list(pool.run(tasks_for(tmp_path)))
    assert sorted(r.task.relpath for r in results) == [t.relpath for t in tasks_for(tmp_path)]
    assert all(r.media is not None for r in results)


def test_a_file_over_the_time_limit_is_recorded_as_timeout(tmp_path: Path) -> None:
    # A fresh worker needs far longer than 10 ms to start, so the first file always overruns.
    make_jpeg(tmp_path / "slow.jpg", seed=1)
    pool = WorkerPool(os.fsencode(tmp_path), WorkerOptions(), workers=1, timeout=0.01)
    [result] = list(pool.run(tasks_for(tmp_path)))
    assert result.media is None
    assert result.error_stage == "timeout"
    assert "time limit" in (result.error_reason or "")


def hang_or_crash(root: bytes, task: FileTask, options: WorkerOptions) -> FileResult:
    """process_file, except that a file named hang* never finishes and crash* kills the worker."""
    if task.relpath.startswith(b"hang"):
        time.sleep(3600)
    if task.relpath.startswith(b"crash"):
        os._exit(3)
    return process_file(root, task, options)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_hung_or_crashed_file_costs_only_itself(tmp_path: Path, workers: int) -> None:
    # Workers report results in batches: the files a worker finished before it hung or died,
    # not yet reported, must be done again, and no other file may be blamed.
    for seed in range(12):
        make_jpeg(tmp_path / f"{seed:02}.jpg", seed=seed, size=(64, 48))
    (tmp_path / "crash.jpg").write_bytes((tmp_path / "00.jpg").read_bytes())
    (tmp_path / "hang.jpg").write_bytes((tmp_path / "01.jpg").read_bytes())
    tasks = tasks_for(tmp_path)
    # The hang and the crash come after several files of the same batch.
    order = [t for t in tasks if t.relpath[:1].isdigit()]
    order[5:5] = [t for t in tasks if t.relpath == b"crash.jpg"]
    order[10:10] = [t for t in tasks if t.relpath == b"hang.jpg"]
    pool = WorkerPool(
        os.fsencode(tmp_path), WorkerOptions(), workers, timeout=8, work=hang_or_crash
    )
    results = list(pool.run(order))
    by_name = {r.task.relpath: r for r in results}
    assert len(results) == len(by_name) == len(tasks)
    assert by_name[b"hang.jpg"].error_stage == "timeout"
    assert by_name[b"crash.jpg"].error_stage == "crash"
    assert "exit" in (by_name[b"crash.jpg"].error_reason or "")
    others = [r for name, r in by_name.items() if name[:1].isdigit()]
    assert len(others) == 12
    assert all(r.media is not None for r in others)


def _attempt(root: bytes, task: FileTask) -> int:
    """Count one more attempt at ``task`` in a file beside the seizure; the count so far."""
    log = os.path.join(os.path.dirname(root), b"attempts-" + task.relpath)
    with open(log, "ab") as handle:
        handle.write(b".")
        return handle.tell()


def killed_first_time(root: bytes, task: FileTask, options: WorkerOptions) -> FileResult:
    """process_file, except that a worker on a file named killed* is SIGKILLed the first time,
    as the out-of-memory killer or an operator would do it: the file itself is fine."""
    if task.relpath.startswith(b"killed") and _attempt(root, task) == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return process_file(root, task, options)


def killed_every_time(root: bytes, task: FileTask, options: WorkerOptions) -> FileResult:
    """process_file, except that a file named poison* gets its worker SIGKILLed every time."""
    if task.relpath.startswith(b"poison"):
        _attempt(root, task)
        os.kill(os.getpid(), signal.SIGKILL)
    return process_file(root, task, options)


def attempts(folder: Path, name: str) -> int:
    log = folder.parent / f"attempts-{name}"
    return len(log.read_bytes()) if log.exists() else 0


@pytest.mark.parametrize("workers", [1, 2])
def test_a_file_whose_worker_was_killed_is_ingested_on_a_fresh_worker(
    tmp_path: Path, workers: int
) -> None:
    root = tmp_path / "seizure"
    root.mkdir()
    for seed in range(8):
        make_jpeg(root / f"{seed:02}.jpg", seed=seed, size=(64, 48))
    make_jpeg(root / "killed.jpg", seed=99, size=(64, 48))
    pool = WorkerPool(
        os.fsencode(root), WorkerOptions(), workers, timeout=30, work=killed_first_time
    )
    results = list(pool.run(tasks_for(root)))
    assert attempts(root, "killed.jpg") == 2
    assert sorted(r.task.relpath for r in results) == [t.relpath for t in tasks_for(root)]
    assert all(r.media is not None for r in results), [r.error_reason for r in results]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_file_that_kills_every_worker_fails_after_two_attempts(
    tmp_path: Path, workers: int
) -> None:
    root = tmp_path / "seizure"
    root.mkdir()
    for seed in range(8):
        make_jpeg(root / f"{seed:02}.jpg", seed=seed, size=(64, 48))
    make_jpeg(root / "poison.jpg", seed=99, size=(64, 48))
    pool = WorkerPool(
        os.fsencode(root), WorkerOptions(), workers, timeout=30, work=killed_every_time
    )
    by_name = {r.task.relpath: r for r in pool.run(tasks_for(root))}
    assert attempts(root, "poison.jpg") == 2
    assert len(by_name) == 9
    poison = by_name.pop(b"poison.jpg")
    assert poison.error_stage == "crash"
    assert "killed by signal 9 (SIGKILL)" in (poison.error_reason or "")
    assert all(r.media is not None for r in by_name.values())


def test_a_file_that_crashed_an_earlier_run_gets_one_attempt(tmp_path: Path) -> None:
    root = tmp_path / "seizure"
    root.mkdir()
    make_jpeg(root / "00.jpg", seed=0, size=(64, 48))
    make_jpeg(root / "poison.jpg", seed=1, size=(64, 48))
    pool = WorkerPool(os.fsencode(root), WorkerOptions(), 1, timeout=30, work=killed_every_time)
    by_name = {r.task.relpath: r for r in pool.run(tasks_for(root), crashed={b"poison.jpg"})}
    assert attempts(root, "poison.jpg") == 1
    assert by_name[b"poison.jpg"].error_stage == "crash"
    assert by_name[b"00.jpg"].media is not None

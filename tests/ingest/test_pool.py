"""The worker pool abandons a file that takes too long and carries on with the rest."""

from __future__ import annotations

import os
from pathlib import Path

from tests.imagegen import make_jpeg
from vigil.ingest.pool import WorkerPool
from vigil.ingest.records import FileTask
from vigil.ingest.worker import WorkerOptions


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

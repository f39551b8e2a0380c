"""An ingest killed with SIGKILL or interrupted with Ctrl-C resumes to the same result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.imagegen import make_jpeg
from tests.ingest.seizuregen import build_bad
from tests.videogen import make_video
from vigil.config import Settings, sqlite_url
from vigil.store.db import Store
from vigil.store.models import IngestError, IngestRun, Media, Sighting

FILES = 600


@pytest.fixture(scope="module")
def big_seizure(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("resume") / "laptop"
    for index in range(FILES):
        folder = root / f"folder{index % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        make_jpeg(folder / f"photo{index:03d}.jpg", size=(1280, 960), seed=index % 50)
    make_video(root / "clip.mp4", seconds=2.0, fps=10, size=(96, 64), seed=1)
    build_bad(root)
    return root


def snapshot(store: Store) -> dict[str, Any]:
    """Everything an ingest stores, without ids and timestamps."""
    with store.session() as session:
        sightings = sorted(
            (
                s.path_raw,
                s.size,
                s.media.sha256,
                s.media.sha1,
                s.media.md5,
                s.media.kind,
                s.media.format,
                s.media.width,
                s.media.height,
                s.media.pdq,
                s.media.pdq_quality,
                repr(s.media.media_metadata),
            )
            for s in session.scalars(select(Sighting))
        )
        errors = sorted(
            (e.path_raw, e.stage, e.reason) for e in session.scalars(select(IngestError))
        )
        runs = [(r.status, r.files_total) for r in session.scalars(select(IngestRun))]
        media = session.scalar(select(func.count(Media.id)))
    return {"sightings": sightings, "errors": errors, "runs": runs, "media": media}


def _interruptible() -> None:
    """Let Ctrl-C reach the child as a KeyboardInterrupt, even when the tests were started in
    the background by a shell without job control (which ignores SIGINT for its children,
    and Python then installs no handler)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def vigil(*args: str, database_url: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "vigil", *args, "--database-url", database_url]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_interruptible,
    )


def finish(process: subprocess.Popen[bytes], timeout: float = 300) -> tuple[int, str]:
    """Wait for ``process``; its exit code and what it wrote to stderr."""
    _, stderr = process.communicate(timeout=timeout)
    return process.returncode, stderr.decode(errors="replace")


def wait_for_sightings(store: Store, at_least: int, process: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with store.session() as session:
            count = session.scalar(select(func.count(Sighting.id))) or 0
        if count >= at_least:
            return count
        assert process.poll() is None, finish(process)
        time.sleep(0.05)
    raise AssertionError("ingest made no progress")


def clean_run(big_seizure: Path, tmp_path: Path) -> dict[str, Any]:
    data_dir = tmp_path / "clean"
    url = sqlite_url(data_dir)
    process = vigil("ingest", str(big_seizure), "--case", "C", "--workers", "2", database_url=url)
    code, stderr = finish(process)
    assert code == 0, stderr
    store = Store(Settings(data_dir=data_dir, database_url=url))
    try:
        return snapshot(store)
    finally:
        store.close()


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_interrupted_ingest_resumes_to_the_clean_result(
    how: signal.Signals, store: Store, big_seizure: Path, tmp_path: Path
) -> None:
    url = store.settings.database_url
    args = ("ingest", str(big_seizure), "--case", "C", "--workers", "1")
    process = vigil(*args, database_url=url)
    stored = wait_for_sightings(store, 5, process)
    if how == signal.SIGKILL:
        os.killpg(process.pid, signal.SIGKILL)  # the whole group: workers die too
    else:
        process.send_signal(signal.SIGINT)
    code, stderr = finish(process, timeout=60)
    assert code == (-9 if how == signal.SIGKILL else 130), stderr
    partial = snapshot(store)
    assert stored <= len(partial["sightings"]) < FILES

    resumed = vigil(*args, database_url=url)
    code, stderr = finish(resumed)
    assert code == 0, stderr

    assert snapshot(store) == clean_run(big_seizure, tmp_path)

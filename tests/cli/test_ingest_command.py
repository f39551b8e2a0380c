"""`vigil ingest` as a user runs it: JSON summary, one-line errors, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.imagegen import make_jpeg
from vigil.config import Settings, sqlite_url
from vigil.signals.pdq import compare
from vigil.store.db import Store
from vigil.store.models import IngestRun, Media

VIGIL = [sys.executable, "-m", "vigil"]


def run(
    *args: str, data_dir: Path, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    command = [*prefix, *VIGIL, *args, "--data-dir", str(data_dir)]
    env = {k: v for k, v in os.environ.items() if k != "VIGIL_DATABASE_URL"}
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)


def test_json_summary(tmp_path: Path) -> None:
    folder = tmp_path / "card"
    folder.mkdir()
    for seed in range(3):
        make_jpeg(folder / f"{seed}.jpg", seed=seed)
    (folder / "again.jpg").write_bytes((folder / "0.jpg").read_bytes())

    result = run("ingest", str(folder), "--case", "OP-9", "--json", data_dir=tmp_path / "d")

    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["files"] == 4
    assert summary["media"] == 3
    assert summary["duplicates"] == 1
    assert summary["media_by_kind"] == {"image": 3}


def test_missing_path_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run("ingest", str(tmp_path / "nope"), "--case", "X", data_dir=tmp_path / "d")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "nope: no such folder" in result.stderr


def test_unwritable_data_dir_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "card").mkdir()
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    result = run("ingest", str(tmp_path / "card"), "--case", "X", data_dir=blocker / "data")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "cannot create data directory" in result.stderr


def _without_file_override() -> tuple[str, ...]:
    """A prefix that runs a command without the power to read other users' files."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a file unreadable")
    return ("setpriv", "--bounding-set=-dac_override,-dac_read_search")


def test_unreadable_file_is_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "card"
    folder.mkdir()
    make_jpeg(folder / "ok.jpg", seed=1)
    make_jpeg(folder / "locked.jpg", seed=2)
    (folder / "locked.jpg").chmod(0)
    result = run(
        "ingest",
        str(folder),
        "--case",
        "X",
        "--json",
        data_dir=tmp_path / "d",
        prefix=_without_file_override(),
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["media"] == 1
    assert summary["errors_by_reason"] == {"read: permission denied": 1}


def test_db_upgrade_creates_and_reports_the_database(tmp_path: Path) -> None:
    result = run("db", "upgrade", data_dir=tmp_path / "fresh")
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert (tmp_path / "fresh" / "vigil.db").is_file()


def stored_pdq(data_dir: Path) -> tuple[str, str]:
    """The PDQ mode of the one ingest run in ``data_dir`` and the PDQ of its one image."""
    store = Store(Settings(data_dir=data_dir, database_url=sqlite_url(data_dir)))
    try:
        with store.session() as session:
            mode = session.scalars(select(IngestRun.pdq_mode)).one()
            pdq = session.scalars(select(Media.pdq)).one()
    finally:
        store.close()
    assert pdq is not None
    return mode, pdq


def test_reference_mode_and_bad_mode(tmp_path: Path) -> None:
    folder = tmp_path / "card"
    folder.mkdir()
    make_jpeg(folder / "a.jpg", size=(800, 600), seed=3)
    common = ("ingest", str(folder), "--case", "X", "--json")
    fast = run(*common, data_dir=tmp_path / "fast")
    reference = run(*common, "--pdq-mode", "reference", data_dir=tmp_path / "ref")
    assert fast.returncode == 0, fast.stderr
    assert reference.returncode == 0, reference.stderr
    fast_run, fast_pdq = stored_pdq(tmp_path / "fast")
    reference_run, reference_pdq = stored_pdq(tmp_path / "ref")
    assert (fast_run, reference_run) == ("fast", "reference")
    assert compare(fast_pdq, reference_pdq).distance <= 16
    bad = run(*common, "--pdq-mode", "quick", data_dir=tmp_path / "bad")
    assert bad.returncode == 2
    assert "--pdq-mode must be fast or reference" in bad.stderr

"""`vigil ingest` makes the previews after its summary; `vigil previews make` and `status`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.imagegen import make_jpeg

VIGIL = [sys.executable, "-m", "vigil"]


def _run(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The command with its standard output and error in one stream, in order."""
    command = [*VIGIL, *args, "--data-dir", str(data_dir)]
    environment = {k: v for k, v in os.environ.items() if k != "VIGIL_DATABASE_URL"}
    environment.update(env, COLUMNS="200")
    return subprocess.run(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        env=environment,
        check=False,
    )


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "phone"
    folder.mkdir()
    for seed in range(3):
        make_jpeg(folder / f"{seed}.jpg", size=(200, 150), seed=seed)
    return folder


def test_ingest_makes_the_previews_after_its_summary(tmp_path: Path) -> None:
    data = tmp_path / "d"
    result = _run("ingest", str(_folder(tmp_path)), "--case", "OP-1", data_dir=data)
    assert result.returncode == 0, result.stdout
    summary = result.stdout.index("Known and new")
    made = result.stdout.index("previews: 3 made")
    assert summary < made
    status = _run("previews", "status", "OP-1/phone", data_dir=data)
    assert "previews of OP-1/phone: 3 made, 0 failed, 0 missing" in status.stdout
    assert len(list((data / "previews").rglob("*.blur"))) == 3


def test_no_previews_skips_the_pass_and_make_does_it_later(tmp_path: Path) -> None:
    data = tmp_path / "d"
    folder = _folder(tmp_path)
    skipped = _run("ingest", str(folder), "--case", "OP-1", "--no-previews", data_dir=data)
    assert skipped.returncode == 0, skipped.stdout
    assert "previews:" not in skipped.stdout
    assert not (data / "previews").exists()
    make_jpeg(folder / "later.jpg", size=(200, 150), seed=9)
    # The environment twin says the same.
    again = _run("ingest", str(folder), "--case", "OP-1", data_dir=data, VIGIL_NO_PREVIEWS="1")
    assert "previews:" not in again.stdout
    status = _run("previews", "status", "OP-1/phone", data_dir=data)
    assert "0 made, 0 failed, 4 missing" in status.stdout

    (folder / "1.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"no longer a picture" * 20)
    made = _run("previews", "make", "OP-1/phone", data_dir=data)
    assert made.returncode == 0, made.stdout
    assert "previews: 3 made; 1 failed" in made.stdout
    status = _run("previews", "status", "OP-1/phone", data_dir=data)
    assert "3 made, 1 failed, 0 missing" in status.stdout
    assert "failed: 1.jpg: " in status.stdout


def test_only_an_agency_that_may_see_the_seizure_makes_its_previews(tmp_path: Path) -> None:
    data = tmp_path / "d"
    _run("ingest", str(_folder(tmp_path)), "--case", "OP-1", "--no-previews", data_dir=data)
    created = _run(
        "agency",
        "create",
        "NCB-BR",
        "--name",
        "NCB Brazil",
        "--kind",
        "ncb",
        "--country",
        "BR",
        data_dir=data,
    )
    assert created.returncode == 0, created.stdout
    refused = _run("previews", "make", "OP-1/phone", "--agency", "NCB-BR", data_dir=data)
    assert refused.returncode == 2
    assert "no seizure" in refused.stdout
    assert not (data / "previews").exists()

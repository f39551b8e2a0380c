"""A full disk, a read-only file system, a denied permission: one line, exit 2, then resume."""

from __future__ import annotations

import errno
import json
import sqlite3
import stat
import subprocess
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from tests.cli.mounts import remount, tmpfs
from tests.cli.test_ingest_command import VIGIL, _without_file_override, run
from tests.imagegen import make_jpeg
from tests.ingest.seizuregen import build_bad, build_good
from vigil.cli import main as cli_main
from vigil.cli.failures import explain, note_database
from vigil.config import Settings, sqlite_url
from vigil.store.db import Store
from vigil.store.models import IngestError, IngestRun, Media, Sighting
from vigil.store.retry import LockTimeoutError


def error_lines(stderr: str) -> list[str]:
    """What a command said on stderr, without its progress bar."""
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith("ingest")]


def stored(data_dir: Path) -> tuple[set[tuple[str, str]], set[tuple[str, str, str]], list[str]]:
    """The sightings (path, sha256), errors (path, stage, reason) and run statuses stored."""
    store = Store(Settings(data_dir=data_dir, database_url=sqlite_url(data_dir)))
    try:
        with store.session() as session:
            sightings = session.execute(
                select(Sighting.path, Media.sha256).join(Media, Sighting.media_id == Media.id)
            )
            errors = session.execute(
                select(IngestError.path, IngestError.stage, IngestError.reason)
            )
            runs = list(session.scalars(select(IngestRun.status)))
            return {tuple(r) for r in sightings}, {tuple(r) for r in errors}, runs  # type: ignore[misc]
    finally:
        store.close()


@pytest.mark.slow
def test_disk_full_is_one_line_and_the_same_command_resumes(tmp_path: Path) -> None:
    card = tmp_path / "card"
    build_good(card, images=150)
    build_bad(card)
    ingest = ("ingest", str(card), "--case", "OP-FULL", "--json", "--workers", "2")
    with tmpfs(tmp_path / "small", "4m") as data:
        assert run("db", "upgrade", data_dir=data).returncode == 0
        # Room for the run to start (its row and first events), not for its 150 pictures:
        # sized from what the schema takes, which grows with every migration.
        used = sum(f.stat().st_size for f in data.rglob("*") if f.is_file())
        remount(data, f"size={used // 1024 + 256}k")

        full = run(*ingest, data_dir=data)

        assert full.returncode == 2, full.stderr
        [line] = error_lines(full.stderr)
        assert line.startswith("error: the database ")
        assert str(data) in line
        assert "no space left" in line
        assert "run the same command again" in line
        assert full.stdout == ""

        remount(data, "size=32m")
        again = run(*ingest, data_dir=data)

        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["resumed"] is True
        resumed = stored(data)
    clean = run(*ingest, data_dir=tmp_path / "clean")
    assert clean.returncode == 0, clean.stderr
    expected = stored(tmp_path / "clean")
    assert len(expected[0]) == 150 + 4
    assert len(expected[1]) == 7
    assert resumed == expected


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding seizure "card" of case X (three pictures); read only."""
    folder = tmp_path_factory.mktemp("ingested")
    card = folder / "card"
    card.mkdir()
    for seed in range(3):
        make_jpeg(card / f"{seed}.jpg", seed=seed)
    result = run("ingest", str(card), "--case", "X", "--workers", "1", data_dir=folder / "d")
    assert result.returncode == 0, result.stderr
    return folder / "d"


def test_report_file_is_private_and_replaced_whole(ingested: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("an older report")
    target.chmod(0o644)

    result = run("report", "card", "-o", str(target), data_dir=ingested)

    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text().startswith("Triage report: case X, seizure card")
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


def test_report_into_a_missing_folder_is_one_line(ingested: Path, tmp_path: Path) -> None:
    result = run("report", "card", "-o", str(tmp_path / "nope" / "r.txt"), data_dir=ingested)
    assert result.returncode == 2
    [line] = error_lines(result.stderr)
    assert f"no folder {tmp_path / 'nope'}" in line


def test_report_on_a_read_only_file_system_is_one_line(ingested: Path, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", "1m") as mounted:
        remount(mounted, "ro")
        result = run("report", "card", "-o", str(mounted / "r.html"), data_dir=ingested)
    assert result.returncode == 2
    [line] = error_lines(result.stderr)
    assert "r.html" in line
    assert "read-only file system" in line


def test_report_without_permission_is_one_line(ingested: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    command = [*_without_file_override(), *VIGIL, "report", "card", "-o", str(locked / "r.csv")]
    result = subprocess.run(
        [*command, "--format", "csv", "--data-dir", str(ingested)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    [line] = error_lines(result.stderr)
    assert "r.csv" in line
    assert "permission denied" in line


def test_report_to_a_full_standard_output_is_one_line(ingested: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [*VIGIL, "report", "card", "--data-dir", str(ingested)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2
    [line] = error_lines(result.stderr)
    assert line.startswith("error: the standard output: no space left")


@pytest.mark.slow
def test_read_only_data_directory_is_one_line_then_resumes(tmp_path: Path) -> None:
    card = tmp_path / "card"
    card.mkdir()
    make_jpeg(card / "a.jpg", seed=1)
    with tmpfs(tmp_path / "data", "8m") as data:
        assert run("db", "upgrade", data_dir=data).returncode == 0
        remount(data, "ro")
        refused = run("ingest", str(card), "--case", "X", data_dir=data)
        assert refused.returncode == 2
        [line] = error_lines(refused.stderr)
        assert str(data) in line
        assert "not writable" in line
        remount(data, "rw")
        assert run("ingest", str(card), "--case", "X", data_dir=data).returncode == 0


def test_locked_database_is_explained_with_its_path(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=sqlite_url(tmp_path))
    note_database(settings)
    holder = sqlite3.connect(tmp_path / "vigil.db")
    holder.execute("BEGIN EXCLUSIVE")
    engine = create_engine(settings.database_url, connect_args={"timeout": 0})
    try:
        with pytest.raises(OperationalError) as caught, engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (a INTEGER)"))
    finally:
        engine.dispose()
        holder.close()
    message = explain(caught.value)
    assert message is not None
    assert message.startswith(f"the database {tmp_path / 'vigil.db'} (data directory ")
    assert "database is locked: run the same command again when the other one has finished" in (
        message
    )
    # Past the ingest writer's back-off, its own words say how long it waited.
    waited = "another writer kept the database locked for 95 s, longer than Vigil waits for it"
    timed_out = LockTimeoutError(waited)
    timed_out.__cause__ = caught.value
    assert explain(timed_out) == (
        f"the database {tmp_path / 'vigil.db'} (data directory {tmp_path}): {waited}: "
        "run the same command again when the other one has finished: it continues where it "
        "stopped"
    )


def test_postgres_disk_full_names_the_server_without_its_password() -> None:
    note_database(
        Settings(Path("unused"), "postgresql+psycopg://vigil:s3cret@db.example:5432/vigil")
    )
    wrapped = OperationalError(
        "INSERT", {}, psycopg.errors.DiskFull("could not extend file: No space left on device")
    )
    message = explain(wrapped)
    assert message is not None
    assert "db.example:5432/vigil" in message
    assert "s3cret" not in message
    assert "no space left" in message


def test_bugs_keep_their_traceback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "x.db")
    with pytest.raises(sqlite3.OperationalError) as syntax:
        connection.execute("SELEC 1")
    connection.close()
    assert explain(syntax.value) is None
    assert explain(KeyError("media")) is None

    def buggy() -> None:
        raise KeyError("media")

    monkeypatch.setattr(cli_main, "app", buggy)
    with pytest.raises(KeyError):
        cli_main.main()


def test_machine_failure_anywhere_ends_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full() -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/srv/vigil/export.json")

    monkeypatch.setattr(cli_main, "app", full)
    with pytest.raises(SystemExit) as exited:
        cli_main.main()
    assert exited.value.code == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: /srv/vigil/export.json: no space left on the disk")

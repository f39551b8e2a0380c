"""The data directory Vigil creates is owner-only (0700), and so are the database and every
side file SQLite makes beside it (0600), whatever the umask lets others read."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from vigil.config import Settings, sqlite_url
from vigil.store.db import Store


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("umask_022")
def test_new_data_dir_and_database_files_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "parent" / "vigil-data"
    store = Store(Settings(data_dir=data_dir, database_url=sqlite_url(data_dir)))
    with store.session() as session:
        session.execute(text("SELECT count(*) FROM agency"))
        # While a connection is open SQLite keeps its write-ahead log and shared memory.
        files = {path.name: mode(path) for path in data_dir.iterdir()}
    store.close()

    assert mode(data_dir) == 0o700
    assert files == {
        "vigil.db": 0o600,
        "vigil.db-wal": 0o600,
        "vigil.db-shm": 0o600,
        "vigil.db.lock": 0o600,
    }
    assert mode(data_dir.parent) == 0o755  # only the data directory itself is Vigil's


@pytest.mark.usefixtures("umask_022")
def test_existing_data_dir_keeps_the_mode_its_owner_chose(tmp_path: Path) -> None:
    data_dir = tmp_path / "shared"
    data_dir.mkdir(mode=0o750)
    Store(Settings(data_dir=data_dir, database_url=sqlite_url(data_dir))).close()

    assert mode(data_dir) == 0o750
    assert mode(data_dir / "vigil.db") == 0o600

"""`vigil db upgrade` killed with SIGKILL at many moments of the first migration leaves either
no schema or the whole schema, never part of one, and the next `vigil db upgrade` just works.

A run left alone is timed first, so that the kill moments follow the machine's speed: some
from the instant the database file appears (SQLite), most from the instant the migration lock
is seen taken, spread over the time a run holds it. Each kill records whether the lock was
held at that instant, and the tests insist that several were and left nothing behind, so a
run whose kills all missed the migration cannot pass.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack, closing
from functools import partial
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect, text
from typer.testing import CliRunner

from tests.conftest import PostgresServer
from vigil.cli.main import app
from vigil.config import Settings
from vigil.store.db import MIGRATIONS_DIR, Store, alembic_config
from vigil.store.models import Base
from vigil.store.repo import case_by_reference, default_agency, seizure_by_name

pytestmark = pytest.mark.slow

VIGIL = [sys.executable, "-m", "vigil"]
# Kills timed from the database file's appearance, as shares of the time until the lock is
# taken: the file just created, the connection being set up, the schema version being read.
EARLY = (0.0, 0.4, 0.8)
# Kills timed from the lock being seen taken, as shares of how long a run left alone holds it.
DURING = (0.0, 0.1, 0.2, 0.3, 0.45, 0.6, 0.75, 0.9)
EVERY_TABLE = {*Base.metadata.tables, "alembic_version"}
PG_LOCK_KEY = 0x56494731  # the first half of Vigil's migration advisory lock


def head() -> str:
    revision = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert revision is not None
    return revision


def spawn_upgrade(*target: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    return subprocess.Popen(
        [*VIGIL, "db", "upgrade", *target],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )


def wait_until(ready: Callable[[], bool], process: subprocess.Popen[bytes]) -> float:
    """Poll ``ready`` until it holds; the monotonic time it did. Fails if the process ends
    first: every run here is killed or timed inside its migration."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if ready():
            return time.monotonic()
        if process.poll() is not None:
            pytest.fail(f"vigil db upgrade ended (exit {process.returncode}) before the moment")
        time.sleep(0.0005)
    pytest.fail("vigil db upgrade neither reached the moment nor ended within 60 s")


def calibrate(
    process: subprocess.Popen[bytes], started: Callable[[], bool], migrating: Callable[[], bool]
) -> tuple[float, float]:
    """Seconds from ``started`` until the lock is taken, and how long it is held, in a run left
    alone (the exit after it is slow and irrelevant)."""
    opened = wait_until(started, process)
    locked = wait_until(migrating, process)
    while migrating():
        time.sleep(0.0005)
    released = time.monotonic()
    assert process.wait(timeout=60) == 0
    return locked - opened, released - locked


def kill_at(process: subprocess.Popen[bytes], delay: float, held: Callable[[], bool]) -> bool:
    """SIGKILL the process ``delay`` seconds from now; whether it held the lock right then."""
    time.sleep(delay)
    holding = held()
    process.kill()
    process.wait(timeout=30)
    return holding


def recover_and_use(*target: str) -> None:
    """A plain `vigil db upgrade` succeeds, and the database then takes and returns data."""
    runner = CliRunner()
    env = {"VIGIL_USER": "tester", "VIGIL_DATA_DIR": None, "VIGIL_DATABASE_URL": None}
    upgraded = runner.invoke(app, ["db", "upgrade", *target], env=env)
    assert upgraded.exit_code == 0, upgraded.stderr
    created = runner.invoke(app, ["bank", "create", "after-kill", *target], env=env)
    assert created.exit_code == 0, created.stderr
    listed = runner.invoke(app, ["bank", "list", "--json", *target], env=env)
    assert [bank["name"] for bank in json.loads(listed.stdout)] == ["after-kill"]


def sqlite_schema(database: Path) -> tuple[set[str], list[str]]:
    with closing(sqlite3.connect(database)) as connection:
        tables = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        versions = (
            [v for (v,) in connection.execute("SELECT version_num FROM alembic_version")]
            if "alembic_version" in tables
            else []
        )
    return tables, versions


def flock_held(lock: Path) -> bool:
    """Whether some process holds the exclusive lock on ``lock`` (probed without waiting)."""
    if not lock.exists():
        return False
    with lock.open("rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def empty(tables: set[str], versions: list[str]) -> bool:
    """The schema is absent or complete at head (asserted); True when it is absent."""
    if not tables:
        return True
    assert tables == EVERY_TABLE, f"partial schema left by a kill: {sorted(tables)}"
    assert versions == [head()]
    return False


def assert_kills_hit_the_migration(kills: list[tuple[str, bool, bool]]) -> None:
    interrupted = [moment for moment, holding, left_empty in kills if holding and left_empty]
    assert len(interrupted) >= 3, f"too few kills interrupted the migration: {kills}"


def test_sqlite_first_migration_killed_at_many_moments(tmp_path: Path) -> None:
    calibration = tmp_path / "calibration"
    held = partial(flock_held, calibration / "vigil.db.lock")
    process = spawn_upgrade("--data-dir", str(calibration))
    before_lock, lock_held = calibrate(process, (calibration / "vigil.db").exists, held)

    kills: list[tuple[str, bool, bool]] = []  # (moment, lock held, schema left empty)
    moments = [("file", share * before_lock) for share in EARLY]
    moments += [("lock", share * lock_held) for share in DURING]
    for number, (since, delay) in enumerate(moments):
        data_dir = tmp_path / f"kill-{number}"
        database = data_dir / "vigil.db"
        held = partial(flock_held, data_dir / "vigil.db.lock")
        process = spawn_upgrade("--data-dir", str(data_dir))
        wait_until(database.exists if since == "file" else held, process)
        holding = kill_at(process, delay, held)
        kills.append((f"{since}+{delay * 1000:.0f}ms", holding, empty(*sqlite_schema(database))))
        recover_and_use("--data-dir", str(data_dir))

    assert_kills_hit_the_migration(kills)


def migration_locked(connection: Connection, schema: str) -> bool:
    """Whether some session holds Vigil's migration lock on ``schema`` of this database."""
    return bool(
        connection.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid::bigint = :key AND objid = hashtext(:schema)::oid"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"key": PG_LOCK_KEY, "schema": schema},
        ).scalar_one()
    )


def postgres_schema(connection: Connection, schema: str) -> tuple[set[str], list[str]]:
    tables = set(
        connection.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
            {"s": schema},
        ).scalars()
    )
    versions: list[str] = []
    if "alembic_version" in tables:
        versions = list(
            connection.execute(text(f"SELECT version_num FROM {schema}.alembic_version")).scalars()
        )
    return tables, versions


@pytest.mark.postgres
def test_postgres_first_migration_killed_at_many_moments(postgres_server: PostgresServer) -> None:
    with postgres_server.engine.connect() as watcher:
        schema, url = postgres_server.create_schema()
        migrating = partial(migration_locked, watcher, schema)
        process = spawn_upgrade("--database-url", url.render_as_string(hide_password=False))
        _, lock_held = calibrate(process, migrating, migrating)
        postgres_server.drop_schema(schema)

        kills: list[tuple[str, bool, bool]] = []
        for share in DURING:
            schema, url = postgres_server.create_schema()
            target = ("--database-url", url.render_as_string(hide_password=False))
            migrating = partial(migration_locked, watcher, schema)
            process = spawn_upgrade(*target)
            wait_until(migrating, process)
            holding = kill_at(process, share * lock_held, migrating)
            left_empty = empty(*postgres_schema(watcher, schema))
            kills.append((f"lock+{share * lock_held * 1000:.0f}ms", holding, left_empty))
            recover_and_use(*target)
            postgres_server.drop_schema(schema)

    assert_kills_hit_the_migration(kills)


State = tuple[str, frozenset[str], list[str]]  # schema version, tables, case/seizure rows


def populated_at_first_revision(settings: Settings) -> State:
    """Cases and seizures in a database taken back to migration 0001; its state."""
    store = Store(settings)
    with store.session() as session:
        agency = default_agency(session)
        for reference in ("OP-1", "OP-2"):
            case = case_by_reference(session, agency, reference)
            seizure_by_name(session, case, "phone")
            seizure_by_name(session, case, "laptop")
    command.downgrade(alembic_config(store.engine), "0001")
    store.close()
    return state(settings)


def state(settings: Settings) -> State:
    engine = create_engine(settings.database_url)
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        tables = frozenset(inspect(connection).get_table_names())
        found = connection.execute(
            text(
                "SELECT cases.reference, seizure.name FROM seizure"
                " JOIN cases ON cases.id = seizure.case_id ORDER BY seizure.id"
            )
        ).all()
    engine.dispose()
    return version, tables, [f"{reference}/{name}" for reference, name in found]


def test_later_migration_killed_on_a_populated_database(settings: Settings) -> None:
    before = populated_at_first_revision(settings)
    migrated = (head(), frozenset(EVERY_TABLE), before[2])
    with ExitStack() as stack:
        if settings.is_sqlite:
            target = ("--data-dir", str(settings.data_dir))
            migrating = partial(flock_held, settings.data_dir / "vigil.db.lock")
        else:
            target = ("--database-url", settings.database_url)
            engine = create_engine(settings.database_url, isolation_level="AUTOCOMMIT")
            stack.callback(engine.dispose)
            watcher = stack.enter_context(engine.connect())
            schema = watcher.execute(text("SELECT current_schema()")).scalar_one()
            migrating = partial(migration_locked, watcher, schema)
        _, lock_held = calibrate(spawn_upgrade(*target), migrating, migrating)
        assert state(settings) == migrated

        kills: list[tuple[str, bool, bool]] = []
        for share in DURING[::2]:
            populated_at_first_revision(settings)
            process = spawn_upgrade(*target)
            wait_until(migrating, process)
            holding = kill_at(process, share * lock_held, migrating)
            after = state(settings)
            assert after in (before, migrated), f"a kill left {after}"
            kills.append((f"lock+{share * lock_held * 1000:.0f}ms", holding, after == before))

    assert_kills_hit_the_migration(kills)
    recover_and_use(*target)
    assert state(settings)[2] == before[2]

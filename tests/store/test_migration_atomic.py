"""Migrations are all-or-nothing on a populated database, one process migrates at a time, and
a database an older Vigil left half-created is refused in one line."""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select
from typer.testing import CliRunner

from vigil.cli.main import app
from vigil.config import Settings
from vigil.store.db import MIGRATIONS_DIR, Store, alembic_config, is_current
from vigil.store.models import Case, Seizure
from vigil.store.repo import case_by_reference, default_agency, seizure_by_name

VIGIL = [sys.executable, "-m", "vigil"]

# A migration that changes schema and data the way real ones do (a new table, a rebuilt table
# on SQLite, rows updated and deleted), then fails before it is done.
FAILING_MIGRATION = '''"""fails midway

Revision ID: 9999
Revises: {down}
"""

import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("scratch", sa.Column("id", sa.Integer(), primary_key=True))
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("cases", recreate="always" if sqlite else "auto") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
    op.execute("UPDATE cases SET reference = 'CHANGED'")
    op.execute("DELETE FROM seizure")
    raise RuntimeError("this migration fails midway")


def downgrade() -> None:
    pass
'''


def test_failing_migration_leaves_schema_and_rows_as_they_were(
    store: Store, tmp_path: Path
) -> None:
    with store.session() as session:
        case = case_by_reference(session, default_agency(session), "OP-1")
        seizure_by_name(session, case, "phone")
        seizure_by_name(session, case, "laptop")

    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    (scripts / "versions" / "9999_fails.py").write_text(FAILING_MIGRATION.format(down=head))
    config = alembic_config(store.engine)
    config.set_main_option("script_location", str(scripts))

    with pytest.raises(RuntimeError, match="fails midway"):
        command.upgrade(config, "head")

    assert is_current(store.engine)  # still at the real head: the version row did not move
    inspector = inspect(store.engine)
    assert "scratch" not in inspector.get_table_names()
    assert "note" not in {column["name"] for column in inspector.get_columns("cases")}
    with store.session() as session:
        assert session.scalars(select(Case.reference)).all() == ["OP-1"]
        assert session.scalar(select(func.count()).select_from(Seizure)) == 2


def run_vigil(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    return subprocess.Popen(
        [*VIGIL, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**env, "VIGIL_USER": "tester"},
    )


def target_of(settings: Settings) -> tuple[str, ...]:
    if settings.is_sqlite:
        return ("--data-dir", str(settings.data_dir))
    return ("--database-url", settings.database_url)


def test_commands_started_together_on_a_fresh_database_both_succeed(settings: Settings) -> None:
    target = target_of(settings)
    together = [run_vigil("db", "upgrade", *target), run_vigil("bank", "list", *target)]
    for process in together:
        stdout, stderr = process.communicate(timeout=120)
        assert (process.returncode, stderr) == (0, ""), stdout

    store = Store(settings)
    assert is_current(store.engine)
    store.close()


def test_upgrade_waits_for_the_migration_lock(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with (data_dir / "vigil.db.lock").open("wb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        process = run_vigil("db", "upgrade", "--data-dir", str(data_dir))
        time.sleep(3)  # ample time to start and migrate, were it not waiting
        assert process.poll() is None, process.communicate()
        with closing(sqlite3.connect(data_dir / "vigil.db")) as connection:
            assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    stdout, stderr = process.communicate(timeout=120)
    assert (process.returncode, stderr) == (0, "")
    assert "up to date" in stdout


def test_half_created_database_is_one_clear_line(tmp_path: Path) -> None:
    # What Vigil before atomic migrations left when killed during its first start.
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with closing(sqlite3.connect(data_dir / "vigil.db")) as connection:
        connection.execute("CREATE TABLE agency (id INTEGER PRIMARY KEY)")
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.commit()

    result = CliRunner().invoke(
        app, ["db", "upgrade", "--data-dir", str(data_dir)], env={"VIGIL_DATABASE_URL": None}
    )

    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(data_dir / "vigil.db") in lines[0]
    assert "no schema version" in lines[0]
    assert "move it aside" in lines[0]

"""Opening the database: the SQLite file by default, PostgreSQL when configured.

Migrations apply on first use, so a fresh data directory is ready without a separate step.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from vigil.config import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class StoreError(Exception):
    """The database cannot be opened or prepared; the message says what to fix."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _prepare_data_dir(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create data directory {data_dir}: {exc.strerror}") from exc
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise StoreError(f"data directory {data_dir} is not writable")


def make_engine(settings: Settings) -> Engine:
    """An engine for the configured database (creating the SQLite data directory)."""
    if settings.is_sqlite:
        database = make_url(settings.database_url).database
        if database and database != ":memory:":
            _prepare_data_dir(Path(database).parent)
        engine = create_engine(settings.database_url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(settings.database_url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration pointing at Vigil's migrations and this engine."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def is_current(engine: Engine) -> bool:
    """Whether the database schema is at the newest migration."""
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads


def upgrade(engine: Engine) -> None:
    """Apply every migration the database lacks."""
    command.upgrade(alembic_config(engine), "head")


class Store:
    """The open database: an engine and a session factory, schema up to date."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        try:
            if not is_current(self.engine):
                upgrade(self.engine)
        except Exception as exc:
            self.engine.dispose()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"cannot open database {self.describe()}: {exc}") from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def describe(self) -> str:
        """The database location without any password."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

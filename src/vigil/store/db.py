"""Opening the database: the SQLite file by default, PostgreSQL when configured.

Migrations apply on first use, so a fresh data directory is ready without a separate step.
Every run of migrations is one transaction taken by one process at a time: a process killed
or failing midway leaves the schema and the data as they were, and a second process waits for
the first, then finds the work done.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from vigil.config import Settings
from vigil.store.models import Base

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The database holds evidence metadata: owner only. SQLite gives its WAL, shared-memory and
# journal files the mode of the database file, so creating that one private covers them all.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# First half of the PostgreSQL advisory lock key for migrations; the second is the schema's.
_PG_MIGRATION_LOCK = 0x56494731


class StoreError(Exception):
    """The database cannot be opened or prepared; the message says what to fix."""


class QueryTimeoutError(StoreError):
    """A read took longer than its time limit and was stopped."""


# SQLite calls the progress handler every this many virtual-machine instructions.
_SQLITE_PROGRESS_STEPS = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_file(url: str | URL) -> Path | None:
    """The file of an SQLite database URL, or None for an in-memory database."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _prepare_data_dir(data_dir: Path) -> None:
    """Create the data directory owner-only.

    A directory that already exists keeps its mode: the user chose it, and may share it on
    purpose; only what Vigil creates is made private.
    """
    try:
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        if not data_dir.is_dir():
            with suppress(FileExistsError):  # another process created it a moment ago
                data_dir.mkdir(mode=PRIVATE_DIR_MODE)
    except OSError as exc:
        raise StoreError(f"cannot create data directory {data_dir}: {exc.strerror}") from exc
    if not data_dir.is_dir():
        raise StoreError(f"data directory {data_dir} is not a directory")
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise StoreError(f"data directory {data_dir} is not writable")


def _create_private_file(path: Path) -> None:
    """Create ``path`` empty and owner-only unless it exists (an empty file is a valid,
    empty SQLite database)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StoreError(f"cannot create database {path}: {exc.strerror}") from exc


def make_engine(settings: Settings) -> Engine:
    """An engine for the configured database (creating the SQLite data directory)."""
    if settings.is_sqlite:
        database = _sqlite_file(settings.database_url)
        if database is not None:
            _prepare_data_dir(database.parent)
            _create_private_file(database)
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


@contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created owner-only), waiting for any other holder.

    The kernel drops the lock when its holder exits, even by ``kill -9``, so a killed
    migration never leaves the data directory locked.
    """
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


@contextmanager
def _sqlite_transaction(url: URL) -> Iterator[Connection]:
    """A connection to the SQLite file on which everything, DDL included, is one transaction.

    Python's sqlite3 module begins a transaction only before INSERT, UPDATE and DELETE, so each
    of Alembic's CREATE and ALTER statements would otherwise commit on its own. Here the
    driver's transaction handling is off and the transaction is begun explicitly, IMMEDIATE so
    that no other writer slips in once the schema version has been read. Foreign keys are off
    while batch migrations rebuild tables (a DROP of a referenced table would otherwise delete
    or refuse rows) and are checked before the commit, as SQLite prescribes for schema changes.
    """
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_connection, record)
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with engine.begin() as connection:
            yield connection
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
            if broken is not None:
                raise StoreError(
                    f"migration of {url.database} would leave rows of table {broken[0]} "
                    f"referring to missing rows of {broken[2]}; nothing was changed"
                )
    finally:
        engine.dispose()


def _refuse_unversioned_tables(connection: Connection) -> None:
    """Refuse a database holding Vigil's tables without a schema version.

    Vigil before migrations were atomic left this behind when killed during its first start;
    migrating it would fail on the first CREATE TABLE, and guessing what it holds would be
    worse than asking.
    """
    if MigrationContext.configure(connection).get_current_heads():
        return
    found = set(inspect(connection).get_table_names()) & set(Base.metadata.tables)
    if found:
        where = connection.engine.url.render_as_string(hide_password=True)
        raise StoreError(
            f"database {where} has Vigil tables ({', '.join(sorted(found))}) but no schema "
            "version: an earlier first start was interrupted; move it aside (or drop those "
            "tables) and run again"
        )


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """The connection Alembic migrates on: its whole use is one transaction, and one process
    at a time holds it.

    The lock is taken before Alembic reads the schema version, so a process that waited finds
    the migrations already applied and does nothing. SQLite: an exclusive lock on a file beside
    the database. PostgreSQL: a transaction-scoped advisory lock per schema, released at commit,
    rollback, or when a killed client's connection drops.
    """
    dialect = engine.dialect.name
    database = _sqlite_file(engine.url) if dialect == "sqlite" else None
    if database is not None:
        with (
            _exclusive_lock(database.with_name(database.name + ".lock")),
            _sqlite_transaction(engine.url) as connection,
        ):
            _refuse_unversioned_tables(connection)
            yield connection
        return
    # An in-memory SQLite database lives and dies with one process: nothing to lock or leave.
    with engine.begin() as connection:
        if dialect == "postgresql":
            connection.execute(
                text(
                    "SELECT pg_advisory_xact_lock(:key, hashtext(coalesce(current_schema(), '')))"
                ),
                {"key": _PG_MIGRATION_LOCK},
            )
        _refuse_unversioned_tables(connection)
        yield connection


Revisions = tuple[tuple[str, ...], tuple[str, ...]]


def upgrade(engine: Engine) -> Revisions:
    """Apply every migration the database lacks, all or nothing.

    Returns the schema revisions before and after, as read under the migration lock: equal
    when another process had just done the work.
    """
    config = alembic_config(engine)
    command.upgrade(config, "head")
    revisions: Revisions = config.attributes.get("revisions", ((), ()))
    return revisions


def _one_line(exc: Exception) -> str:
    """The driver's own message for a database error, without SQLAlchemy's SQL dump."""
    reason = exc.orig if isinstance(exc, DBAPIError) else exc
    lines = str(reason).strip().splitlines()
    return lines[0] if lines else type(reason).__name__


class Store:
    """The open database: an engine and a session factory, schema up to date."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        #: The schema revisions before and after the migrations this store applied, if any.
        self.migrated: Revisions | None = None
        try:
            if not is_current(self.engine):
                before, after = upgrade(self.engine)
                if before != after:
                    self.migrated = (before, after)
        except Exception as exc:
            self.engine.dispose()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"cannot open database {self.describe()}: {_one_line(exc)}") from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def describe(self) -> str:
        """The database location without any password."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read_session(self, timeout_seconds: float) -> Iterator[Session]:
        """A session that may only read, each statement stopped after ``timeout_seconds``.

        What the web and the API read goes through one (as datasette does): a slow query
        cannot hold the server, and a bug cannot write. PostgreSQL: a READ ONLY transaction
        with a local ``statement_timeout``. SQLite: ``PRAGMA query_only`` on the connection
        and a progress handler that interrupts a statement past its time (both undone before
        the connection goes back to the pool). A statement stopped for time raises
        QueryTimeoutError; a write raises the driver's error. Nothing is committed.
        """
        with self._sessions() as session:
            connection = session.connection()
            sqlite = connection.dialect.name == "sqlite"
            raw: Any = connection.connection.driver_connection
            if sqlite:
                deadline = 0.0

                def _over_time() -> int:
                    return 1 if time.monotonic() > deadline else 0

                raw.execute("PRAGMA query_only = ON")
                deadline = time.monotonic() + timeout_seconds
                raw.set_progress_handler(_over_time, _SQLITE_PROGRESS_STEPS)
            else:
                session.execute(text("SET TRANSACTION READ ONLY"))
                session.execute(
                    text("SELECT set_config('statement_timeout', :limit, true)"),
                    {"limit": str(max(1, int(timeout_seconds * 1000)))},
                )
            try:
                yield session
            except OperationalError as exc:
                if _timed_out(exc, sqlite):
                    raise QueryTimeoutError(
                        f"query stopped after its time limit of {timeout_seconds:g} s; "
                        "narrow the request (filters, a smaller page)"
                    ) from exc
                raise
            finally:
                # Undone before the connection can go back to the pool.
                if sqlite:
                    raw.set_progress_handler(None, 0)
                    raw.execute("PRAGMA query_only = OFF")
                session.rollback()

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()


def _timed_out(exc: OperationalError, sqlite: bool) -> bool:
    """Whether ``exc`` is a statement stopped by a read session's time limit."""
    if sqlite:
        return "interrupted" in str(exc.orig)
    return getattr(exc.orig, "sqlstate", None) == "57014"  # query_canceled

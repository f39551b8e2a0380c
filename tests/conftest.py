"""Shared fixtures: conformance data, and a fresh store on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from vigil.config import Settings, sqlite_url
from vigil.store.db import Store

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ENV = "VIGIL_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def conformance_data() -> Path:
    """Meta's PDQ / vPDQ conformance vectors (../shared/data or $VIGIL_CONFORMANCE_DATA)."""
    folder = Path(os.environ.get("VIGIL_CONFORMANCE_DATA") or REPO_ROOT.parent / "shared" / "data")
    if not (folder / "pdq").is_dir():
        missing = f"conformance data not found at {folder} (set VIGIL_CONFORMANCE_DATA)"
        # CI always has it: there, a missing folder is a broken set-up, not a reason to skip.
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    return folder


class PostgresServer:
    """This test run's own database on the PostgreSQL server, one schema per test.

    A schema is much cheaper to create than a database, and dropping it leaves nothing behind;
    the run's database itself is dropped at the end, since the server outlives test runs.
    """

    def __init__(self, url: URL) -> None:
        self.admin_url = url
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")
        self.database = f"vigil_test_{secrets.token_hex(4)}"
        self.url = url.set(database=self.database)
        self.engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.schemas = 0

    def create_database(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {self.database}"))

    def create_schema(self) -> tuple[str, URL]:
        self.schemas += 1
        schema = f"test_{self.schemas}"
        with self.engine.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        return schema, self.url.update_query_dict({"options": f"-csearch_path={schema}"})

    def drop_schema(self, schema: str) -> None:
        with self.engine.connect() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))

    def close(self) -> None:
        self.engine.dispose()
        with self.admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)"))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The PostgreSQL server: required when $VIGIL_TEST_POSTGRES_URL is set, else optional."""
    configured = os.environ.get(POSTGRES_ENV)
    server = PostgresServer(make_url(configured or DEFAULT_POSTGRES_URL))
    try:
        server.create_database()
    except Exception as exc:
        server.admin.dispose()
        if configured:
            pytest.fail(f"{POSTGRES_ENV} is set but the server is unreachable: {exc}")
        pytest.skip(f"no PostgreSQL server at {DEFAULT_POSTGRES_URL} ({POSTGRES_ENV} unset)")
    yield server
    server.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings for a fresh, empty database: an SQLite file, or a new PostgreSQL database."""
    data_dir = tmp_path / "vigil-data"
    if request.param == "sqlite":
        yield Settings(data_dir=data_dir, database_url=sqlite_url(data_dir))
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    schema, url = server.create_schema()
    yield Settings(data_dir=data_dir, database_url=url.render_as_string(hide_password=False))
    server.drop_schema(schema)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    """An open store on a fresh database."""
    opened = Store(settings)
    yield opened
    opened.close()

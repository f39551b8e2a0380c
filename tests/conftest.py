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
        pytest.skip(f"conformance data not found at {folder} (set VIGIL_CONFORMANCE_DATA)")
    return folder


class PostgresServer:
    """Creates and drops this test run's databases on the PostgreSQL server."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.prefix = f"vigil_test_{secrets.token_hex(4)}"
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []
        self.template: str | None = None

    def create(self, template: str | None = None) -> URL:
        name = f"{self.prefix}_{len(self.created)}"
        clause = f" TEMPLATE {template}" if template else ""
        with self.admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}{clause}"))
        self.created.append(name)
        return self.url.set(database=name)

    def drop(self, url: URL) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {url.database} WITH (FORCE)"))

    def close(self) -> None:
        with self.admin.connect() as connection:
            for name in self.created:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The PostgreSQL server: required when $VIGIL_TEST_POSTGRES_URL is set, else optional."""
    configured = os.environ.get(POSTGRES_ENV)
    server = PostgresServer(make_url(configured or DEFAULT_POSTGRES_URL))
    try:
        with server.admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        server.admin.dispose()
        if configured:
            pytest.fail(f"{POSTGRES_ENV} is set but the server is unreachable: {exc}")
        pytest.skip(f"no PostgreSQL server at {DEFAULT_POSTGRES_URL} ({POSTGRES_ENV} unset)")
    yield server
    server.close()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:
    """A migrated database that each PostgreSQL test copies (fast, and a fresh start)."""
    url = postgres_server.create()
    store = Store(Settings(data_dir=Path("unused"), database_url=url.render_as_string(False)))
    store.close()
    assert url.database is not None
    return url.database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings for a fresh, empty database: an SQLite file, or a new PostgreSQL database."""
    data_dir = tmp_path / "vigil-data"
    if request.param == "sqlite":
        yield Settings(data_dir=data_dir, database_url=sqlite_url(data_dir))
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    template: str = request.getfixturevalue("postgres_template")
    url = server.create(template)
    yield Settings(data_dir=data_dir, database_url=url.render_as_string(hide_password=False))
    server.drop(url)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    """An open store on a fresh database."""
    opened = Store(settings)
    yield opened
    opened.close()

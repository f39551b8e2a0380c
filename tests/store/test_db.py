"""The store opens, migrates itself and keeps its nouns on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from vigil.config import Settings, sqlite_url
from vigil.store.db import Store, StoreError, is_current
from vigil.store.models import Agency
from vigil.store.repo import case_by_reference, default_agency, seizure_by_name


def test_fresh_database_is_migrated_to_head(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "agency",
        "cases",
        "seizure",
        "ingest_run",
        "media",
        "sighting",
        "ingest_error",
    } <= tables
    assert is_current(store.engine)


def test_default_agency_case_and_seizure_are_created_once(store: Store) -> None:
    with store.session() as session:
        case = case_by_reference(session, default_agency(session), "OP-1")
        seizure = seizure_by_name(session, case, "phone")
        first_ids = (case.id, seizure.id)
    with store.session() as session:
        case = case_by_reference(session, default_agency(session), "OP-1")
        seizure = seizure_by_name(session, case, "phone")
        assert (case.id, seizure.id) == first_ids
        assert len(session.scalars(select(Agency)).all()) == 1


def test_sqlite_uses_wal_journal(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = Store(Settings(data_dir=data_dir, database_url=sqlite_url(data_dir)))
    with store.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    store.close()
    assert mode == "wal"
    assert (data_dir / "vigil.db").is_file()


def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    data_dir = blocker / "data"
    with pytest.raises(StoreError, match="cannot create data directory"):
        Store(Settings(data_dir=data_dir, database_url=sqlite_url(data_dir)))

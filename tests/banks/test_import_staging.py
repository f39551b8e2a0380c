"""Imports are staged a chunk per transaction and shown in one: never half-seen, never stuck."""

from __future__ import annotations

import io
import socket
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, insert, select, text

from tests.banks.samples import hexes
from vigil.banks import transfer
from vigil.banks.catalog import BankError, create_bank, delete_bank, list_banks
from vigil.banks.formats import BankFormatError
from vigil.banks.transfer import ImportRunningError, export_bank, import_file
from vigil.config import Settings
from vigil.matching.indexes import SignalIndexes
from vigil.store.db import Store, alembic_config, make_engine
from vigil.store.models import Agency, BankEntry, BankImport, ImportStatus, utcnow

CHUNK = 10


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transfer, "_CHUNK", CHUNK)


def _hashlist(path: Path, count: int, start: int = 0) -> Path:
    path.write_text("".join(f"{hexes(n, 32)}\n" for n in range(start, start + count)))
    return path


def _te_pdq(path: Path, count: int, start: int) -> Path:
    path.write_text("".join(f"{hexes(n, 64)},100\n" for n in range(start, start + count)))
    return path


def _stored(store: Store) -> int:
    """Every bank entry row, staged or not."""
    with store.session() as session:
        return int(session.scalar(select(func.count(BankEntry.id))) or 0)


def _seen(store: Store) -> dict[str, int]:
    with store.session() as session:
        return {bank.name: bank.entries for bank in list_banks(session)}


def test_readers_see_nothing_and_writers_wait_for_nothing_while_staging(store: Store) -> None:
    path = _hashlist(store.settings.data_dir.parent / "big.txt", 35)
    with store.session() as session:
        create_bank(session, "b")
    checks: list[int] = []

    def between_chunks(count: int) -> None:
        # Another writer gets the database at once: no transaction is held between chunks.
        with store.engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA busy_timeout=0")
            connection.execute(insert(Agency).values(code=f"A{count}", name="writer"))
            connection.commit()
        assert _stored(store) == count  # the chunks so far are written...
        assert _seen(store) == {"b": 0}  # ...yet nobody sees them
        with store.session() as session:
            assert export_bank(session, "b", "hashlist", io.BytesIO()) == 0
            assert [i.imports for i in list_banks(session)] == [[]]
        checks.append(count)

    outcome = import_file(store.session, path, "b", progress=between_chunks)
    assert checks == [10, 20, 30, 35]
    assert outcome.entries == 35
    assert _seen(store) == {"b": 35}


def test_a_bad_record_after_several_chunks_leaves_nothing(store: Store) -> None:
    folder = store.settings.data_dir.parent
    good = _hashlist(folder / "good.txt", 5, start=1000)
    bad = _hashlist(folder / "bad.txt", 25)
    bad.write_text(bad.read_text() + "0" * 33 + "\n")
    with store.session() as session:
        create_bank(session, "b")
    import_file(store.session, good, "b")
    with pytest.raises(BankFormatError, match="line 26"):
        import_file(store.session, bad, "b")
    assert _stored(store) == 5
    with store.session() as session:
        assert [i.file_name for i in session.scalars(select(BankImport))] == ["good.txt"]


def _dead_pid() -> int:
    """The id of a process that has ended."""
    return int(subprocess.run(["sh", "-c", "echo $$"], capture_output=True, check=True).stdout)


def _abandoned_import(store: Store, owner: str, minutes_ago: int = 0) -> int:
    """A staging import left by a process that died, with a few staged entries."""
    with store.session() as session:
        bank_id = create_bank(session, f"bank of {owner}").id
        record = BankImport(
            bank_id=bank_id,
            file_name="killed.txt",
            file_sha256=hexes(len(owner), 64),
            format="hashlist",
            entries=0,
            status=ImportStatus.STAGING,
            owner=owner,
        )
        session.add(record)
        session.flush()
        record.imported_at = utcnow() - timedelta(minutes=minutes_ago)
        session.execute(
            insert(BankEntry),
            [
                {"bank_id": bank_id, "import_id": record.id, "md5": hexes(n, 32), "metadata": {}}
                for n in range(7)
            ],
        )
        return record.id


def test_the_next_import_removes_what_a_killed_one_staged(store: Store) -> None:
    host = socket.gethostname()
    dead = _abandoned_import(store, f"{host} {_dead_pid()} 1")
    other_host_stale = _abandoned_import(store, "elsewhere 1 1", minutes_ago=30)
    other_host_live = _abandoned_import(store, "elsewhere2 1 1")
    assert _stored(store) == 21
    assert set(_seen(store).values()) == {0}
    with store.session() as session:
        create_bank(session, "b")
    import_file(store.session, _hashlist(store.settings.data_dir.parent / "l.txt", 3), "b")
    with store.session() as session:
        left = set(session.scalars(select(BankImport.id)))
        assert (
            session.scalar(select(func.count(BankEntry.id)).where(BankEntry.import_id == dead)) == 0
        )
    assert dead not in left
    assert other_host_stale not in left
    assert other_host_live in left  # may still be running on its host
    assert _stored(store) == 3 + 7


def test_the_same_file_twice_at_once_is_imported_once(store: Store) -> None:
    path = _hashlist(store.settings.data_dir.parent / "list.txt", 25)
    with store.session() as session:
        create_bank(session, "b")
    refused: list[Exception] = []

    def second_import_meanwhile(count: int) -> None:
        if count == CHUNK:
            with pytest.raises(ImportRunningError) as caught:
                import_file(store.session, path, "b")
            refused.append(caught.value)

    import_file(store.session, path, "b", progress=second_import_meanwhile)
    assert "being imported into bank 'b' right now" in str(refused[0])
    assert _seen(store) == {"b": 25}
    assert _stored(store) == 25


def test_the_pdq_index_takes_an_import_that_completes_after_a_newer_one(store: Store) -> None:
    folder = store.settings.data_dir.parent
    first, second = _te_pdq(folder / "first.txt", 25, 0), _te_pdq(folder / "second.txt", 4, 100)
    with store.session() as session:
        create_bank(session, "b")
    indexes = SignalIndexes(quality_threshold=50)
    sizes: list[int] = []

    def newer_completes_meanwhile(count: int) -> None:
        if count == CHUNK:
            import_file(store.session, second, "b")
            with store.session() as session:
                indexes.refresh(session)
            sizes.append(len(indexes.banks))

    import_file(store.session, first, "b", progress=newer_completes_meanwhile)
    with store.session() as session:
        indexes.refresh(session)
    assert sizes == [4]  # the staged entries of the first import were not taken
    assert len(indexes.banks) == 29  # and were taken once it completed, below the newest id


def test_deleting_the_bank_during_an_import_stops_it_cleanly(store: Store) -> None:
    path = _hashlist(store.settings.data_dir.parent / "list.txt", 25)
    with store.session() as session:
        create_bank(session, "b")

    def delete_meanwhile(count: int) -> None:
        if count == CHUNK:
            with store.session() as session:
                delete_bank(session, "b")

    with pytest.raises(BankError, match=r"deleted|removed") as caught:
        import_file(store.session, path, "b", progress=delete_meanwhile)
    assert "nothing imported" in str(caught.value)
    assert _stored(store) == 0


def test_migration_0003_keeps_every_entry_of_imports_that_raced(settings: Settings) -> None:
    # Before 0003 the same file could be imported twice at once: the migration merges such
    # imports so that (bank, file) can be unique, keeping every entry and what hangs off it.
    engine = make_engine(settings)
    try:
        command.upgrade(alembic_config(engine), "0002")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO agency (code, name, created_at)"
                    " VALUES ('L', 'l', CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO bank (name, agency_id, dissemination, category_scheme, created_at)"
                    " VALUES ('b', 1, 'owner', 'VICS-US', CURRENT_TIMESTAMP)"
                )
            )
            for file_hash in ("a", "a", "c"):
                connection.execute(
                    text(
                        "INSERT INTO bank_import (bank_id, file_name, file_sha256, format, entries,"
                        " imported_at) VALUES (1, 'f', :h, 'hashlist', 2, CURRENT_TIMESTAMP)"
                    ),
                    {"h": file_hash * 64},
                )
            for import_id in (1, 1, 2, 2, 3, 3):
                connection.execute(
                    text(
                        "INSERT INTO bank_entry (bank_id, import_id, metadata) VALUES (1, :i, '{}')"
                    ),
                    {"i": import_id},
                )
        command.upgrade(alembic_config(engine), "head")
        with engine.connect() as connection:
            imports = connection.execute(
                text("SELECT id, entries, status FROM bank_import ORDER BY id")
            ).all()
            entries = connection.execute(
                text("SELECT import_id, COUNT(*) FROM bank_entry GROUP BY import_id ORDER BY 1")
            ).all()
        assert [tuple(row) for row in imports] == [(1, 4, "complete"), (3, 2, "complete")]
        assert [tuple(row) for row in entries] == [(1, 4), (3, 2)]
    finally:
        engine.dispose()

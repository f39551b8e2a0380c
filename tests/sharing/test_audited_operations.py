"""What is audited today, on SQLite and PostgreSQL: bank operations and ingest runs, one event
per operation whatever the number of entries or files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests.imagegen import make_jpeg
from vigil.banks.catalog import create_bank, delete_bank
from vigil.banks.formats import BankFormatError
from vigil.banks.transfer import export_bank, import_file
from vigil.ingest.pipeline import IngestRequest, ingest
from vigil.sharing.actor import Actor
from vigil.sharing.audit_chain import verify_chain
from vigil.store.db import Store
from vigil.store.models import AuditEvent, IngestRun

ANA = Actor("ana", "LOCAL")


def events(store: Store) -> list[tuple[str, str, str, dict[str, object]]]:
    """(user, action, object, details) of every event, oldest first."""
    with store.session() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        assert verify_chain(session).intact
    return [(e.user_name, e.action, e.object, json.loads(e.details)) for e in rows]


def hash_list(path: Path, count: int, offset: int = 0) -> Path:
    path.write_text("".join(f"{offset + n:032x}\n" for n in range(count)), encoding="utf-8")
    return path


def test_bank_operations_are_audited_once_each(store: Store, tmp_path: Path) -> None:
    with store.session() as session:
        create_bank(session, "national", source="NCB list", actor=ANA)
    small = hash_list(tmp_path / "small.txt", 3)
    large = hash_list(tmp_path / "large.txt", 12_000, offset=100)
    import_file(store.session, small, "national", actor=ANA)
    after_small = len(events(store))
    import_file(store.session, large, "national", actor=ANA)
    # An import is one event, whatever the size of the file (this one spans three chunks).
    assert len(events(store)) == after_small + 1
    with store.session() as session:
        assert export_bank(session, "national", "hashlist", io.BytesIO(), actor=ANA) == 12_003
    with store.session() as session:
        delete_bank(session, "national", actor=ANA)

    found = events(store)
    assert [(user, action, target) for user, action, target, _ in found] == [
        ("ana", "bank.create", "bank:national"),
        ("ana", "bank.import", "bank:national"),
        ("ana", "bank.import", "bank:national"),
        ("ana", "bank.export", "bank:national"),
        ("ana", "bank.delete", "bank:national"),
    ]
    assert found[0][3] == {
        "source": "NCB list",
        "dissemination": "owner",
        "category_scheme": "VICS-US",
    }
    assert found[1][3]["file"] == "small.txt"
    assert found[1][3]["entries"] == 3
    assert found[1][3]["format"] == "hashlist"
    assert len(str(found[1][3]["sha256"])) == 64
    assert found[2][3]["entries"] == 12_000
    assert found[3][3] == {"format": "hashlist", "entries": 12_003}
    assert found[4][3] == {"entries": 12_003}


def test_a_refused_import_is_not_audited(store: Store, tmp_path: Path) -> None:
    with store.session() as session:
        create_bank(session, "b", actor=ANA)
    bad = tmp_path / "bad.txt"
    bad.write_text(f"{0:032x}\nnot-a-hash\n", encoding="utf-8")
    with pytest.raises(BankFormatError):
        import_file(store.session, bad, "b", actor=ANA)
    assert [action for _, action, _, _ in events(store)] == ["bank.create"]


def folder(path: Path, files: int) -> Path:
    path.mkdir()
    for number in range(files):
        make_jpeg(path / f"IMG_{number:04d}.jpg", size=(64, 48), seed=number)
    return path


def test_an_ingest_run_is_two_events_whatever_its_size(store: Store, tmp_path: Path) -> None:
    for name, files in (("small", 2), ("large", 9)):
        request = IngestRequest(
            root=folder(tmp_path / name, files), case_reference="OP-1", workers=1, actor=ANA
        )
        ingest(store, request)
    found = events(store)
    assert [(user, action, target) for user, action, target, _ in found] == [
        ("ana", "ingest.start", "seizure:OP-1/small"),
        ("ana", "ingest.complete", "seizure:OP-1/small"),
        ("ana", "ingest.start", "seizure:OP-1/large"),
        ("ana", "ingest.complete", "seizure:OP-1/large"),
    ]
    start, complete = found[2][3], found[3][3]
    assert start["root"] == str((tmp_path / "large").resolve())
    assert start["workers"] == 1
    assert start["resumes"] == 0
    assert complete["run"] == start["run"]
    assert complete["files"] == 9
    assert complete["media"] == 9
    assert complete["errors"] == 0
    assert complete["processed_now"] == 9


def test_a_resumed_run_is_audited_as_resumed(store: Store, tmp_path: Path) -> None:
    root = folder(tmp_path / "phone", 2)
    ingest(store, IngestRequest(root=root, case_reference="OP-1", workers=1, actor=ANA))
    with store.session() as session:
        session.execute(update(IngestRun).values(status="interrupted"))
    ben = Actor("ben", "LOCAL")
    ingest(store, IngestRequest(root=root, case_reference="OP-1", workers=1, actor=ben))
    found = events(store)
    assert [(user, action) for user, action, _, _ in found[2:]] == [
        ("ben", "ingest.resume"),
        ("ben", "ingest.complete"),
    ]
    assert found[2][3]["resumes"] == 1
    assert found[3][3]["processed_now"] == 0

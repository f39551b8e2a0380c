"""Banks: create, list, describe, delete; import and export are all-or-nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from vigil.banks.catalog import BankError, bank_by_name, create_bank, delete_bank, list_banks
from vigil.banks.formats import BankFormatError, KnownHash, ListHeader, read_hashes, write_hashes
from vigil.banks.transfer import AlreadyImportedError, export_bank, import_file
from vigil.store.db import Store
from vigil.store.models import BankEntry, BankImport

MD5S = [f"{i:032x}" for i in range(1, 6)]


def _entries() -> list[KnownHash]:
    return [
        KnownHash(
            md5=md5,
            category=str(i % 3),
            series="Series A" if i < 2 else None,
            victim_identified=i == 0,
        )
        for i, md5 in enumerate(MD5S)
    ]


def _write(path: Path, fmt: str, entries: list[KnownHash]) -> Path:
    with path.open("wb") as out:
        write_hashes(entries, fmt, out, ListHeader(name=None, source="test", category_scheme=None))
    return path


def _entry_count(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count(BankEntry.id))) or 0)


def test_create_list_show_delete(store: Store) -> None:
    with store.session() as session:
        create_bank(session, "national", source="NCB export 2026-11", dissemination="all")
        create_bank(session, "local")
    with store.session() as session:
        assert [b.name for b in list_banks(session)] == ["local", "national"]
        national = bank_by_name(session, "national")
        assert (national.source, national.dissemination, national.category_scheme) == (
            "NCB export 2026-11",
            "all",
            "VICS-US",
        )
    with store.session() as session:
        assert delete_bank(session, "local") == 0
    with store.session() as session:
        assert [b.name for b in list_banks(session)] == ["national"]
        with pytest.raises(BankError, match=r"no bank named .local.*national"):
            bank_by_name(session, "local")


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("", {}, "needs a name"),
        ("x", {"dissemination": "everyone"}, "dissemination must be one of owner, named, all"),
        ("x", {"category_scheme": "NOPE"}, "unknown category scheme 'NOPE'"),
    ],
)
def test_create_rejects_bad_settings(
    store: Store, name: str, options: dict[str, str], message: str
) -> None:
    with store.session() as session, pytest.raises(BankError, match=message):
        create_bank(session, name, **options)  # type: ignore[arg-type]


def test_duplicate_name_refused(store: Store) -> None:
    with store.session() as session:
        create_bank(session, "b")
    with store.session() as session, pytest.raises(BankError, match="already exists"):
        create_bank(session, "b")


@pytest.mark.parametrize("fmt", ["vics", "icse-csv", "hashlist"])
def test_import_then_export_round_trip(store: Store, tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path / f"list.{fmt}", fmt, _entries())
    with store.session() as session:
        create_bank(session, "b")
    outcome = import_file(store.session, path, "b")
    assert (outcome.entries, outcome.format) == (5, fmt)
    buffer = io.BytesIO()
    with store.session() as session:
        assert export_bank(session, "b", fmt, buffer) == 5
    exported = tmp_path / f"again.{fmt}"
    exported.write_bytes(buffer.getvalue())
    _, again = read_hashes(exported)
    assert sorted(e.md5 or "" for e in again) == MD5S
    with store.session() as session:
        imports = list(session.scalars(select(BankImport)))
    assert [(i.file_name, i.format, i.entries) for i in imports] == [(path.name, fmt, 5)]


def test_vics_keeps_category_series_and_victim_flag(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path / "list.json", "vics", _entries())
    with store.session() as session:
        create_bank(session, "b")
    import_file(store.session, path, "b")
    with store.session() as session:
        first = session.scalars(select(BankEntry).where(BankEntry.md5 == MD5S[0])).one()
    assert (first.category, first.series, first.victim_identified) == ("0", "Series A", True)


def test_bad_record_leaves_the_bank_as_it_was(store: Store, tmp_path: Path) -> None:
    good = _write(tmp_path / "good.json", "vics", _entries())
    document = json.loads(good.read_text(encoding="utf-8-sig"))
    # A valid first half, then a 33-digit MD5: the import must stop and keep nothing of it.
    extra = [dict(document["value"][0], MD5=f"{n:032x}") for n in range(100, 110)]
    extra.append(dict(document["value"][0], MD5="0" * 33))
    document["value"] = extra
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    with store.session() as session:
        create_bank(session, "b")
    import_file(store.session, good, "b")
    with pytest.raises(BankFormatError) as caught:
        import_file(store.session, bad, "b")
    message = str(caught.value)
    assert "bad.json" in message
    assert "MD5" in message
    assert "0" * 33 in message
    assert "11" in message  # the record number
    assert _entry_count(store) == 5
    with store.session() as session:
        assert len(list(session.scalars(select(BankImport)))) == 1


def test_same_file_twice_is_refused(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path / "list.txt", "hashlist", _entries())
    with store.session() as session:
        create_bank(session, "b")
    import_file(store.session, path, "b")
    with pytest.raises(AlreadyImportedError, match="already imported"):
        import_file(store.session, path, "b")
    assert _entry_count(store) == 5


def test_delete_removes_entries(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path / "list.txt", "hashlist", _entries())
    with store.session() as session:
        create_bank(session, "b")
    import_file(store.session, path, "b")
    with store.session() as session:
        assert delete_bank(session, "b") == 5
    assert _entry_count(store) == 0

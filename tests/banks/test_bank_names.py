"""Bank names are unique within an agency, not across the network.

Agency B naming a bank as agency A's hidden bank is named must be told exactly what it would
be told if A's bank did not exist. Where B may see several banks of one name, its own comes
first, else the only one; among other agencies' banks of one name, ``CODE/NAME`` chooses.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from vigil.banks.catalog import BankError, bank_by_name, create_bank, delete_bank
from vigil.banks.transfer import export_bank, import_file
from vigil.cli.main import app
from vigil.config import Settings
from vigil.matching.matching import match_seizure
from vigil.reports.triage import build_report
from vigil.sharing.actor import Actor
from vigil.sharing.agencies import create_agency
from vigil.sharing.policy import ForbiddenError, resolve
from vigil.store.db import Store
from vigil.store.models import (
    Agency,
    AgencyKind,
    AuditEvent,
    Bank,
    IngestRun,
    Level,
    Media,
    Sighting,
)
from vigil.store.repo import case_by_reference, seizure_by_name

#: One entry per agency's bank, so an export tells whose bank was read.
HASHES = {"AAA": "a" * 32, "BBB": "b" * 32, "CCC": "c" * 32}


def actor(code: str) -> Actor:
    return Actor(f"officer-{code.lower()}", code)


def _agencies(store: Store) -> None:
    with store.session() as session:
        for code, country in (("AAA", "FR"), ("BBB", "DE"), ("CCC", "IT")):
            create_agency(
                session, code, f"Unit {code}", AgencyKind.SPECIALISED_UNIT, country=country
            )


def _bank(store: Store, tmp_path: Path, code: str, name: str, level: Level) -> None:
    """Agency ``code``'s bank ``name`` at ``level``, holding that agency's one hash."""
    with store.session() as session:
        create_bank(
            session, name, source=f"source of {code}", dissemination=level, actor=actor(code)
        )
    hashes = tmp_path / f"{code}-{name}.txt"
    hashes.write_text(f"{HASHES[code]}\n", encoding="utf-8")
    import_file(store.session, hashes, f"{code}/{name}", actor=actor(code))


def _exported(store: Store, name: str, code: str) -> str:
    """The hashes of the bank ``name`` as agency ``code`` exports it."""
    out = io.BytesIO()
    with store.session() as session:
        export_bank(session, name, "hashlist", out, actor(code))
    return out.getvalue().decode()


@pytest.fixture
def network(store: Store) -> Store:
    _agencies(store)
    return store


def _cli(settings: Settings, *args: str, agency: str) -> tuple[int, str, str]:
    options = ["--database-url", settings.database_url, "--data-dir", str(settings.data_dir)]
    result = CliRunner().invoke(
        app, [*args, "--agency", agency, *options], env={"VIGIL_USER": "tester"}
    )
    return result.exit_code, result.stdout, result.stderr


def _b_works_with_x(settings: Settings, tmp_path: Path) -> list[tuple[int, str, str]]:
    """What B is told creating, filling, reading, exporting and deleting its bank "X"."""
    hashes = tmp_path / "b-list.txt"
    hashes.write_text(f"{HASHES['BBB']}\n", encoding="utf-8")
    runs = [
        _cli(settings, "bank", "create", "X", "--source", "B's list", agency="BBB"),
        _cli(settings, "bank", "create", "X", agency="BBB"),
        _cli(settings, "bank", "import", str(hashes), "--bank", "X", agency="BBB"),
        _cli(settings, "bank", "list", "--json", agency="BBB"),
        _cli(settings, "bank", "show", "X", agency="BBB"),
        _cli(settings, "bank", "export", "--bank", "X", "--format", "hashlist", agency="BBB"),
        _cli(settings, "bank", "show", "AAA/X", agency="BBB"),
        _cli(settings, "bank", "delete", "X", "--yes", agency="BBB"),
        _cli(settings, "bank", "show", "X", agency="BBB"),
    ]
    return [(code, _undated(stdout), _undated(stderr)) for code, stdout, stderr in runs]


def _undated(text: str) -> str:
    """``text`` without its dates: all that may differ between two runs on their own."""
    return re.sub(r"\d{4}-\d\d-\d\d( \d\d:\d\d)?", "DATE", text)


def test_another_agencys_hidden_bank_of_the_name_changes_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    store = Store(settings)
    try:
        _agencies(store)
        without = _b_works_with_x(settings, tmp_path)
        _bank(store, tmp_path, "AAA", "X", Level.OWNER)
        with_hidden = _b_works_with_x(settings, tmp_path)
    finally:
        store.close()
    assert with_hidden == without
    codes = [code for code, _, _ in without]
    # Created, refused as a second bank of B's own of the name, imported, read, deleted.
    assert codes == [0, 2, 0, 0, 0, 0, 2, 0, 2]
    assert "a bank named 'X' already exists in agency BBB" in without[1][2]
    assert without[5][1].split() == [HASHES["BBB"]]
    told = "".join(stdout + stderr for _, stdout, stderr in with_hidden)
    assert "source of AAA" not in told
    assert HASHES["AAA"] not in told


def test_the_viewers_own_bank_of_the_name_comes_first(network: Store, tmp_path: Path) -> None:
    _bank(network, tmp_path, "AAA", "X", Level.ALL)
    _bank(network, tmp_path, "BBB", "X", Level.OWNER)
    assert HASHES["BBB"] in _exported(network, "X", "BBB")
    assert HASHES["AAA"] in _exported(network, "X", "AAA")
    # A's, asked for by its owner's code; and C, owning none, gets the one it may see.
    assert HASHES["AAA"] in _exported(network, "AAA/X", "BBB")
    assert HASHES["AAA"] in _exported(network, "X", "CCC")
    with network.session() as session:
        assert bank_by_name(session, "BBB/X", actor("BBB")).agency.code == "BBB"
        owners = session.scalars(select(Bank.agency_id).where(Bank.name == "X")).all()
    assert len(owners) == 2


def test_other_agencies_banks_of_one_name_are_chosen_by_code(
    network: Store, tmp_path: Path
) -> None:
    _bank(network, tmp_path, "AAA", "X", Level.ALL)
    _bank(network, tmp_path, "CCC", "X", Level.ALL)
    with network.session() as session, pytest.raises(BankError) as raised:
        bank_by_name(session, "X", actor("BBB"))
    message = str(raised.value)
    assert message == (
        "bank 'X' is the name of several agencies' banks (AAA/X, CCC/X): give CODE/NAME"
    )
    assert HASHES["AAA"] in _exported(network, "AAA/X", "BBB")
    assert HASHES["CCC"] in _exported(network, "CCC/X", "BBB")
    assert HASHES["CCC"] not in _exported(network, "AAA/X", "BBB")


def test_a_hidden_bank_makes_no_name_ambiguous(network: Store, tmp_path: Path) -> None:
    _bank(network, tmp_path, "AAA", "X", Level.ALL)
    _bank(network, tmp_path, "CCC", "X", Level.OWNER)
    # C's bank is not there for B: "X" is A's, and nothing B is told names C's.
    assert HASHES["AAA"] in _exported(network, "X", "BBB")
    with network.session() as session:
        for name in ("CCC/X", "CCC/Y"):
            with pytest.raises(BankError) as raised:
                bank_by_name(session, name, actor("BBB"))
            assert str(raised.value) == f"no bank named {name!r} (banks: AAA/X)"


def test_import_export_and_delete_by_qualified_name(network: Store, tmp_path: Path) -> None:
    _bank(network, tmp_path, "AAA", "X", Level.ALL)
    _bank(network, tmp_path, "BBB", "X", Level.OWNER)
    more = tmp_path / "more.txt"
    more.write_text(f"{'d' * 32}\n", encoding="utf-8")
    # Visible to B, but A's: B neither imports into it nor deletes it.
    with pytest.raises(ForbiddenError, match="belongs to another agency"):
        import_file(network.session, more, "AAA/X", actor=actor("BBB"))
    with network.session() as session, pytest.raises(ForbiddenError):
        delete_bank(session, "AAA/X", actor("BBB"))
    import_file(network.session, more, "AAA/X", actor=actor("AAA"))
    assert sorted(_exported(network, "AAA/X", "BBB").split()) == [HASHES["AAA"], "d" * 32]
    with network.session() as session:
        assert delete_bank(session, "AAA/X", actor("AAA")) == 2
    assert _exported(network, "X", "BBB").split() == [HASHES["BBB"]]
    with network.session() as session:
        events = session.scalars(
            select(AuditEvent.object)
            .where(AuditEvent.agency_code == "BBB", AuditEvent.action == "bank.export")
            .order_by(AuditEvent.seq)
        ).all()
    # B's export of A's bank is recorded as A's, its own as its own.
    assert events == ["bank:AAA/X", "bank:X"]


def test_a_new_bank_name_cannot_hold_the_separator(network: Store) -> None:
    with network.session() as session, pytest.raises(BankError, match=r"cannot hold '/'"):
        create_bank(session, "AAA/X", actor=actor("BBB"))


def test_the_report_counts_two_banks_of_one_name_apart(network: Store, tmp_path: Path) -> None:
    _bank(network, tmp_path, "AAA", "X", Level.ALL)
    _bank(network, tmp_path, "BBB", "X", Level.OWNER)
    with network.session() as session:
        viewer = resolve(session, actor("BBB"))
        owner = session.get_one(Agency, viewer.agency_id)
        seizure = seizure_by_name(session, case_by_reference(session, owner, "B-1"), "phone")
        run = IngestRun(
            seizure_id=seizure.id, root_path="/", status="complete", pdq_mode="fast", workers=1
        )
        session.add(run)
        session.flush()
        # One file known to A's bank "X", one to B's own "X".
        for code in ("AAA", "BBB"):
            media = Media(
                sha256=code.lower() * 21 + "0",
                sha1=code.lower() * 13 + "0",
                md5=HASHES[code],
                size=1,
                kind="image",
                format="jpeg",
                mime="image/jpeg",
            )
            session.add(media)
            session.flush()
            path = f"{code}.jpg"
            session.add(
                Sighting(
                    media_id=media.id,
                    seizure_id=seizure.id,
                    ingest_run_id=run.id,
                    path=path,
                    path_raw=path.encode(),
                    size=1,
                    mtime=0.0,
                )
            )
        session.flush()
        match_seizure(session, seizure.id)
        report = build_report(session, seizure, viewer)
    assert report.by_bank == {"AAA/X": 1, "X": 1}

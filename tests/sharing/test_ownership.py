"""Data has an owner: what agency A ingests at level owner is, to agency B, as if it did not
exist — until A shares it, with everyone or with B by name. Reviews are per agency.

A ingests a phone (case OP-ALPHA-7) holding a picture its own bank lists; B ingests a laptop
holding a copy of that picture. Everything B is told is searched for A's case reference,
seizure name, bank name and file names.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.imagegen import make_jpeg
from vigil.banks.catalog import BankError, bank_by_name, create_bank, delete_bank, list_banks
from vigil.banks.transfer import export_bank, import_file
from vigil.cli.main import app
from vigil.config import Settings
from vigil.ingest.pipeline import IngestRequest, ingest
from vigil.matching.listing import seizure_matches
from vigil.matching.review import review_match
from vigil.reports.errors import seizure_errors
from vigil.reports.render import FORMATS, render
from vigil.reports.summary import summarize_seizure
from vigil.reports.triage import TriageReport, build_report
from vigil.sharing.actor import Actor
from vigil.sharing.agencies import create_agency
from vigil.sharing.dissemination import DisseminationError, set_level, sharing_of
from vigil.sharing.policy import ForbiddenError, NotVisibleError, Viewer, resolve
from vigil.sharing.records import UNSHARED_CASE, find_seizure
from vigil.signals.crypto import hash_bytes
from vigil.store.db import Store
from vigil.store.models import AgencyKind, Level, RecordType, Seizure

#: What A holds that nobody else may learn while it is A's alone.
SECRETS = ("OP-ALPHA-7", "alpha-phone", "alpha-secret-bank", "alpha-known.jpg", "alpha-new.jpg")
AGENCIES = {"AAA": "FR", "BBB": "DE", "CCC": "IT"}


def actor(code: str) -> Actor:
    return Actor(f"officer-{code.lower()}", code)


def viewer(session: Session, code: str) -> Viewer:
    return resolve(session, actor(code))


@dataclass(frozen=True)
class Network:
    store: Store
    alpha: int
    beta: int


def _agencies(store: Store) -> None:
    with store.session() as session:
        for code, country in AGENCIES.items():
            create_agency(
                session, code, f"Unit {code}", AgencyKind.SPECIALISED_UNIT, country=country
            )


@pytest.fixture
def network(store: Store, tmp_path: Path) -> Network:
    _agencies(store)
    phone = tmp_path / "alpha-phone"
    phone.mkdir()
    known = make_jpeg(phone / "alpha-known.jpg", size=(160, 120), seed=1)
    make_jpeg(phone / "alpha-new.jpg", size=(160, 120), seed=3)
    hashes = tmp_path / "alpha-list.txt"
    hashes.write_text(f"{hash_bytes(known).md5}\n", encoding="utf-8")
    with store.session() as session:
        create_bank(session, "alpha-secret-bank", actor=actor("AAA"))
    import_file(store.session, hashes, "alpha-secret-bank", actor=actor("AAA"))
    alpha = ingest(
        store, IngestRequest(root=phone, case_reference="OP-ALPHA-7", workers=1, actor=actor("AAA"))
    )
    laptop = tmp_path / "beta-laptop"
    laptop.mkdir()
    (laptop / "copy.jpg").write_bytes(known)
    make_jpeg(laptop / "own.jpg", size=(160, 120), seed=4)
    beta = ingest(
        store, IngestRequest(root=laptop, case_reference="OP-BETA", workers=1, actor=actor("BBB"))
    )
    return Network(store, alpha.seizure_id, beta.seizure_id)


def _refusal(call: object, *args: object) -> str:
    """The message of the refusal ``call(*args)`` raises."""
    assert callable(call)
    with pytest.raises((NotVisibleError, BankError)) as raised:
        call(*args)
    return str(raised.value)


def _same(hidden: str, missing: str, hidden_name: str, missing_name: str) -> None:
    """The two messages differ only by the name asked for."""
    assert hidden.replace(hidden_name, "NAME") == missing.replace(missing_name, "NAME")


def _everything_b_reads(session: Session, code: str, seizure_id: int) -> str:
    """Every rendering of the report and the match list of B's seizure, as ``code`` sees it."""
    seen = viewer(session, code)
    report = build_report(session, session.get_one(Seizure, seizure_id), seen)
    texts = [render(report, fmt, seizure_errors(session, seen, seizure_id)) for fmt in FORMATS]
    texts.append(json.dumps([row.to_json() for row in seizure_matches(session, seen, seizure_id)]))
    texts.append(json.dumps([info.name for info in list_banks(session, actor(code))]))
    return "\n".join(texts)


def _report(session: Session, code: str, seizure_id: int) -> TriageReport:
    return build_report(session, session.get_one(Seizure, seizure_id), viewer(session, code))


def test_records_are_their_ingesting_agencys(network: Network) -> None:
    with network.store.session() as session:
        alpha = session.get_one(Seizure, network.alpha)
        beta = session.get_one(Seizure, network.beta)
        owners = {
            s.id: sharing_of(session, viewer(session, c), RecordType.SEIZURE, s.id).owner
            for s, c in ((alpha, "AAA"), (beta, "BBB"))
        }
        assert owners == {network.alpha: "AAA", network.beta: "BBB"}
        assert alpha.dissemination == Level.OWNER.value
        assert bank_by_name(session, "alpha-secret-bank", actor("AAA")).dissemination == "owner"


def test_owner_level_is_invisible_to_another_agency(network: Network) -> None:
    with network.store.session() as session:
        b = viewer(session, "BBB")
        _same(
            _refusal(find_seizure, session, b, "alpha-phone"),
            _refusal(find_seizure, session, b, "no-such-phone"),
            "alpha-phone",
            "no-such-phone",
        )
        # B's listing of what exists names B's own seizure only.
        message = _refusal(find_seizure, session, b, "no-such-phone")
        assert "OP-BETA/beta-laptop" in message
        assert not any(secret in message for secret in SECRETS)
        for read in (summarize_seizure, seizure_errors, seizure_matches):
            with pytest.raises(NotVisibleError):
                read(session, b, network.alpha)
        with pytest.raises(NotVisibleError):
            build_report(session, session.get_one(Seizure, network.alpha), b)

        for call in (bank_by_name, delete_bank):
            _same(
                _refusal(call, session, "alpha-secret-bank", actor("BBB")),
                _refusal(call, session, "no-such-bank", actor("BBB")),
                "alpha-secret-bank",
                "no-such-bank",
            )
        _same(
            _refusal(
                export_bank, session, "alpha-secret-bank", "hashlist", io.BytesIO(), actor("BBB")
            ),
            _refusal(export_bank, session, "no-such-bank", "hashlist", io.BytesIO(), actor("BBB")),
            "alpha-secret-bank",
            "no-such-bank",
        )
        assert [info.name for info in list_banks(session, actor("BBB"))] == []
        assert [info.name for info in list_banks(session, actor("AAA"))] == ["alpha-secret-bank"]

        read = _everything_b_reads(session, "BBB", network.beta)
        assert [secret for secret in SECRETS if secret in read] == []
        report = _report(session, "BBB", network.beta)
    # The copy of A's known picture is a hit on what A holds: never new, never detailed.
    assert report.classes == {
        "known_exact": 0,
        "known_near": 0,
        "other_cases": 0,
        "held_elsewhere": 1,
        "new": 1,
    }
    assert [m.path for m in report.new_media] == ["own.jpg"]
    assert report.by_bank == {}
    assert report.other_cases == {}
    assert report.series == []
    assert "held by another agency" in read


def test_import_into_another_agencys_bank_is_refused_as_missing(
    network: Network, tmp_path: Path
) -> None:
    listing = tmp_path / "b-list.txt"
    listing.write_text("0" * 32 + "\n", encoding="utf-8")
    with pytest.raises(BankError) as hidden:
        import_file(network.store.session, listing, "alpha-secret-bank", actor=actor("BBB"))
    with pytest.raises(BankError) as missing:
        import_file(network.store.session, listing, "no-such-bank", actor=actor("BBB"))
    _same(str(hidden.value), str(missing.value), "alpha-secret-bank", "no-such-bank")
    # Shared with all, it can be read but still changed by its owner only.
    with network.store.session() as session:
        bank = bank_by_name(session, "alpha-secret-bank", actor("AAA"))
        set_level(session, viewer(session, "AAA"), RecordType.BANK, bank.id, Level.ALL)
    with pytest.raises(ForbiddenError, match="belongs to another agency"):
        import_file(network.store.session, listing, "alpha-secret-bank", actor=actor("BBB"))
    with network.store.session() as session, pytest.raises(ForbiddenError):
        delete_bank(session, "alpha-secret-bank", actor("BBB"))


def test_level_all_shows_the_seizure_to_every_member(network: Network) -> None:
    with network.store.session() as session:
        a = viewer(session, "AAA")
        set_level(session, a, RecordType.SEIZURE, network.alpha, Level.ALL)
    with network.store.session() as session:
        for code in ("BBB", "CCC"):
            assert find_seizure(session, viewer(session, code), "alpha-phone").id == network.alpha
        report = _report(session, "BBB", network.beta)
        # The seizure is shared, its case not: the case is not named.
        assert report.other_cases == {UNSHARED_CASE: 1}
        assert report.classes["other_cases"] == 1
        assert report.classes["held_elsewhere"] == 0
        assert "OP-ALPHA-7" not in _everything_b_reads(session, "BBB", network.beta)
        case_id = session.get_one(Seizure, network.alpha).case_id
        set_level(session, viewer(session, "AAA"), RecordType.CASE, case_id, Level.ALL)
    with network.store.session() as session:
        assert _report(session, "BBB", network.beta).other_cases == {"OP-ALPHA-7": 1}
        # Another agency may see it, not change it.
        with pytest.raises(ForbiddenError):
            set_level(
                session, viewer(session, "BBB"), RecordType.SEIZURE, network.alpha, Level.OWNER
            )


def test_named_level_shows_the_seizure_to_the_agencies_named_only(network: Network) -> None:
    with network.store.session() as session:
        a = viewer(session, "AAA")
        shared = set_level(session, a, RecordType.SEIZURE, network.alpha, Level.NAMED, ["BBB"])
        assert shared.named == ["BBB"]
    with network.store.session() as session:
        assert find_seizure(session, viewer(session, "BBB"), "alpha-phone").id == network.alpha
        with pytest.raises(NotVisibleError):
            find_seizure(session, viewer(session, "CCC"), "alpha-phone")
        # Only the owner learns whom it is shared with.
        assert (
            sharing_of(session, viewer(session, "BBB"), RecordType.SEIZURE, network.alpha).named
            == []
        )
        # Naming C instead takes it away from B.
        set_level(
            session, viewer(session, "AAA"), RecordType.SEIZURE, network.alpha, Level.NAMED, ["CCC"]
        )
    with network.store.session() as session:
        assert find_seizure(session, viewer(session, "CCC"), "alpha-phone").id == network.alpha
        with pytest.raises(NotVisibleError):
            find_seizure(session, viewer(session, "BBB"), "alpha-phone")
        a = viewer(session, "AAA")
        with pytest.raises(DisseminationError, match="--with"):
            set_level(session, a, RecordType.SEIZURE, network.alpha, Level.NAMED, [])
        with pytest.raises(DisseminationError, match="no agency 'ZZZ'"):
            set_level(session, a, RecordType.SEIZURE, network.alpha, Level.NAMED, ["ZZZ"])
        # Hidden from C once more: C cannot even learn that it exists by trying to share it.
        set_level(session, a, RecordType.SEIZURE, network.alpha, Level.OWNER)
    with network.store.session() as session, pytest.raises(NotVisibleError):
        set_level(session, viewer(session, "CCC"), RecordType.SEIZURE, network.alpha, Level.ALL)


def test_a_rejection_by_one_agency_leaves_anothers_report_unchanged(network: Network) -> None:
    with network.store.session() as session:
        bank = bank_by_name(session, "alpha-secret-bank", actor("AAA"))
        set_level(session, viewer(session, "AAA"), RecordType.BANK, bank.id, Level.ALL)
    with network.store.session() as session:
        before_b = _report(session, "BBB", network.beta)
        before_a = _report(session, "AAA", network.alpha)
        (match,) = [
            row
            for row in seizure_matches(session, viewer(session, "AAA"), network.alpha)
            if row.signal == "md5"
        ]
        review_match(session, viewer(session, "AAA"), match.match_id, "rejected")
    with network.store.session() as session:
        after_b = _report(session, "BBB", network.beta)
        after_a = _report(session, "AAA", network.alpha)
        b_rows = seizure_matches(session, viewer(session, "BBB"), network.beta)
    assert before_b.classes["known_exact"] == after_b.classes["known_exact"] == 1
    assert after_b.by_bank == {"AAA/alpha-secret-bank": 1}  # another agency's bank
    assert {row.verdict for row in b_rows if row.signal == "md5"} == {"open"}
    assert before_a.classes["known_exact"] == 1
    assert after_a.classes["known_exact"] == 0


def _cli(settings: Settings, *args: str, agency: str | None = None) -> tuple[int, str, str]:
    options = ["--database-url", settings.database_url, "--data-dir", str(settings.data_dir)]
    env = {"VIGIL_USER": "tester"}
    if agency is not None:
        env["VIGIL_AGENCY"] = agency
    result = CliRunner().invoke(app, [*args, *options], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_cli_acts_for_the_agency_given(settings: Settings, tmp_path: Path) -> None:
    store = Store(settings)
    try:
        _agencies(store)
    finally:
        store.close()
    phone = tmp_path / "alpha-phone"
    phone.mkdir()
    make_jpeg(phone / "alpha-known.jpg", seed=1)
    code, _, err = _cli(
        settings, "ingest", str(phone), "--case", "OP-ALPHA-7", "--workers", "1", "--agency", "AAA"
    )
    assert code == 0, err
    code, _, hidden = _cli(settings, "report", "alpha-phone", "--agency", "BBB")
    assert code == 2
    code, _, missing = _cli(settings, "report", "no-such-phone", "--agency", "BBB")
    assert code == 2
    _same(hidden, missing, "alpha-phone", "no-such-phone")
    assert "OP-ALPHA-7" not in hidden
    assert len(hidden.strip().splitlines()) == 1
    # VIGIL_AGENCY stands for --agency.
    assert _cli(settings, "match", "list", "alpha-phone", agency="BBB")[0] == 2
    code, out, _ = _cli(settings, "report", "alpha-phone", "--format", "json", agency="AAA")
    assert code == 0
    assert json.loads(out)["case"] == "OP-ALPHA-7"

    code, out, err = _cli(
        settings,
        "share",
        "set",
        "seizure",
        "alpha-phone",
        "--level",
        "named",
        "--with",
        "BBB",
        "--agency",
        "AAA",
    )
    assert code == 0, err
    assert "level named with BBB" in out
    code, out, _ = _cli(settings, "report", "alpha-phone", "--format", "json", "--agency", "BBB")
    assert code == 0
    assert json.loads(out)["seizure"] == "alpha-phone"
    code, out, _ = _cli(
        settings, "share", "show", "seizure", "alpha-phone", "--json", "--agency", "BBB"
    )
    assert json.loads(out) == {
        "record": "seizure",
        "name": f"{UNSHARED_CASE}/alpha-phone",
        "owner": "AAA",
        "level": "named",
        "named": [],
    }
    code, _, err = _cli(
        settings, "share", "set", "seizure", "alpha-phone", "--level", "all", "--agency", "BBB"
    )
    assert code == 2
    assert "belongs to another agency" in err
    code, _, err = _cli(settings, "bank", "list", "--agency", "NOPE")
    assert code == 2
    assert re.fullmatch(r"error: agency: no agency 'NOPE'\s*", err)

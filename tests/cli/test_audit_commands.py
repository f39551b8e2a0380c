"""`vigil audit verify / head / show`, and the commands they audit, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner, Result

from tests.imagegen import make_jpeg
from tests.sharing.audit_tamper import tamper
from vigil.cli.main import app
from vigil.config import Settings
from vigil.sharing.actor import Actor
from vigil.sharing.audit import Action, record
from vigil.signals.crypto import hash_bytes
from vigil.store.db import MIGRATIONS_DIR, Store

runner = CliRunner()


def vigil(settings: Settings, *args: str, user: str = "tester") -> Result:
    target = ["--data-dir", str(settings.data_dir), "--database-url", settings.database_url]
    return runner.invoke(app, [*args, *target], env={"VIGIL_USER": user})


def shown_events(settings: Settings, *filters: str) -> list[dict[str, object]]:
    result = vigil(settings, "audit", "show", "--json", "--per-page", "1000", *filters)
    assert result.exit_code == 0, result.stderr
    events: list[dict[str, object]] = json.loads(result.stdout)["events"]
    return events


def head_revision() -> str:
    revision = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert revision is not None
    return revision


def test_commands_are_audited_and_the_chain_verifies(settings: Settings, tmp_path: Path) -> None:
    card = tmp_path / "card"
    card.mkdir()
    known = make_jpeg(card / "known.jpg", size=(160, 120), seed=1)
    hashes = tmp_path / "hashes.txt"
    hashes.write_text(f"{hash_bytes(known).md5}\n{'0' * 32}\n", encoding="utf-8")

    assert vigil(settings, "bank", "create", "national").exit_code == 0
    assert vigil(settings, "db", "upgrade").exit_code == 0  # nothing to apply: not audited
    assert vigil(settings, "bank", "import", str(hashes), "--bank", "national").exit_code == 0
    ingested = vigil(settings, "ingest", str(card), "--case", "OP-1", "--workers", "1", "--json")
    assert ingested.exit_code == 0, ingested.stderr
    listed = vigil(settings, "match", "list", "card", "--json")
    (match,) = json.loads(listed.stdout)
    reviewed = vigil(
        settings, "match", "review", str(match["match_id"]), "--verdict", "confirmed",
        "--note", "same picture", "--by", "carol",
    )  # fmt: skip
    assert reviewed.exit_code == 0, reviewed.stderr
    report = tmp_path / "report.json"
    assert vigil(settings, "report", "card", "--format", "json", "-o", str(report)).exit_code == 0
    assert vigil(settings, "report", "card", "--format", "csv").exit_code == 0
    exported = tmp_path / "out.txt"
    exporting = ("bank", "export", "--bank", "national", "--format", "hashlist")
    assert vigil(settings, *exporting, "-o", str(exported)).exit_code == 0
    assert vigil(settings, "bank", "delete", "national", "--yes").exit_code == 0

    events = list(reversed(shown_events(settings)))
    assert [(e["user"], e["agency"], e["action"], e["object"]) for e in events] == [
        ("tester", "LOCAL", "db.upgrade", "database"),
        ("tester", "LOCAL", "bank.create", "bank:national"),
        ("tester", "LOCAL", "bank.import", "bank:national"),
        ("tester", "LOCAL", "ingest.start", "seizure:OP-1/card"),
        ("tester", "LOCAL", "ingest.complete", "seizure:OP-1/card"),
        ("carol", "LOCAL", "match.review", f"match:{match['match_id']}"),
        ("tester", "LOCAL", "report.export", "seizure:OP-1/card"),
        ("tester", "LOCAL", "report.export", "seizure:OP-1/card"),
        ("tester", "LOCAL", "bank.export", "bank:national"),
        ("tester", "LOCAL", "bank.delete", "bank:national"),
    ]
    assert events[0]["details"] == {"from": [], "to": [head_revision()]}
    assert events[5]["details"] == {"verdict": "confirmed", "note": "same picture"}
    assert events[6]["details"] == {"format": "json", "output": str(report)}
    assert events[7]["details"] == {"format": "csv", "output": "stdout"}
    assert events[8]["details"] == {"format": "hashlist", "entries": 2}

    head = vigil(settings, "audit", "head")
    assert head.exit_code == 0
    assert head.stdout.strip() == f"10:{events[-1]['event_hash']}"
    verified = vigil(settings, "audit", "verify", "--head", head.stdout.strip())
    assert verified.exit_code == 0, verified.stderr
    assert verified.stdout.strip() == f"10 events, chain intact, head {head.stdout.strip()}"


def test_verify_names_the_bad_event_and_exits_1(store: Store) -> None:
    with store.session() as session:
        for number in range(4):
            record(session, Action.LOGIN, f"user:u{number}", None, Actor(f"u{number}"))
    settings = store.settings
    kept = vigil(settings, "audit", "head").stdout.strip()
    assert vigil(settings, "audit", "verify").exit_code == 0

    # Cut off the end, the head row moved back with it: only the head kept outside tells.
    tamper(
        store,
        "DELETE FROM audit_event WHERE seq = 4",
        "UPDATE audit_head SET seq = 3,"
        " event_hash = (SELECT event_hash FROM audit_event WHERE seq = 3)",
    )
    plain = vigil(settings, "audit", "verify")
    assert plain.exit_code == 0, plain.stderr
    assert plain.stdout.startswith("3 events, chain intact, head 3:")
    with_head = vigil(settings, "audit", "verify", "--head", kept)
    assert with_head.exit_code == 1
    assert with_head.stderr.strip().startswith("audit trail broken: event 4 missing")

    tamper(store, "UPDATE audit_event SET object = 'user:mallory' WHERE seq = 2")
    broken = vigil(settings, "audit", "verify")
    assert broken.exit_code == 1
    lines = broken.stderr.strip().splitlines()
    assert lines == ["audit trail broken: event 2 was altered: its content does not match its hash"]


@pytest.mark.parametrize("head", ["5", "5:abc", "x:" + "0" * 64, ":" + "0" * 64])
def test_a_malformed_head_is_one_line(settings: Settings, head: str) -> None:
    result = vigil(settings, "audit", "verify", "--head", head)
    assert result.exit_code == 2
    assert "--head" in result.stderr
    assert "N:HASH" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_show_filters_and_pages(store: Store) -> None:
    ana, ben = Actor("ana", "LOCAL"), Actor("ben", "NCB-FR")
    rows = [
        ("2026-11-30T10:00:00", ana, Action.LOGIN, "user:ana"),
        ("2026-12-01T09:00:00", ben, Action.BANK_EXPORT, "bank:national"),
        ("2026-12-01T23:59:59.5", ana, Action.REPORT_EXPORT, "seizure:OP-1/phone"),
        ("2026-12-02T00:00:00", ana, Action.REPORT_EXPORT, "seizure:OP-10/laptop"),
        ("2026-12-02T08:00:00", ben, Action.MATCH_REVIEW, "match:7"),
    ]
    for moment, actor, action, target in rows:
        with store.session() as session:
            record(session, action, target, {"why": "test"}, actor, at=at(moment))
    settings = store.settings

    def seqs(*filters: str) -> list[object]:
        return [event["seq"] for event in shown_events(settings, *filters)]

    assert seqs() == [5, 4, 3, 2, 1]
    assert seqs("--user", "ana") == [4, 3, 1]
    assert seqs("--agency", "ncb-fr") == [5, 2]
    assert seqs("--action", "report.export") == [4, 3]
    assert seqs("--object", "bank:national") == [2]
    assert seqs("--object", "seizure:OP-1/*") == [3]
    assert seqs("--object", "seizure:*") == [4, 3]
    assert seqs("--since", "2026-12-01", "--until", "2026-12-01") == [3, 2]
    assert seqs("--since", "2026-12-01T09:00:00Z") == [5, 4, 3, 2]
    assert seqs("--until", "2026-12-01T09:00") == [1]
    assert seqs("--since", "2026-12-02T01:00+02:00") == [5, 4, 3]
    assert seqs("--user", "ana", "--since", "2026-12-01") == [4, 3]

    page = vigil(settings, "audit", "show", "--json", "--per-page", "2", "--page", "2")
    document = json.loads(page.stdout)
    assert (document["total"], document["page"], document["per_page"]) == (5, 2, 2)
    assert [event["seq"] for event in document["events"]] == [3, 2]
    table = vigil(settings, "audit", "show", "--per-page", "2", "--page", "2")
    assert table.exit_code == 0
    assert "2026-12-01 23:59:59" in table.stdout
    assert "2026-12-01 09:00:00" in table.stdout
    assert "match:7" not in table.stdout
    assert "page 2 of 3 (5 events); --page 3 for more" in table.stdout


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--action", "bank.shred", "not an audited action"),
        ("--since", "yesterday", "not a date or time"),
        ("--until", "2026-13-01", "not a date or time"),
    ],
)
def test_show_refuses_bad_filters_in_one_line(
    settings: Settings, option: str, value: str, words: str
) -> None:
    result = vigil(settings, "audit", "show", option, value)
    assert result.exit_code == 2
    assert option in result.stderr
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

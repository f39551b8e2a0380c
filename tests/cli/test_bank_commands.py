"""`vigil bank ...`, `vigil match ...` and `vigil report` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.imagegen import make_jpeg
from vigil.cli.main import app
from vigil.signals.crypto import hash_bytes

runner = CliRunner()


def vigil(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--data-dir", str(data_dir)], env={"VIGIL_USER": "tester"})
    return result.exit_code, result.stdout, result.stderr


def test_bank_lifecycle_ingest_review_and_report(tmp_path: Path) -> None:
    data = tmp_path / "data"
    card = tmp_path / "card"
    card.mkdir()
    known = make_jpeg(card / "known.jpg", size=(320, 240), seed=1)
    make_jpeg(card / "new.jpg", size=(320, 240), seed=2)
    hashes = tmp_path / "hashes.txt"
    hashes.write_text(f"# known material\n{hash_bytes(known).md5}\n", encoding="utf-8")

    assert vigil(data, "bank", "create", "national", "--source", "NCB list")[0] == 0
    code, stdout, _ = vigil(data, "bank", "import", str(hashes), "--bank", "national")
    assert code == 0
    assert "imported 1 entries (hashlist)" in stdout
    code, stdout, _ = vigil(data, "bank", "list", "--json")
    assert [(b["name"], b["entries"]) for b in json.loads(stdout)] == [("national", 1)]
    code, stdout, _ = vigil(data, "bank", "show", "national")
    assert code == 0
    assert "hashes.txt" in stdout

    code, stdout, _ = vigil(data, "ingest", str(card), "--case", "OP-1", "--workers", "1", "--json")
    assert code == 0
    assert json.loads(stdout)["triage"]["classes"] == {
        "known_exact": 1,
        "known_near": 0,
        "other_cases": 0,
        "new": 1,
    }

    code, stdout, _ = vigil(data, "match", "list", "card", "--json")
    (match,) = [m for m in json.loads(stdout) if m["signal"] == "md5"]
    assert match["path"] == "known.jpg"
    assert match["verdict"] == "open"
    code, _, _ = vigil(data, "match", "review", str(match["match_id"]), "--verdict", "confirmed")
    assert code == 0
    code, stdout, _ = vigil(data, "match", "list", "card", "--verdict", "confirmed", "--json")
    assert [m["match_id"] for m in json.loads(stdout)] == [match["match_id"]]

    report = tmp_path / "report.html"
    code, _, _ = vigil(
        data, "report", "card", "--case", "OP-1", "--format", "html", "-o", str(report)
    )
    assert code == 0
    assert "<svg" in report.read_text(encoding="utf-8")
    code, stdout, _ = vigil(data, "report", "card", "--format", "json")
    assert json.loads(stdout)["classes"]["known_exact"] == 1

    exported = tmp_path / "out.json"
    code, _, _ = vigil(
        data, "bank", "export", "--bank", "national", "--format", "vics", "-o", str(exported)
    )
    assert code == 0
    assert hash_bytes(known).md5 in exported.read_text(encoding="utf-8")
    assert vigil(data, "bank", "delete", "national", "--yes")[0] == 0
    code, stdout, _ = vigil(data, "bank", "list", "--json")
    assert json.loads(stdout) == []


def test_bad_import_is_one_line_and_leaves_the_bank(tmp_path: Path) -> None:
    data = tmp_path / "data"
    bad = tmp_path / "bad.txt"
    bad.write_text("0" * 32 + "\n" + "0" * 33 + "\n", encoding="utf-8")
    vigil(data, "bank", "create", "b")
    code, _, stderr = vigil(data, "bank", "import", str(bad), "--bank", "b")
    assert code == 2
    assert "bad.txt" in stderr
    assert "line 2" in stderr
    assert "bank left unchanged" in stderr
    code, stdout, _ = vigil(data, "bank", "list", "--json")
    assert json.loads(stdout)[0]["entries"] == 0


def test_unknown_names_are_one_line_errors(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, _, stderr = vigil(data, "report", "nowhere")
    assert code == 2
    assert "no seizure 'nowhere'" in stderr
    code, _, stderr = vigil(data, "bank", "export", "--bank", "nope", "--format", "vics")
    assert code == 2
    assert "no bank named 'nope'" in stderr
    code, _, stderr = vigil(data, "match", "review", "99", "--verdict", "confirmed")
    assert code == 2
    assert "no match with id 99" in stderr


def test_unknown_verdict_is_a_one_line_error(tmp_path: Path) -> None:
    data = tmp_path / "data"
    card = tmp_path / "card"
    card.mkdir()
    make_jpeg(card / "a.jpg", seed=3)
    assert vigil(data, "ingest", str(card), "--case", "OP-2", "--workers", "1")[0] == 0
    code, _, stderr = vigil(data, "match", "list", "card", "--verdict", "maybe")
    assert code == 2
    assert "verdict must be one of open, confirmed, rejected, not 'maybe'" in stderr

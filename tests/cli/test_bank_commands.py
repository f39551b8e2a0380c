"""`vigil bank ...`, `vigil match ...` and `vigil report` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
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
        "held_elsewhere": 0,
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


# --- files an import must refuse whole, with one line --------------------------------------

_CONTEXT = "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/US/$metadata#"
_MD5S = [f"{n:032x}" for n in range(1, 41)]


def _vics(kind: str, value: object) -> bytes:
    return json.dumps({"@odata.context": _CONTEXT + kind, "value": value}).encode()


def _media(n: int, **extra: object) -> dict[str, object]:
    return {"MD5": _MD5S[n], **extra}


_ICSE_HEADER = (
    "MD5;SHA1;ZZ40;PhotoDNA;Lace;Image ID;Is distributed;Victim identified;"
    "Offender identified;Series name;Investigation name;Agency;Number of submissions;"
    "File Available;Media Type;Baseline\n"
)
# (file name, content, what the one line must name besides the file)
REFUSED = [
    (
        "media-in-cases.json",
        _vics("Cases", [_media(n) for n in range(40)]),
        "case 1: has no Media list",
    ),
    (
        "media-a-string.json",
        _vics("Cases", [{"Media": [_media(n) for n in range(30)]}, {"Media": "x"}]),
        "case 2: field Media: is not a list of Media",
    ),
    (
        "media-item-a-string.json",
        _vics("Cases", [{"Media": [_media(0), "x", _media(1)]}]),
        "case 1, media 2: is not a JSON object",
    ),
    ("category-minus-one.json", _vics("Media", [_media(0), _media(1, Category=-1)]), "record 2"),
    ("category-99.json", _vics("Media", [_media(0, Category=99)]), "record 1: field Category"),
    ("category-abc.json", _vics("Media", [_media(0, Category="abc")]), "'abc' is not a category"),
    (
        "other-scheme.json",
        _vics("Media", [_media(0)]).replace(b"/US/", b"/UK/"),
        "names category scheme VICS-UK, which Vigil does not know",
    ),
    ("empty.txt", b"", "holds no entries"),
    ("comments.txt", b"# nothing here\n\n# at all\n", "holds no entries"),
    ("empty-value.json", _vics("Media", []), "holds no entries"),
    (
        "nested.json",
        _vics("Media", [_media(0)]).replace(
            b'"}]}', b'", "X": ' + b"[" * 1000 + b"]" * 1000 + b"}]}"
        ),
        "record 1: nests JSON deeper than 32 levels",
    ),
    (
        "long-field.csv",
        (_ICSE_HEADER + f'{_MD5S[0]};;"{"z" * 200_000}";;;;;;;;;;;;;\n').encode(),
        "line 2: is not a readable ICSE row (field larger than field limit",
    ),
    ("long-line.txt", b"0" * (2 << 20), "line 1: is longer than"),
]


@pytest.fixture(scope="module")
def banked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory whose bank 'b' holds one good import of three entries."""
    data = tmp_path_factory.mktemp("banked") / "data"
    good = data.parent / "good.txt"
    good.write_text("".join(f"{md5}\n" for md5 in _MD5S[:3]), encoding="utf-8")
    assert vigil(data, "bank", "import", str(good), "--bank", "b", "--create")[0] == 0
    return data


def _bank_state(data: Path) -> tuple[int, str]:
    code, listing, _ = vigil(data, "bank", "list", "--json")
    assert code == 0
    code, shown, _ = vigil(data, "bank", "show", "b")
    assert code == 0
    return json.loads(listing)[0]["entries"], shown


@pytest.mark.parametrize(("name", "content", "named"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_file_not_wholly_readable_is_refused_in_one_line(
    banked: Path, tmp_path: Path, name: str, content: bytes, named: str
) -> None:
    before = _bank_state(banked)
    path = tmp_path / name
    path.write_bytes(content)
    code, _, stderr = vigil(banked, "bank", "import", str(path), "--bank", "b")
    assert code == 2
    (line,) = stderr.strip().splitlines()
    assert line.startswith(f"error: {path}: ")
    assert named in line
    assert line.endswith("(bank left unchanged)")
    assert _bank_state(banked) == before == (3, before[1])
    assert "good.txt" in before[1]


def _vigil_process(
    data: Path, *args: str, memory: int | None = None
) -> subprocess.CompletedProcess[str]:
    """``vigil`` in its own process (optionally under an address-space limit of ``memory``)."""
    limit = (
        f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))\n"
        if memory
        else ""
    )
    code = f"{limit}import sys\nfrom vigil.cli.main import main\nsys.argv[0] = 'vigil'\nmain()\n"
    return subprocess.run(
        [sys.executable, "-c", code, *args, "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "VIGIL_USER": "tester"},
    )


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_nesting_is_refused_in_bounded_memory_and_time(
    banked: Path, tmp_path: Path, depth: int
) -> None:
    # 100,000 nested lists in a 220 KB file once took 23.8 GB; 1,000 raised RecursionError.
    path = tmp_path / "deep.json"
    path.write_bytes(
        _vics("Media", [_media(0)]).replace(
            b'"}]}', b'", "X": ' + b"[" * depth + b"]" * depth + b"}]}"
        )
    )
    started = time.monotonic()
    done = _vigil_process(banked, "bank", "import", str(path), "--bank", "b", memory=300 << 20)
    assert time.monotonic() - started < 20
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert f"{path}: record 1: nests JSON deeper than 32 levels" in line
    assert _bank_state(banked)[0] == 3


def test_a_fifo_is_refused_without_blocking(banked: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "hashes.txt"
    os.mkfifo(fifo)
    done = _vigil_process(banked, "bank", "import", str(fifo), "--bank", "b")
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert f"{fifo}: is a FIFO (named pipe), not a regular file" in line

"""`vigil case`, `offender`, `location`, `missing`, `stats`, `share` on the new kinds and
`ingest --source/--seized-at`, as an investigator runs them: one-line errors naming field and
value, other agencies' restricted records answered as missing, and a missing-child report's
reference photos ingested into its own seizure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.imagegen import make_jpeg
from vigil.cli.main import app
from vigil.config import Settings

runner = CliRunner()


def vigil(settings: Settings, agency: str, *args: str) -> tuple[int, str, str]:
    where = ["--data-dir", str(settings.data_dir), "--database-url", settings.database_url]
    env = {"VIGIL_USER": "tester", "VIGIL_AGENCY": agency}
    result = runner.invoke(app, [*args, *where], env=env)
    return result.exit_code, result.stdout, result.stderr


def ok(result: tuple[int, str, str]) -> str:
    assert result[0] == 0, result
    return result[1]


def one_line_error(result: tuple[int, str, str], *fragments: str) -> str:
    code, _, stderr = result
    assert code == 2, result
    assert stderr.startswith("error: "), stderr
    assert stderr.count("\n") == 1, stderr
    for fragment in fragments:
        assert fragment in stderr, stderr
    return stderr


@pytest.fixture
def agencies(settings: Settings) -> Settings:
    for code, country in (("NCB-AA", "fr"), ("NCB-BB", "br")):
        ok(
            vigil(
                settings,
                "LOCAL",
                *("agency", "create", code, "--name", code, "--kind", "ncb", "--country", country),
            )
        )
    return settings


def test_case_commands(agencies: Settings) -> None:
    s = agencies
    ok(
        vigil(
            s,
            "NCB-AA",
            "case",
            "create",
            "OP-7",
            "--title",
            "Op seven",
            "--priority",
            "high",
            "--opened",
            "2025-12-01",
        )
    )
    one_line_error(
        vigil(s, "NCB-AA", "case", "create", "OP-8", "--opened", "soon"), "opened", "'soon'"
    )
    ok(vigil(s, "NCB-AA", "case", "update", "OP-7", "--priority", "urgent"))
    assert "closed on 2026-01-02" in ok(
        vigil(s, "NCB-AA", "case", "close", "OP-7", "--on", "2026-01-02")
    )
    one_line_error(vigil(s, "NCB-AA", "case", "close", "OP-7"), "closed already", "reopen")
    listed = json.loads(ok(vigil(s, "NCB-AA", "case", "list", "--status", "closed", "--json")))
    assert [(c["reference"], c["priority"]) for c in listed] == [("OP-7", "urgent")]
    shown = json.loads(ok(vigil(s, "NCB-AA", "case", "show", "OP-7", "--json")))
    assert [h["action"] for h in shown["history"]] == ["created", "updated", "status"]
    ok(vigil(s, "NCB-AA", "case", "reopen", "OP-7"))
    one_line_error(vigil(s, "NCB-BB", "case", "show", "OP-7"), "no case 'OP-7'")


def test_offender_and_location_commands_and_sharing(agencies: Settings) -> None:
    s = agencies
    ok(vigil(s, "NCB-AA", "offender", "create", "OFF-1", "--country", "fr"))
    one_line_error(
        vigil(s, "NCB-AA", "offender", "create", "OFF-2", "--country", "QQ"), "country", "'QQ'"
    )
    ok(vigil(s, "NCB-AA", "offender", "status", "OFF-1", "arrested"))
    one_line_error(
        vigil(s, "NCB-AA", "offender", "status", "OFF-1", "identified"),
        "is arrested",
        "allowed next: convicted",
    )
    one_line_error(vigil(s, "NCB-BB", "offender", "show", "OFF-1"), "no offender 'OFF-1'")
    ok(vigil(s, "NCB-AA", "share", "set", "offender", "OFF-1", "--level", "all"))
    shown = json.loads(ok(vigil(s, "NCB-BB", "offender", "show", "NCB-AA/OFF-1", "--json")))
    assert (shown["label"], shown["status"]) == ("NCB-AA/OFF-1", "arrested")
    one_line_error(
        vigil(s, "NCB-BB", "offender", "status", "NCB-AA/OFF-1", "convicted"), "only its owner"
    )

    created = ok(
        vigil(
            s,
            "NCB-AA",
            "location",
            "create",
            "Blue bedroom",
            "--kind",
            "room",
            "--lat",
            "48.8",
            "--lon",
            "2.3",
        )
    )
    number = created.split("#")[1].split()[0]
    one_line_error(
        vigil(
            s,
            "NCB-AA",
            "location",
            "create",
            "Park",
            "--kind",
            "outdoor",
            "--lat",
            "95",
            "--lon",
            "1",
        ),
        "lat",
        "95.0",
    )
    one_line_error(
        vigil(s, "NCB-AA", "location", "add-media", number, "424242"), "media with id 424242"
    )
    one_line_error(vigil(s, "NCB-BB", "location", "show", number), f"no location #{number}")
    ok(
        vigil(
            s, "NCB-AA", "share", "set", "location", number, "--level", "named", "--with", "NCB-BB"
        )
    )
    assert "Blue bedroom" in ok(vigil(s, "NCB-BB", "location", "show", f"#{number}"))
    sharing = json.loads(ok(vigil(s, "NCB-AA", "share", "show", "location", number, "--json")))
    assert (sharing["level"], sharing["named"]) == ("named", ["NCB-BB"])


def test_missing_report_reference_media_are_ingested_and_counted(
    agencies: Settings, tmp_path: Path
) -> None:
    s = agencies
    folder = tmp_path / "reference"
    folder.mkdir()
    for seed in range(3):
        make_jpeg(folder / f"photo-{seed}.jpg", size=(160, 120), seed=seed)
    created = vigil(
        s,
        "NCB-AA",
        *("missing", "create", "YN-2026-1", "--country", "fr", "--child", "Child Y"),
        *("--missing-since", "2025-09-01", "--sex", "female", "--born", "2016"),
        *("--last-seen", "Lyon"),
    )
    assert "level all" in ok(created)
    one_line_error(
        vigil(
            s,
            "NCB-BB",
            *("missing", "create", "YN-2026-1", "--country", "br", "--child", "Other"),
            *("--missing-since", "2025-09-01"),
        ),
        "'YN-2026-1' is taken",
    )
    one_line_error(
        vigil(s, "NCB-BB", "missing", "add-media", "YN-2026-1", str(folder)), "only its owner"
    )
    added = ok(
        vigil(s, "NCB-AA", "missing", "add-media", "YN-2026-1", str(folder), "--workers", "1")
    )
    assert "MISSING-YN-2026-1/reference" in added
    report = json.loads(ok(vigil(s, "NCB-BB", "missing", "show", "YN-2026-1", "--json")))
    assert report["seizure_id"] is not None
    assert report["status"] == "missing"
    stats = json.loads(ok(vigil(s, "NCB-BB", "stats", "--json")))
    assert [(c["reference"], c["seizures"], c["media"]) for c in stats["cases"]] == [
        ("MISSING-YN-2026-1", 1, 3)
    ]
    ok(vigil(s, "NCB-AA", "missing", "found", "YN-2026-1", "--on", "2026-01-05"))
    one_line_error(vigil(s, "NCB-AA", "missing", "found", "YN-2026-1"), "found already")
    assert "YN-2026-1" not in ok(vigil(s, "NCB-BB", "missing", "list", "--status", "missing"))
    assert "By year" in ok(vigil(s, "NCB-BB", "stats", "--by", "year"))


def test_ingest_records_where_and_when_a_seizure_was_made(
    agencies: Settings, tmp_path: Path
) -> None:
    s = agencies
    folder = tmp_path / "phone"
    folder.mkdir()
    make_jpeg(folder / "a.jpg", seed=9)
    one_line_error(
        vigil(s, "NCB-AA", "ingest", str(folder), "--case", "OP-9", "--seized-at", "yesterday"),
        "--seized-at",
        "'yesterday'",
    )
    ok(
        vigil(
            s,
            "NCB-AA",
            *("ingest", str(folder), "--case", "OP-9", "--workers", "1"),
            *("--source", "Suspect's phone", "--seized-at", "2026-02-03T08:15"),
        )
    )
    shown = json.loads(ok(vigil(s, "NCB-AA", "case", "show", "OP-9", "--json")))
    assert shown["status"] == "open"
    assert shown["seizures"] == ["phone"]

"""`vigil ingest --json` and `vigil report` in every format list the files that failed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from typer.testing import CliRunner

from tests.cli.test_ingest_command import run
from tests.ingest.seizuregen import build_bad, build_good
from vigil.cli.main import app


class Ingested(NamedTuple):
    """A seizure ingested with `vigil ingest --json`."""

    data_dir: Path
    bad: dict[str, str]  # the stage each bad file must fail at, by path
    summary: dict[str, Any]  # what --json printed


@pytest.fixture(scope="module")
def seizure(tmp_path_factory: pytest.TempPathFactory) -> Ingested:
    """A seizure with every kind of bad file, ingested once for this module's tests."""
    folder = tmp_path_factory.mktemp("listed")
    root = folder / "card"
    build_good(root, images=2)
    bad = {item.relpath.decode(): item.stage for item in build_bad(root)}
    result = run("ingest", str(root), "--case", "OP-LIST", "--json", data_dir=folder / "d")
    assert result.returncode == 0, result.stderr
    return Ingested(folder / "d", bad, json.loads(result.stdout))


def report(data_dir: Path, *options: str) -> str:
    result = CliRunner().invoke(app, ["report", "card", "--data-dir", str(data_dir), *options])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_ingest_json_lists_each_failed_file_relative_to_the_seizure(seizure: Ingested) -> None:
    data_dir, bad, summary = seizure
    listed = summary["failed_files"]
    assert {item["path"]: item["stage"] for item in listed} == bad
    assert [item["path"] for item in listed] == sorted(bad)
    assert all(item["reason"] for item in listed)
    assert summary["errors"] == len(bad)
    for item in listed:
        assert str(data_dir.parent) not in item["reason"], item


def test_every_report_format_lists_the_failed_files(seizure: Ingested) -> None:
    data_dir, bad, summary = seizure
    by_path = {item["path"]: item for item in summary["failed_files"]}

    document = json.loads(report(data_dir, "--format", "json"))
    assert document["failed_files"] == summary["failed_files"]

    rows = list(csv.reader(io.StringIO(report(data_dir, "--format", "csv"))))
    start = rows.index(["error_path", "stage", "reason", "size"])
    assert {row[0]: (row[1], row[2]) for row in rows[start + 1 :]} == {
        path: (item["stage"], item["reason"]) for path, item in by_path.items()
    }

    text = report(data_dir)
    for path, item in by_path.items():
        assert f"  {path}  {item['stage']}: {item['reason']}" in text
    few = report(data_dir, "--errors", "2")
    assert f"... {len(bad) - 2} more: use --errors all" in few

    html = report(data_dir, "--format", "html", "--errors", "all")
    for path, item in by_path.items():
        assert f"<tr><td>{path}</td><td>{item['stage']}</td>" in html


def test_errors_option_is_checked(seizure: Ingested) -> None:
    result = CliRunner().invoke(
        app, ["report", "card", "--errors", "some", "--data-dir", str(seizure.data_dir)]
    )
    assert result.exit_code == 2
    assert "--errors must be a number or 'all', not 'some'" in result.output

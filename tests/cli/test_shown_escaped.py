"""What the terminal shows of names from seizures: escaped, one line, never Rich markup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vigil.cli.common import fail, print_json
from vigil.cli.main import app


def test_json_on_the_terminal_escapes_bidirectional_controls(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_json([{"path": "IMG\u202egpj.exe"}])
    printed = capsys.readouterr().out
    assert "\u202e" not in printed
    assert "IMG\\u202egpj.exe" in printed
    assert json.loads(printed) == [{"path": "IMG\u202egpj.exe"}]


def test_error_line_escapes_controls_and_markup(capsys: pytest.CaptureFixture[str]) -> None:
    exit_ = fail("bank [bold]x\u202e.json\nsecond: no such file")
    assert exit_.exit_code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == "error: bank [bold]x\\u202e.json\\x0asecond: no such file"


def test_bank_list_and_show_escape_names_from_imported_files(tmp_path: Path) -> None:
    # A bank's source may come from an imported file's header: another agency's words.
    data = ["--data-dir", str(tmp_path / "data")]
    source = "[bold]NCB\u202etsil"
    runner = CliRunner()
    created = runner.invoke(app, ["bank", "create", "national", "--source", source, *data])
    assert created.exit_code == 0, created.output
    for args in (["bank", "list"], ["bank", "list", "--json"], ["bank", "show", "national"]):
        shown = runner.invoke(app, [*args, *data])
        assert shown.exit_code == 0, shown.output
        assert "\u202e" not in shown.stdout, args
        assert "\\u202e" in shown.stdout, args
    listed = runner.invoke(app, ["bank", "show", "national", *data]).stdout
    assert "[bold]NCB" in listed  # shown as text, not taken for markup

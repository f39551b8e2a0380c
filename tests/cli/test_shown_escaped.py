"""What the terminal shows of names from seizures: escaped, one line, never Rich markup."""

from __future__ import annotations

import json

import pytest

from vigil.cli.common import fail, print_json


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

"""Every command and option has help text and is documented in the README."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer.core
import typer.main
from typer.core import TyperOption

from tests.conftest import REPO_ROOT
from vigil.cli.main import app


def commands(group: Any, prefix: str = "vigil") -> Iterator[tuple[str, Any]]:
    """Every leaf command under ``group`` with its full name (Typer's click types are private)."""
    if isinstance(group, typer.core.TyperGroup):
        for name, command in group.commands.items():
            yield from commands(command, f"{prefix} {name}")
    else:
        yield prefix, group


def test_every_option_has_help_and_is_in_the_readme() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    found = list(commands(typer.main.get_command(app)))
    assert len(found) >= 4
    for name, command in found:
        assert command.help, f"{name} has no help text"
        assert name in readme, f"{name} is not documented in README.md"
        for parameter in command.params:
            if isinstance(parameter, TyperOption) and parameter.name != "help":
                flag = max(parameter.opts, key=len)
                assert parameter.help, f"{name} {flag} has no help text"
                assert flag in readme, f"{name} {flag} is not documented in README.md"
                if parameter.envvar:
                    assert str(parameter.envvar) in readme, f"{parameter.envvar} not in README"

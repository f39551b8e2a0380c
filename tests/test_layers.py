"""Imports point down the layers: the domain packages split apart do not import each other back.

Matching reads banks (their visible entries), never the reverse; reports read matching and
the stored seizure, never ingest (which calls reports at the end of a run).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "src" / "vigil"

#: Packages that must not import the packages listed (each one a layer above or beside it).
FORBIDDEN = {
    "banks": {"matching", "reports", "ingest", "cli", "web"},
    "matching": {"reports", "ingest", "cli", "web"},
    "reports": {"ingest", "cli", "web"},
}


def _imported(module: Path) -> Iterator[tuple[int, str]]:
    """(line, vigil package) of every import of a vigil module in ``module``."""
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "vigil" and len(parts) > 1:
                yield node.lineno, parts[1]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_goes_back_up(package: str) -> None:
    modules = sorted((PACKAGE / package).rglob("*.py"))
    assert modules, f"no modules in {package}"
    wrong = [
        f"{module.relative_to(PACKAGE)}:{line} imports vigil.{imported}"
        for module in modules
        for line, imported in _imported(module)
        if imported in FORBIDDEN[package]
    ]
    assert wrong == []

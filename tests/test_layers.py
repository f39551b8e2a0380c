"""Imports point down the layers: the domain packages split apart do not import each other back.

Matching reads banks (their visible entries), never the reverse; reports read matching and
the stored seizure, never ingest (which calls reports at the end of a run); cases (series,
victims, alerts) stand on matching and sharing; sharing stands on the store alone.
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
    # Ingest raises a seizure's alerts and the report lists them: cases serves both.
    "cases": {"reports", "ingest", "cli", "web"},
    # The policy and the network are the ground every domain package stands on.
    "sharing": {"banks", "matching", "reports", "ingest", "cases", "cli", "web"},
    # Previews are made and kept below the pages and the ingest pass that will call them.
    "previews": {"cli", "web", "ingest", "reports", "cases"},
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


ROUTES = PACKAGE / "web" / "routes"
PAGES = PACKAGE / "web" / "pages"


def _query_imports(module: Path) -> Iterator[tuple[int, str]]:
    """(line, name) of every query-building import from sqlalchemy's core in ``module``:
    ``from sqlalchemy import select`` and the like, or ``import sqlalchemy`` itself."""
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy":
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "sqlalchemy" or alias.name.startswith("sqlalchemy.sql"):
                    yield node.lineno, alias.name


def test_routes_build_no_queries() -> None:
    """Routes and pages hold no business logic: their queries live in the domain functions
    they call (a session, from ``sqlalchemy.orm``, they may hold and pass on)."""
    modules = sorted([*ROUTES.glob("*.py"), *PAGES.glob("*.py")])
    assert len(modules) > 5, f"no route modules in {ROUTES}"
    assert any(module.parent == PAGES for module in modules), f"no page modules in {PAGES}"
    wrong = [
        f"{module.relative_to(PACKAGE)}:{line} imports {name} from sqlalchemy"
        for module in modules
        for line, name in _query_imports(module)
    ]
    assert wrong == []

"""The signal facts are written once, in signals/, and nowhere else in src/.

The facts hunted for are read from the registry itself (the PDQ radius, the vPDQ share, the
quality floor, the hex lengths and the exact-hash names), so the test follows them if they
change. Only code is searched: comments and docstrings may explain a value in words.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import vigil
from vigil.signals.registry import EXACT, HEX_SIGNALS, PDQ, SIGNAL_TYPES, VPDQ

SRC = Path(vigil.__file__).parent
# signals/ defines the facts. store/ sits below signals/ in the layers and cannot import
# them: its column widths are checked against the registry in test_registry.py.
OWNERS = ("signals", "store")
# (file, rule) -> why that file may match the rule.
ALLOWED = {
    ("banks/formats/vics.py", "exact names"): "VICS's own property names, mapped one by one",
}

_EXACT_NAMES = frozenset(s.name for s in EXACT)
_HEX_LENGTHS = frozenset(s.hex_digits for s in SIGNAL_TYPES if s.hex_digits is not None)
_HEX_WORDS = re.compile("|".join(["hex", *(s.name for s in HEX_SIGNALS)]), re.IGNORECASE)
# A class of hex digits repeated to a hash's length or without bound (not after "0x": an
# address); a fixed short run, such as a token's id, is no hash.
_LENGTHS = "|".join(str(n) for n in sorted(_HEX_LENGTHS))
_HEX_CLASS = re.compile(
    rf"(?<!0x)\[(?:0-9a-f|a-f0-9|0-9a-fA-F|0-9A-Fa-f)\](?:[+*]|\{{(?:{_LENGTHS})\}})"
)
_DIGITS_TEXT = re.compile(rf"\b(?:{_LENGTHS}) hex digits")
_RADIUS_TEXT = re.compile(
    rf"\b{PDQ.default_threshold} bits\b|radius\D{{0,12}}\b{PDQ.default_threshold}\b"
)
_FLOOR_TEXT = re.compile(rf"quality\D{{0,12}}\b{PDQ.quality_floor}\b", re.IGNORECASE)
_NAMES_TEXT = re.compile(rf"\b(?:{'|'.join(_EXACT_NAMES)})\|(?:{'|'.join(_EXACT_NAMES)})\b")


def _prose(tree: ast.AST) -> set[int]:
    """ids of the string constants that are statements of their own (docstrings)."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }


def _strings_in(node: ast.AST) -> list[str]:
    return [
        element.value
        for element in node.elts  # type: ignore[attr-defined]
        if isinstance(element, ast.Constant) and isinstance(element.value, str)
    ]


def findings(source: str) -> Iterator[tuple[int, str]]:
    """(line, rule) for every place ``source`` writes a signal fact of its own."""
    tree = ast.parse(source)
    lines = source.splitlines()
    prose = _prose(tree)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        text = lines[line - 1] if line else ""
        if isinstance(node, ast.Constant) and id(node) not in prose:
            value = node.value
            if isinstance(value, bool):
                continue
            if isinstance(value, int) and value == PDQ.default_threshold:
                yield line, "radius"
            if isinstance(value, float) and value == VPDQ.default_threshold:
                yield line, "share"
            if isinstance(value, int) and value == PDQ.quality_floor and "quality" in text.lower():
                yield line, "quality floor"
            if isinstance(value, int) and value in _HEX_LENGTHS and _HEX_WORDS.search(text):
                yield line, "hex length"
            if isinstance(value, str):
                yield from _in_text(line, value)
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            if len(_EXACT_NAMES.intersection(_strings_in(node))) >= 2:
                yield line, "exact names"
        elif isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if len(_EXACT_NAMES & keys) >= 2:
                yield line, "exact names"


def _in_text(line: int, value: str) -> Iterator[tuple[int, str]]:
    if _HEX_CLASS.search(value) or "0123456789abcdef" in value.lower():
        yield line, "hex class"
    if _DIGITS_TEXT.search(value):
        yield line, "hex length"
    if _RADIUS_TEXT.search(value):
        yield line, "radius"
    if _FLOOR_TEXT.search(value):
        yield line, "quality floor"
    if _NAMES_TEXT.search(value):
        yield line, "exact names"


def _scanned() -> Iterator[tuple[str, str]]:
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative.split("/")[0] not in OWNERS:
            yield relative, path.read_text(encoding="utf-8")


PLANTED = '''
"""A docstring may say 31 bits, quality 50 and 64 hex digits: it is prose."""
RADIUS = 31
SHARE = 0.8
ok = quality >= 50
KINDS = {"md5": 32, "sha256": 64}
EXACT = ("sha256", "sha1")
HEX = re.compile(r"[0-9a-f]+")
TEXT = f"not fuzzy-matched (PDQ quality < 50): {n}"
PATTERN = r"(?:md5|sha1)"
MESSAGE = f"{value} is not an MD5 (32 hex digits)"
NOT_A_FACT = 50  # an unrelated fifty
ADDRESS = re.compile(r" @ 0x[0-9a-fA-F]+")
TOKEN_ID = re.compile(r"[0-9a-f]{12}")
VALID = all(c in "0123456789abcdef" for c in text)
'''


def test_each_rule_finds_what_it_is_for() -> None:
    found = sorted(findings(PLANTED))
    assert found == [
        (3, "radius"),
        (4, "share"),
        (5, "quality floor"),
        (6, "exact names"),
        (6, "hex length"),
        (6, "hex length"),
        (7, "exact names"),
        (8, "hex class"),
        (9, "quality floor"),
        (10, "exact names"),
        (11, "hex length"),
        (15, "hex class"),
    ]


def test_no_module_outside_signals_writes_a_signal_fact() -> None:
    scanned = 0
    offending: list[str] = []
    allowed_seen: set[tuple[str, str]] = set()
    for relative, source in _scanned():
        scanned += 1
        for line, rule in findings(source):
            if (relative, rule) in ALLOWED:
                allowed_seen.add((relative, rule))
            else:
                offending.append(f"{relative}:{line}: {rule}")
    assert scanned >= 60, "the scan found too few modules to mean anything"
    assert offending == [], "read these from vigil.signals.registry instead"
    # An exception that no longer applies is dropped, so that it cannot hide a new copy.
    assert allowed_seen == set(ALLOWED)


@pytest.mark.parametrize("owner", OWNERS)
def test_owners_exist(owner: str) -> None:
    assert (SRC / owner / "__init__.py").is_file()

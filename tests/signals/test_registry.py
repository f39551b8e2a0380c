"""The signal registry: every signal type keeps its protocol, and its facts are as documented."""

from __future__ import annotations

import subprocess
import sys
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String

from vigil.signals.base import ANY_FILE, Comparison, SignalType
from vigil.signals.registry import (
    EXACT,
    HEX_SIGNALS,
    MD5,
    PDQ,
    SHA1,
    SHA256,
    SIGNAL_TYPES,
    VPDQ,
    signal_type,
)
from vigil.store.models import BankEntry, Media

NAMES = [s.name for s in SIGNAL_TYPES]


def test_the_registered_signal_types() -> None:
    assert NAMES == ["sha256", "sha1", "md5", "pdq", "vpdq"]
    assert len(set(NAMES)) == len(NAMES)
    assert len({s.title for s in SIGNAL_TYPES}) == len(SIGNAL_TYPES)
    assert all(name == name.lower() and name.isidentifier() for name in NAMES)
    assert [s.name for s in EXACT] == ["sha256", "sha1", "md5"]  # strongest first
    assert [s.name for s in HEX_SIGNALS] == ["sha256", "sha1", "md5", "pdq"]


def test_thresholds_and_forms_are_as_documented() -> None:
    # README and DESIGN.md: PDQ matches within 31 bits, quality below 50 is unreliable, a
    # video matches when 80 % of its frames are found; MD5 32, SHA-1 40, SHA-256 64 digits.
    assert (PDQ.default_threshold, PDQ.quality_floor, PDQ.hex_digits) == (31, 50, 64)
    assert (VPDQ.default_threshold, VPDQ.quality_floor, VPDQ.hex_digits) == (0.8, 50, None)
    assert [(s.hex_digits, s.default_threshold) for s in (MD5, SHA1, SHA256)] == [
        (32, 0),
        (40, 0),
        (64, 0),
    ]
    assert all(s.quality_floor is None and s.exact for s in EXACT)
    assert not PDQ.exact
    assert not VPDQ.exact


def test_content_kinds() -> None:
    assert {"image", "video", "other"} == ANY_FILE
    assert {s.name: s.content for s in SIGNAL_TYPES} == {
        "sha256": ANY_FILE,
        "sha1": ANY_FILE,
        "md5": ANY_FILE,
        "pdq": {"image"},
        "vpdq": {"video"},
    }


@pytest.mark.parametrize("signal", SIGNAL_TYPES, ids=NAMES)
def test_examples_round_trip_and_compare_per_group(signal: SignalType[Any]) -> None:
    groups = signal.get_examples().groups
    values = [value for group in groups for value in group]
    assert len(groups) >= 2, "examples need two groups to tell apart"
    assert all(groups)
    for value in values:
        assert signal.parse(signal.dump(value)) == value
        assert signal.compare(value, value) == Comparison(matched=True, distance=0)
    same = [pair for group in groups for pair in combinations(group, 2)]
    different = [(a, b) for one, other in combinations(groups, 2) for a in one for b in other]
    for a, b in same:
        assert signal.compare(a, b).matched
        assert signal.compare(b, a).matched
    for a, b in different:
        result = signal.compare(a, b)
        assert not result.matched
        assert result.distance > 0
    assert len(values) + len(same) + len(different) >= 3


def test_pdq_threshold_is_a_radius_in_bits() -> None:
    original, _, sharpened = PDQ.get_examples().groups[0]
    distance = PDQ.compare(original, sharpened).distance
    assert 0 < distance <= PDQ.default_threshold
    assert PDQ.compare(original, sharpened, threshold=distance).matched
    assert not PDQ.compare(original, sharpened, threshold=distance - 1).matched


def test_vpdq_threshold_is_a_share_of_the_query() -> None:
    pattern, _, doorknob = (group[0] for group in VPDQ.get_examples().groups)
    longer = pattern + doorknob  # two thirds of its frames are the pattern's
    assert VPDQ.compare(pattern, longer) == Comparison(matched=True, distance=0.0)
    assert not VPDQ.compare(longer, pattern).matched  # 2/3 < 0.8
    assert VPDQ.compare(longer, pattern, threshold=0.6).matched
    assert VPDQ.compare(longer, pattern).distance == pytest.approx(1 / 3)


def test_exact_hashes_ignore_the_threshold() -> None:
    empty, abc = (group[0] for group in MD5.get_examples().groups)
    assert MD5.compare(empty, abc, threshold=1000) == Comparison(matched=False, distance=1)


def test_examples_compute_from_their_content(tmp_path: Path) -> None:
    computed = 0
    for signal in SIGNAL_TYPES:
        for number, (content, expected) in enumerate(signal.get_examples().contents):
            path = tmp_path / f"{signal.name}-{number}"
            path.write_bytes(content)
            assert signal.compute(path) == expected, signal.name
            computed += 1
    with_content = {s.name for s in SIGNAL_TYPES if s.get_examples().contents}
    # vPDQ's compute is checked against Meta's own videos by the conformance tests.
    assert with_content == {"sha256", "sha1", "md5", "pdq"}
    assert computed == 7


def test_compute_of_a_missing_file_is_a_media_error(tmp_path: Path) -> None:
    from vigil.media.errors import MediaError

    for signal in (SHA256, PDQ):
        with pytest.raises(MediaError, match="cannot read"):
            signal.compute(tmp_path / "absent")


def test_parse_names_the_problem() -> None:
    with pytest.raises(ValueError, match=r"not a PDQ hash \(64 hex digits, got 3\): 'abc'"):
        PDQ.parse("abc")
    with pytest.raises(ValueError, match="not an MD5"):
        MD5.parse(None)
    with pytest.raises(ValueError, match="vPDQ frame 0"):
        VPDQ.parse([["not", "a", "frame"]])


def test_lookup_by_name() -> None:
    assert all(signal_type(s.name) is s for s in SIGNAL_TYPES)
    with pytest.raises(ValueError, match=r"unknown signal type 'sha512' \(known: sha256, sha1"):
        signal_type("sha512")


def test_store_columns_hold_the_registered_hex_forms() -> None:
    # The store sits below signals/ and cannot import the registry: its column widths are
    # checked here instead.
    tables = (Media.__table__.columns, BankEntry.__table__.columns)
    checked = 0
    for columns in tables:
        for signal in HEX_SIGNALS:
            column_type = columns[signal.name].type
            assert isinstance(column_type, String)
            assert column_type.length == signal.hex_digits, signal.name
            checked += 1
    assert checked == 2 * len(HEX_SIGNALS)


def test_reading_the_registry_loads_no_image_or_video_stack() -> None:
    # The CLI and the bank formats read the registry's facts on every start.
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, vigil.signals.registry; "
            "print(sorted({'numpy', 'PIL', 'av', 'pdqhash'} & set(sys.modules)))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert loaded.strip() == "[]"

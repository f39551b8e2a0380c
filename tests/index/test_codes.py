"""Parsing PDQ hex into arrays, and the brute-force distances the index checks with."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.index.codes import as_words, codes_from_hex, query_code, scan, scan_many

HEX_A = "f" * 64
HEX_B = "0123456789abcdef" * 4


def test_codes_from_hex_reads_bytes_most_significant_first() -> None:
    codes = codes_from_hex([HEX_B, HEX_B.upper(), HEX_A])

    assert codes.shape == (3, 32)
    assert codes.dtype == np.uint8
    assert codes[0].tobytes() == bytes.fromhex(HEX_B)
    assert codes[1].tobytes() == bytes.fromhex(HEX_B)
    assert codes[2].tobytes() == b"\xff" * 32
    codes[0, 0] = 7  # a writable array like any other


def test_codes_from_hex_of_nothing_is_an_empty_array() -> None:
    assert codes_from_hex([]).shape == (0, 32)


@pytest.mark.parametrize(
    ("bad", "position"),
    [
        ("g" + "0" * 63, 1),  # not a hex digit
        ("0" * 63, 1),  # too short
        ("0" * 65, 1),  # too long
        ("00 " + "0" * 61, 1),  # a space inside, which bytes.fromhex would skip
        ("0x" + "0" * 62, 1),
        ("é" * 64, 1),
    ],
)
def test_codes_from_hex_names_the_bad_value_and_its_position(bad: str, position: int) -> None:
    values = [HEX_A, bad, HEX_B]

    with pytest.raises(ValueError, match=rf"position {position}: {bad!r}"):
        codes_from_hex(values)


def test_codes_from_hex_catches_a_short_value_beside_a_long_one() -> None:
    # Joined, these are 128 valid hex digits: only the lengths give them away.
    with pytest.raises(ValueError, match=r"position 0: '0{63}'"):
        codes_from_hex(["0" * 63, "0" * 65])


def test_codes_from_hex_rejects_values_that_are_not_text() -> None:
    with pytest.raises(ValueError, match="position 1"):
        codes_from_hex([HEX_A, bytes(32)])  # type: ignore[list-item]


def test_query_code_takes_hex_bytes_or_an_array() -> None:
    expected = bytes.fromhex(HEX_B)

    assert query_code(HEX_B).tobytes() == expected
    assert query_code(expected).tobytes() == expected
    assert query_code(np.frombuffer(expected, dtype=np.uint8)).tobytes() == expected


@pytest.mark.parametrize(
    "bad", [b"\x00" * 31, np.zeros(31, dtype=np.uint8), np.zeros(32, dtype=np.int64), "abc"]
)
def test_query_code_rejects_anything_but_one_hash(bad: object) -> None:
    with pytest.raises(ValueError, match="PDQ hash"):
        query_code(bad)  # type: ignore[arg-type]


def test_scans_find_exactly_the_rows_within_the_radius() -> None:
    rng = np.random.default_rng(5)
    codes = rng.integers(0, 256, size=(70_000, 32), dtype=np.uint8)
    queries = codes[[3, 69_999]].copy()
    queries[:, 0] ^= 0b111  # 3 bits from rows 3 and 69,999
    words, query_words = as_words(codes), as_words(queries)

    rows, distances = scan(words, query_words[1], 3)
    numbers, many_rows, many_distances = scan_many(words[:500], query_words, 3)

    assert rows.tolist() == [69_999]
    assert distances.tolist() == [3]
    assert scan(words, query_words[1], 2)[0].size == 0
    assert numbers.tolist() == [0]
    assert many_rows.tolist() == [3]
    assert many_distances.tolist() == [3]

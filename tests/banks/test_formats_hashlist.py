"""Plain hash lists and ThreatExchange PDQ text: import, export, round trip, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.banks.samples import (
    MD5_A,
    MD5_B,
    PDQ_A,
    PDQ_B,
    PHOTODNA_A,
    SHA1_A,
    SHA256_A,
    read_all,
    read_error,
    round_trip,
    write_all,
)
from vigil.banks.formats import KnownHash, ListHeader, detect_format

PLAIN_SAMPLE = f"""\ufeff# made-up list, one hash a line
{MD5_A.upper()}

  {SHA1_A}\t
{SHA256_A}
# a PDQ hash needs its prefix: bare 64 hex digits are SHA-256
PDQ:{PDQ_A}
md5: {MD5_B}
photodna:{PHOTODNA_A}
"""
PLAIN_ENTRIES = [
    KnownHash(md5=MD5_A),
    KnownHash(sha1=SHA1_A),
    KnownHash(sha256=SHA256_A),
    KnownHash(pdq=PDQ_A),
    KnownHash(md5=MD5_B),
    KnownHash(photodna=PHOTODNA_A),
]
TE_SAMPLE = f"""{PDQ_A.upper()},100\r
{PDQ_B}, 42\r
# quality is optional
{PDQ_A}
{PDQ_B},
{PDQ_A},61,folder/file name, with comma.jpg
"""
TE_ENTRIES = [
    KnownHash(pdq=PDQ_A, pdq_quality=100),
    KnownHash(pdq=PDQ_B, pdq_quality=42),
    KnownHash(pdq=PDQ_A),
    KnownHash(pdq=PDQ_B),
    KnownHash(pdq=PDQ_A, pdq_quality=61, metadata={"label": "folder/file name, with comma.jpg"}),
]


def _file(tmp_path: Path, content: str, name: str = "list.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    return path


def test_plain_list_import(tmp_path: Path) -> None:
    path = _file(tmp_path, PLAIN_SAMPLE)
    assert detect_format(path) == "hashlist"
    header, entries = read_all(path)
    assert header == ListHeader(name=None, source=None, category_scheme=None)
    assert entries == PLAIN_ENTRIES


def test_plain_list_export_writes_the_strongest_hash_of_each_entry() -> None:
    entries = [
        KnownHash(md5=MD5_A, sha1=SHA1_A, sha256=SHA256_A, category="1"),
        KnownHash(md5=MD5_A, sha1=SHA1_A),
        KnownHash(md5=MD5_B, pdq=PDQ_A),
        KnownHash(pdq=PDQ_A, pdq_quality=90, photodna=PHOTODNA_A),
        KnownHash(photodna=PHOTODNA_A),
    ]
    assert write_all(entries, "hashlist").decode() == (
        f"{SHA256_A}\n{SHA1_A}\n{MD5_B}\npdq:{PDQ_A}\nphotodna:{PHOTODNA_A}\n"
    )


def test_plain_list_round_trip() -> None:
    assert round_trip(PLAIN_ENTRIES, "hashlist") == PLAIN_ENTRIES


_one_signal = st.one_of(
    st.binary(min_size=16, max_size=16).map(lambda b: KnownHash(md5=b.hex())),
    st.binary(min_size=20, max_size=20).map(lambda b: KnownHash(sha1=b.hex())),
    st.binary(min_size=32, max_size=32).map(lambda b: KnownHash(sha256=b.hex())),
    st.binary(min_size=32, max_size=32).map(lambda b: KnownHash(pdq=b.hex())),
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(_one_signal, max_size=8))
def test_plain_list_round_trip_property(entries: list[KnownHash]) -> None:
    assert round_trip(entries, "hashlist") == entries


def test_te_pdq_import(tmp_path: Path) -> None:
    path = _file(tmp_path, TE_SAMPLE, name="hashes.pdq")
    assert detect_format(path) == "te-pdq"
    assert read_all(path)[1] == TE_ENTRIES


def test_te_pdq_export_writes_quality_only_when_known() -> None:
    entries = [*TE_ENTRIES, KnownHash(md5=MD5_A)]
    out = write_all(TE_ENTRIES, "te-pdq").decode()
    assert out.splitlines() == [
        f"{PDQ_A},100",
        f"{PDQ_B},42",
        PDQ_A,
        PDQ_B,
        f"{PDQ_A},61,folder/file name, with comma.jpg",
    ]
    # The MD5-only entry is left out, and the count says so.
    assert round_trip(entries, "te-pdq", written=len(TE_ENTRIES)) == TE_ENTRIES


def test_hex_lines_with_a_comma_are_te_pdq_and_without_are_plain(tmp_path: Path) -> None:
    assert detect_format(_file(tmp_path, f"# c\n\n{PDQ_A},90\n")) == "te-pdq"
    assert detect_format(_file(tmp_path, f"{PDQ_A}\n{PDQ_B},90\n")) == "hashlist"
    assert detect_format(_file(tmp_path, "# nothing but a comment\n")) == "hashlist"
    assert read_all(_file(tmp_path, f"{PDQ_A}\n"), "te-pdq")[1] == [KnownHash(pdq=PDQ_A)]


@pytest.mark.parametrize(
    ("line", "field", "value", "message"),
    [
        (
            "0" * 33,
            "hash",
            "0" * 33,
            "is not a hash (MD5 has 32 hex digits, SHA-1 40, SHA-256 64; got 33)",
        ),
        ("z" * 32, "MD5", "z" * 32, "is not an MD5 (32 hex digits; 'z' is not one)"),
        ("sha1:" + "0" * 41, "SHA1", "0" * 41, "is not a SHA-1 (40 hex digits, got 41)"),
        (
            "crc32:1234abcd",
            "hash",
            "crc32:1234abcd",
            "has an unknown prefix (known: md5:, sha1:, sha256:, pdq:, photodna:)",
        ),
        ("pdq:", "PDQ", "pdq:", "has no hash after its prefix"),
    ],
)
def test_bad_plain_lines_are_named(
    tmp_path: Path, line: str, field: str, value: str, message: str
) -> None:
    path = _file(tmp_path, f"{MD5_A}\n# comment\n{line}\n{MD5_B}\n")
    error = read_error(path, "hashlist")
    assert (error.location, error.field, error.value) == ("line 3", field, value)
    assert str(error) == f"{path}: line 3: field {field}: {value!r} {message}"


@pytest.mark.parametrize(
    ("line", "field", "value", "message"),
    [
        (
            "f" * 63 + ",90",
            "PDQ",
            "f" * 63,
            f"field PDQ: '{'f' * 63}' is not a PDQ hash (64 hex digits, got 63)",
        ),
        (
            PDQ_A + ",101",
            "quality",
            "101",
            "field quality: '101' is not a PDQ quality (a whole number from 0 to 100)",
        ),
        (
            PDQ_A + ",high",
            "quality",
            "high",
            "field quality: 'high' is not a PDQ quality (a whole number from 0 to 100)",
        ),
        (",90", "PDQ", ",90", "field PDQ: ',90' has no PDQ hash before its first comma"),
    ],
)
def test_bad_te_pdq_lines_are_named(
    tmp_path: Path, line: str, field: str, value: str, message: str
) -> None:
    path = _file(tmp_path, f"{PDQ_A},100\n{line}\n")
    error = read_error(path, "te-pdq")
    assert (error.location, error.field, error.value) == ("line 2", field, value)
    assert str(error) == f"{path}: line 2: {message}"


def test_the_cli_case_a_33_digit_line_after_a_good_one(tmp_path: Path) -> None:
    path = _file(tmp_path, "0" * 32 + "\n" + "0" * 33 + "\n", name="bad.txt")
    assert detect_format(path) == "hashlist"
    error = read_error(path)
    assert str(error) == (
        f"{path}: line 2: field hash: '{'0' * 33}' is not a hash "
        "(MD5 has 32 hex digits, SHA-1 40, SHA-256 64; got 33)"
    )

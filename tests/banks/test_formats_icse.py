"""ICSE-style CSV: import, export, round trip, detection and malformed rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.banks.samples import (
    ICSE_HEADER,
    ICSE_SAMPLE,
    MD5_A,
    MD5_B,
    PDQ_A,
    PHOTODNA_A,
    SHA1_A,
    SHA1_B,
    SHA256_A,
    icse_entries,
    read_all,
    read_error,
    round_trip,
)
from vigil.banks.formats import (
    BankFormatError,
    KnownHash,
    ListHeader,
    detect_format,
    read_hashes,
    write_hashes,
)

SAMPLE_ENTRIES = [
    KnownHash(
        md5=MD5_A,
        sha1=SHA1_A,
        photodna=PHOTODNA_A,
        series="Series X",
        distributed=True,
        victim_identified=False,
        offender_identified=True,
        baseline=True,
        metadata={
            "ZZ40": "zz1",
            "Lace": "lace-1",
            "Image ID": "IMG-1",
            "Investigation name": "Op Made-up",
            "Agency": "Unit 1",
            "Number of submissions": "3",
            "File Available": "Y",
            "Media Type": "Image",
        },
    ),
    KnownHash(md5=MD5_B),
    KnownHash(
        sha1=SHA1_B,
        distributed=False,
        victim_identified=True,
        offender_identified=False,
        baseline=False,
        metadata={"Image ID": "id;with;semicolons", "Media Type": "Video"},
    ),
]


def _file(tmp_path: Path, content: str, name: str = "icse.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    return path


def test_import_with_bom_crlf_trailing_semicolon_and_quoted_cells(tmp_path: Path) -> None:
    path = _file(tmp_path, "\ufeff" + ICSE_SAMPLE)
    assert detect_format(path) == "icse-csv"
    header, entries = read_all(path)
    assert header == ListHeader(name=None, source=None, category_scheme=None)
    assert entries == SAMPLE_ENTRIES


def test_header_is_recognised_in_any_case(tmp_path: Path) -> None:
    path = _file(tmp_path, f"{ICSE_HEADER.upper()}\n{MD5_A};;;;;;;;;;;;;;;\n")
    assert detect_format(path) == "icse-csv"
    assert read_all(path)[1] == [KnownHash(md5=MD5_A)]


def test_export_writes_the_header_and_y_n_flags(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with path.open("wb") as out:
        assert write_hashes(SAMPLE_ENTRIES, "icse-csv", out, ListHeader(None, None, None)) == 3
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    assert lines[0] == ICSE_HEADER
    assert lines[1] == (
        f"{MD5_A};{SHA1_A};zz1;{PHOTODNA_A};lace-1;IMG-1;Y;N;Y;Series X;Op Made-up;"
        "Unit 1;3;Y;Image;Y"
    )
    assert lines[2] == f"{MD5_B};;;;;;;;;;;;;;;"
    assert lines[3] == f';{SHA1_B};;;;"id;with;semicolons";N;Y;N;;;;;;Video;N'
    assert lines[4:] == [""]
    assert read_all(path)[1] == SAMPLE_ENTRIES


def test_export_leaves_out_what_the_format_cannot_hold(tmp_path: Path) -> None:
    entries = [
        KnownHash(md5=MD5_A, sha256=SHA256_A, category="1"),
        KnownHash(pdq=PDQ_A),
        KnownHash(sha256=SHA256_A),
    ]
    path = tmp_path / "out.csv"
    with path.open("wb") as out:
        assert write_hashes(entries, "icse-csv", out, ListHeader(None, None, None)) == 1
    assert read_all(path)[1] == [KnownHash(md5=MD5_A)]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(icse_entries.filter(KnownHash.has_signal), max_size=6))
def test_round_trip_property(entries: list[KnownHash]) -> None:
    assert round_trip(entries, "icse-csv") == entries


def _row(**cells: str) -> str:
    columns = ICSE_HEADER.split(";")
    return ";".join(cells.get(column.replace(" ", "_"), "") for column in columns)


@pytest.mark.parametrize(
    ("row", "field", "value", "message"),
    [
        (
            _row(MD5="0" * 33),
            "MD5",
            "0" * 33,
            f"field MD5: '{'0' * 33}' is not an MD5 (32 hex digits, got 33)",
        ),
        (
            _row(SHA1="x" * 40),
            "SHA1",
            "x" * 40,
            f"field SHA1: '{'x' * 40}' is not a SHA-1 (40 hex digits; 'x' is not one)",
        ),
        (
            _row(MD5=MD5_A, Victim_identified="perhaps"),
            "Victim identified",
            "perhaps",
            "field Victim identified: 'perhaps' is not a yes/no value "
            "(true/false, Y/N, yes/no or 1/0)",
        ),
        (
            _row(Series_name="only a series", Baseline="Y"),
            None,
            None,
            "has no hash at all (it needs one of MD5, SHA1 or PhotoDNA)",
        ),
        (
            f"{MD5_A};{SHA1_A};;;",
            None,
            f"{MD5_A};{SHA1_A};;;",
            f"'{MD5_A};{SHA1_A};;;' has 5 columns where the ICSE header has 16",
        ),
        (
            _row(MD5=MD5_A) + ";extra;",
            None,
            _row(MD5=MD5_A) + ";extra;",
            f"'{_row(MD5=MD5_A)};extra;' has 18 columns where the ICSE header has 16",
        ),
    ],
)
def test_bad_rows_are_named(
    tmp_path: Path, row: str, field: str | None, value: object, message: str
) -> None:
    path = _file(tmp_path, f"{ICSE_HEADER}\r\n{MD5_B};;;;;;;;;;;;;;;\r\n\r\n{row}\r\n")
    error = read_error(path)
    assert (error.location, error.field, error.value) == ("line 4", field, value)
    assert str(error) == f"{path}: line 4: {message}"


def test_a_file_without_the_header_fails_at_once(tmp_path: Path) -> None:
    path = _file(tmp_path, f"MD5;SHA1\n{MD5_A};{SHA1_A}\n")
    with pytest.raises(BankFormatError) as caught:
        read_hashes(path, "icse-csv")
    assert str(caught.value).startswith(f"{path}: line 1: 'MD5;SHA1' is not the ICSE header (")


def test_text_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{ICSE_HEADER}\n{MD5_A};;;;;;;;;".encode() + b"S\xe9rie;;;;;;\n")
    error = read_error(path)
    assert str(error) == f"{path}: line 2: is not UTF-8 text (byte 43)"


def test_a_row_the_csv_module_cannot_read_is_one_error(tmp_path: Path) -> None:
    # Found by the fuzz test: a carriage return before the header broke the csv module.
    path = tmp_path / "cr.csv"
    path.write_bytes(b"\r" + ICSE_SAMPLE.encode())
    error = read_error(path, "icse-csv")
    assert error.location == "line 1"
    assert "is not a readable ICSE row (new-line character seen in unquoted field" in str(error)

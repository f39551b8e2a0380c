"""Project VIC VICS JSON: 1.x and 2.0, hash sets and case exports, export, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.banks.samples import (
    MD5_A,
    MD5_B,
    MD5_C,
    NO_HEADER,
    PDQ_A,
    PHOTODNA_A,
    SHA1_A,
    SHA1_B,
    SHA256_A,
    VICS_1_HASH_SET,
    VICS_2_CASES,
    VICS_2_HASH_SET,
    read_all,
    read_error,
    round_trip,
    vics_entries,
    write_all,
)
from vigil.banks.formats import BankFormatError, KnownHash, ListHeader, detect_format, read_hashes

CONTEXT_US = "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/US/$metadata#Media"


def _file(tmp_path: Path, content: str, name: str = "hashes.json") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def _media_file(tmp_path: Path, *media: dict[str, object]) -> Path:
    return _file(tmp_path, json.dumps({"@odata.context": CONTEXT_US, "value": list(media)}))


def test_vics_1_with_annotations_and_photodna_in_alternative_hashes(tmp_path: Path) -> None:
    path = _file(tmp_path, VICS_1_HASH_SET)
    assert detect_format(path) == "vics"
    header, entries = read_all(path)
    assert header == ListHeader(name=None, source=None, category_scheme="VICS-US")
    assert entries == [
        KnownHash(
            md5=MD5_A,
            sha1=SHA1_A,
            sha256=SHA256_A,
            photodna=PHOTODNA_A,
            category="1",
            series="Made-up series",
            victim_identified=True,
            offender_identified=False,
            distributed=False,
            metadata={
                "MediaID": 1,
                "MediaSize": 2048,
                "RelativeFilePath": "folder/a.jpg",
                "IsPrecategorized": "true",
                "AlternativeHashes": [{"HashName": "ZZ40", "HashValue": "zz-made-up"}],
            },
        ),
        KnownHash(
            md5=MD5_B,
            metadata={
                "MediaID": 2,
                "Exifs": [{"PropertyName": "Make", "PropertyValue": "ACME"}],
                "DateUpdated": "2024-01-02T03:04:05Z",
                "AspectRatio": 1.5,
            },
        ),
    ]
    # ijson reads numbers as Decimal unless told otherwise; metadata must stay JSON-able.
    assert type(entries[0].metadata["MediaSize"]) is int
    assert type(entries[1].metadata["AspectRatio"]) is float
    json.dumps([dict(e.metadata) for e in entries])


def test_vics_2_hash_set_with_bom_string_flags_and_pdq(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + VICS_2_HASH_SET.encode("utf-8"))
    assert detect_format(path) == "vics"
    header, entries = read_all(path)
    assert header.category_scheme == "VICS-US"
    assert entries == [
        KnownHash(
            md5=MD5_A,
            pdq=PDQ_A,
            pdq_quality=87,
            photodna=PHOTODNA_A,
            category="2",
            victim_identified=True,
            offender_identified=False,
            distributed=True,
            metadata={"MediaID": 10, "Tags": ["made-up", "test"], "Comments": None},
        ),
        KnownHash(md5=MD5_B, sha1=SHA1_B, category="0", series="7", metadata={"MediaID": 11}),
    ]


def test_vics_2_cases_keep_case_fields_written_before_or_after_the_media(tmp_path: Path) -> None:
    header, entries = read_all(_file(tmp_path, VICS_2_CASES))
    assert header.category_scheme == "VICS-UK"
    first_case = {
        "CaseID": "c-1",
        "CaseNumber": "OP-1",
        "ContactOrganization": {"Name": "Made-up unit"},
    }
    second_case = {"CaseID": "c-2", "CaseNumber": "OP-2"}
    assert [(e.md5, e.category, e.metadata) for e in entries] == [
        (MD5_A, "1", {"MediaFiles": [{"FileName": "a.jpg"}], "case": first_case}),
        (MD5_B, "3", {"case": first_case}),
        (MD5_C, "4", {"case": second_case}),
    ]


def test_cases_shape_is_found_without_a_fragment(tmp_path: Path) -> None:
    document = json.loads(VICS_2_CASES)
    document["@odata.context"] = "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/US"
    header, entries = read_all(_file(tmp_path, json.dumps(document)))
    assert [e.md5 for e in entries] == [MD5_A, MD5_B, MD5_C]
    assert header.category_scheme == "VICS-US"


def test_export_writes_vics_2_that_reads_back(tmp_path: Path) -> None:
    entries = [
        KnownHash(md5=MD5_A, sha1=SHA1_A, category="1", victim_identified=True),
        KnownHash(pdq=PDQ_A, pdq_quality=90, series="S", metadata={"MediaID": "m-2"}),
    ]
    header = ListHeader(name="national", source="NCB list", category_scheme="VICS-US")
    data = write_all(entries, "vics", header)
    document = json.loads(data)
    assert document["@odata.context"] == CONTEXT_US
    assert document["value"][0] == {
        "MD5": MD5_A,
        "SHA1": SHA1_A,
        "Category": 1,
        "VictimIdentified": True,
    }
    assert document["value"][1] == {
        "MediaID": "m-2",
        "MD5": None,
        "Series": "S",
        "AlternativeHashes": [{"HashName": "PDQ", "HashValue": PDQ_A, "Quality": 90}],
    }
    path = tmp_path / "out.json"
    path.write_bytes(data)
    assert read_all(path) == (header, entries)


def test_export_names_another_scheme_in_the_context() -> None:
    data = write_all([KnownHash(md5=MD5_A)], "vics", ListHeader(None, None, "VICS-UK"))
    assert json.loads(data)["@odata.context"].endswith("/2.0.xml/UK/$metadata#Media")


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(vics_entries.filter(KnownHash.has_signal), max_size=6))
def test_round_trip_property(entries: list[KnownHash]) -> None:
    assert round_trip(entries, "vics") == entries


def test_reading_is_lazy_and_stops_at_the_bad_record(tmp_path: Path) -> None:
    good: list[dict[str, object]] = [{"MD5": f"{n:032x}"} for n in range(1, 4)]
    path = _media_file(tmp_path, *good, {"MD5": "0" * 33}, {"MD5": MD5_A})
    _, entries = read_hashes(path)
    assert [next(entries).md5 for _ in range(3)] == [f"{n:032x}" for n in range(1, 4)]
    with pytest.raises(BankFormatError, match="record 4: field MD5"):
        next(entries)


@pytest.mark.parametrize(
    ("media", "field", "value", "message"),
    [
        (
            {"MD5": "0" * 33},
            "MD5",
            "0" * 33,
            f"record 2: field MD5: '{'0' * 33}' is not an MD5 (32 hex digits, got 33)",
        ),
        (
            {"MD5": "g" * 32},
            "MD5",
            "g" * 32,
            f"record 2: field MD5: '{'g' * 32}' is not an MD5 (32 hex digits; 'g' is not one)",
        ),
        (
            {"MD5": MD5_A, "SHA1": "ab"},
            "SHA1",
            "ab",
            "record 2: field SHA1: 'ab' is not a SHA-1 (40 hex digits, got 2)",
        ),
        (
            {"MD5": MD5_A, "VictimIdentified": "maybe"},
            "VictimIdentified",
            "maybe",
            "record 2: field VictimIdentified: 'maybe' is not a yes/no value "
            "(true/false, Y/N, yes/no or 1/0)",
        ),
        (
            {"Category": 1, "SHA1": SHA1_A},
            "MD5",
            None,
            "record 2: field MD5: is missing (every VICS Media has an MD5 property)",
        ),
        (
            {"MD5": None, "Category": 1},
            None,
            None,
            "record 2: has no hash at all "
            "(it needs one of MD5, SHA1, PhotoDNA, or a SHA256 / PDQ alternative hash)",
        ),
        (
            {"MD5": MD5_A, "AlternativeHashes": [{"HashName": "PDQ", "HashValue": "12"}]},
            "AlternativeHashes PDQ",
            "12",
            "record 2: field AlternativeHashes PDQ: '12' is not a PDQ hash (64 hex digits, got 2)",
        ),
        (
            {"MD5": MD5_A, "Category": True},
            "Category",
            True,
            "record 2: field Category: True is not a category code (a number or text)",
        ),
    ],
)
def test_bad_media_are_named(
    tmp_path: Path, media: dict[str, object], field: str | None, value: object, message: str
) -> None:
    path = _media_file(tmp_path, {"MD5": MD5_B}, media)
    error = read_error(path)
    assert (error.path, error.location, error.field, error.value) == (
        str(path),
        "record 2",
        field,
        value,
    )
    assert str(error) == f"{path}: {message}"


def test_bad_media_in_a_case_names_case_and_media(tmp_path: Path) -> None:
    path = _file(tmp_path, VICS_2_CASES.replace(MD5_C, "0" * 31))
    error = read_error(path)
    assert str(error) == (
        f"{path}: case 2, media 1: field MD5: '{'0' * 31}' is not an MD5 (32 hex digits, got 31)"
    )


def test_truncated_json_names_the_record(tmp_path: Path) -> None:
    text = VICS_2_HASH_SET
    path = _file(tmp_path, text[: text.index('"SHA1"')], name="cut.json")
    error = read_error(path)
    assert error.location == "record 2"
    assert str(error).startswith(f"{path}: record 2: the JSON is cut short or malformed (")


def test_truncated_case_export_names_the_case(tmp_path: Path) -> None:
    path = _file(tmp_path, VICS_2_CASES[: VICS_2_CASES.index('"CaseID": "c-2"') + 5])
    assert read_error(path).location == "case 2"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (f'{{"@odata.context": "{CONTEXT_US}"}}', "has no 'value' list of Media or Cases"),
        (f'{{"@odata.context": "{CONTEXT_US}", "value": 3}}', "field value: is not a list of"),
        ("[1, 2]", "is not a VICS file (not a JSON object)"),
        ('{"@odata.context": "x", "value": [', "the JSON is cut short or malformed"),
    ],
)
def test_files_that_are_not_vics_fail_at_once(tmp_path: Path, content: str, message: str) -> None:
    path = _file(tmp_path, content)
    with pytest.raises(BankFormatError) as caught:
        read_hashes(path, "vics")
    assert str(caught.value).startswith(f"{path}: {message}")


def test_header_name_and_source_survive_a_round_trip(tmp_path: Path) -> None:
    header = ListHeader(name="partner list", source="made-up NGO", category_scheme=None)
    path = tmp_path / "named.json"
    path.write_bytes(write_all([KnownHash(md5=MD5_A)], "vics", header))
    assert read_all(path)[0] == ListHeader("partner list", "made-up NGO", "VICS-US")


def test_empty_hash_set(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_bytes(write_all([], "vics", NO_HEADER))
    assert read_all(path)[1] == []

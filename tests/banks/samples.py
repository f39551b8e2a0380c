"""Made-up hash lists for the format tests: hand-written files and generated entries.

Every hash is invented (counters and random bytes); categories and series are labels only.
"""

from __future__ import annotations

import io
import string
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from vigil.banks.formats import BankFormatError, KnownHash, ListHeader, read_hashes, write_hashes


def hexes(n: int, digits: int) -> str:
    """A made-up hex hash of ``digits`` digits, different for each ``n``."""
    return f"{n:0{digits}x}"


MD5_A, MD5_B, MD5_C = hexes(0xA1, 32), hexes(0xB2, 32), hexes(0xC3, 32)
SHA1_A, SHA1_B = hexes(0xA1, 40), hexes(0xB2, 40)
SHA256_A = hexes(0xA1, 64)
PDQ_A, PDQ_B = "f" * 48 + hexes(0xA1, 16), "e" * 48 + hexes(0xB2, 16)
PHOTODNA_A = "AQIDBAUGBwgJCgsMDQ4PEA=="
NO_HEADER = ListHeader(name=None, source=None, category_scheme=None)


def read_all(path: Path, fmt: str | None = None) -> tuple[ListHeader, list[KnownHash]]:
    """Header and every entry of the file."""
    header, entries = read_hashes(path, fmt)
    return header, list(entries)


def write_all(
    entries: list[KnownHash],
    fmt: str,
    header: ListHeader = NO_HEADER,
    written: int | None = None,
) -> bytes:
    """The bytes ``write_hashes`` gives, checking its count (default: every entry)."""
    out = io.BytesIO()
    count = write_hashes(entries, fmt, out, header)
    assert count == (len(entries) if written is None else written)
    return out.getvalue()


def read_error(path: Path, fmt: str | None = None) -> BankFormatError:
    """The BankFormatError that reading the whole file raises."""
    with pytest.raises(BankFormatError) as caught:
        read_all(path, fmt)
    return caught.value


def round_trip(
    entries: list[KnownHash], fmt: str, header: ListHeader = NO_HEADER, written: int | None = None
) -> list[Any]:
    """Write the entries in ``fmt`` to a fresh file, then read them back."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "list"
        path.write_bytes(write_all(entries, fmt, header, written))
        return read_all(path, fmt)[1]


# --- generated entries (hypothesis) ---------------------------------------------------------

# Text the formats keep: one line, printable, no surrounding spaces (readers strip them).
words = (
    st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)
flags = st.none() | st.booleans()
# Property names: OData annotations (anything with "@" or "odata.") are dropped by design.
names = st.text(string.ascii_letters + string.digits, min_size=1, max_size=8)


def _hex(digits: int) -> st.SearchStrategy[str]:
    return st.binary(min_size=digits // 2, max_size=digits // 2).map(bytes.hex)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _with_signal(entry: KnownHash) -> bool:
    return entry.has_signal()


_json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | words
_json_floats = st.floats(allow_nan=False, allow_infinity=False)
_vics_metadata = st.fixed_dictionaries(
    {},
    optional={
        "MediaID": st.integers(0, 2**53) | words,
        "MediaSize": st.integers(0, 2**53),
        "RelativeFilePath": words,
        "DateUpdated": words,
        "IsPrecategorized": flags,
        "MimeType": words,
        "Comments": words,
        "Tags": st.lists(words, max_size=3),
        "Exifs": st.lists(st.fixed_dictionaries({"Name": words, "Value": _json_scalars})),
        "MediaFiles": st.lists(st.dictionaries(names, _json_scalars | _json_floats, max_size=3)),
        "AlternativeHashes": st.lists(
            st.fixed_dictionaries(
                {"HashName": st.sampled_from(["ZZ40", "Lace", "MD5 of thumbnail"])},
                optional={"HashValue": words},
            ),
            min_size=1,
            max_size=2,
        ),
    },
)

vics_entries = st.builds(
    KnownHash,
    md5=_maybe(_hex(32)),
    sha1=_maybe(_hex(40)),
    sha256=_maybe(_hex(64)),
    pdq=_maybe(_hex(64)),
    pdq_quality=_maybe(st.integers(0, 100)),
    photodna=_maybe(words),
    category=_maybe(st.sampled_from(["0", "1", "2", "3", "4", "07", "custom-a"]) | words),
    series=_maybe(words),
    victim_identified=flags,
    offender_identified=flags,
    distributed=flags,
    baseline=flags,
    metadata=_vics_metadata,
).map(lambda e: e if e.pdq is not None else replace(e, pdq_quality=None))

_icse_metadata = st.dictionaries(
    st.sampled_from(
        [
            "ZZ40",
            "Lace",
            "Image ID",
            "Investigation name",
            "Agency",
            "Number of submissions",
            "File Available",
            "Media Type",
        ]
    ),
    words,
)

icse_entries = st.builds(
    KnownHash,
    md5=_maybe(_hex(32)),
    sha1=_maybe(_hex(40)),
    photodna=_maybe(words),
    series=_maybe(words),
    victim_identified=flags,
    offender_identified=flags,
    distributed=flags,
    baseline=flags,
    metadata=_icse_metadata,
)

# --- hand-written files ---------------------------------------------------------------------

VICS_1_HASH_SET = f"""{{
  "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml/US/$metadata#Media",
  "value": [
    {{
      "odata.id": "http://example.invalid/Media(1)",
      "odata.editLink": "Media(1)",
      "MediaID": 1,
      "Category@odata.type": "Edm.Int32",
      "Category": 1,
      "MD5": "{MD5_A.upper()}",
      "SHA1": "{SHA1_A}",
      "VictimIdentified": "True",
      "OffenderIdentified": false,
      "IsDistributed": "false",
      "Series": "Made-up series",
      "MediaSize": 2048,
      "RelativeFilePath": "folder/a.jpg",
      "IsPrecategorized": "true",
      "AlternativeHashes@odata.type": "Collection(VICS.AlternativeHash)",
      "AlternativeHashes": [
        {{"odata.type": "VICS.AlternativeHash", "HashName": "PhotoDNA",
          "HashValue": "{PHOTODNA_A}"}},
        {{"HashName": "SHA-256", "HashValue": "{SHA256_A.upper()}"}},
        {{"HashName": "ZZ40", "HashValue": "zz-made-up"}}
      ]
    }},
    {{
      "MediaID": 2,
      "Category": null,
      "MD5": "{MD5_B}",
      "Exifs": [{{"odata.type": "VICS.Exif", "PropertyName": "Make", "PropertyValue": "ACME"}}],
      "DateUpdated": "2024-01-02T03:04:05Z",
      "AspectRatio": 1.5
    }}
  ]
}}
"""

VICS_2_HASH_SET = f"""{{
  "@odata.context": "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/US/$metadata#Media",
  "value": [
    {{
      "@odata.id": "Media(10)",
      "MediaID": 10,
      "Category": 2,
      "MD5": "{MD5_A}",
      "VictimIdentified": "true",
      "OffenderIdentified": "FALSE",
      "IsDistributed": "Y",
      "PhotoDNA": "{PHOTODNA_A}",
      "AlternativeHashes": [{{"HashName": "PDQ", "HashValue": "{PDQ_A}", "Quality": 87}}],
      "Tags": ["made-up", "test"],
      "Comments": null
    }},
    {{"MediaID": 11, "Category": "0", "MD5": "{MD5_B}", "SHA1": "{SHA1_B}", "Series": 7}}
  ]
}}
"""

VICS_2_CASES = f"""{{
  "@odata.context": "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/UK/$metadata#Cases",
  "value": [
    {{
      "CaseID": "c-1",
      "CaseNumber": "OP-1",
      "@odata.id": "Cases('c-1')",
      "ContactOrganization": {{"Name": "Made-up unit", "@odata.type": "VICS.Org"}},
      "Media": [
        {{"MD5": "{MD5_A}", "Category": 1, "MediaFiles": [{{"FileName": "a.jpg"}}]}},
        {{"MD5": "{MD5_B}", "Category": 3}}
      ]
    }},
    {{
      "CaseID": "c-2",
      "Media": [{{"MD5": "{MD5_C}", "Category": 4}}],
      "CaseNumber": "OP-2"
    }},
    {{"CaseID": "c-3", "Media": []}}
  ]
}}
"""

ICSE_HEADER = (
    "MD5;SHA1;ZZ40;PhotoDNA;Lace;Image ID;Is distributed;Victim identified;"
    "Offender identified;Series name;Investigation name;Agency;Number of submissions;"
    "File Available;Media Type;Baseline"
)
ICSE_SAMPLE = (
    f"{ICSE_HEADER};\r\n"
    f"{MD5_A.upper()};{SHA1_A};zz1;{PHOTODNA_A};lace-1;IMG-1;Y;N;Yes;Series X;Op Made-up;"
    "Unit 1;3;Y;Image;True;\r\n"
    f"{MD5_B};;;;;;;;;;;;;;;\r\n"
    "\r\n"
    f';{SHA1_B};;;;"id;with;semicolons";no;1;0;;;;;;Video;false\r\n'
)

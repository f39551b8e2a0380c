"""The demo's hash bank: some of the demo seizure's pictures, as a partner agency lists them.

It makes the demo's triage show every class: pictures known exactly (by MD5), edited copies
known by near-duplicate (the bank holds the original's PDQ), and new pictures. Categories
and series are labels only, put on photographs of objects and animals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath

from vigil.banks.formats import KnownHash, ListHeader, write_hashes
from vigil.signals.crypto import hash_bytes
from vigil.signals.pdq import hash_image_bytes

DEMO_BANK_NAME = "demo-known"
DEMO_BANK_SOURCE = "Vigil demo: made-up partner list"
# (sample, category, series, victim identified): listed by PDQ, so edited copies match too.
_BY_PICTURE: tuple[tuple[str, str, str | None, bool | None], ...] = (
    ("coffee", "1", "Demo series 1", True),
    ("chelsea", "1", "Demo series 1", True),
    ("motorcycle", "2", "Demo series 2", False),
)
# Listed by MD5 only: the very files match, nothing else.
_BY_FILE: tuple[tuple[str, str, str | None, bool | None], ...] = (
    ("china", "2", "Demo series 2", False),
    ("flower", "0", None, None),
)


def demo_bank_entries(
    originals: Mapping[str, PurePosixPath], content: Callable[[PurePosixPath], bytes]
) -> list[KnownHash]:
    """The bank's entries for the originals written at ``originals`` (read via ``content``)."""
    entries = []
    for name, category, series, identified in _BY_PICTURE:
        picture = hash_image_bytes(content(originals[name]), "reference")
        entries.append(
            KnownHash(
                pdq=picture.hex,
                pdq_quality=picture.quality,
                category=category,
                series=series,
                victim_identified=identified,
                metadata={"MediaID": f"demo-{name}"},
            )
        )
    for name, category, series, identified in _BY_FILE:
        digests = hash_bytes(content(originals[name]))
        entries.append(
            KnownHash(
                md5=digests.md5,
                sha1=digests.sha1,
                category=category,
                series=series,
                victim_identified=identified,
                metadata={"MediaID": f"demo-{name}"},
            )
        )
    return entries


def write_demo_bank(path: Path, entries: list[KnownHash]) -> None:
    """Write the entries as a Project VIC (VICS 2.0) hash set."""
    header = ListHeader(name=DEMO_BANK_NAME, source=DEMO_BANK_SOURCE, category_scheme="VICS-US")
    with path.open("wb") as out:
        write_hashes(entries, "vics", out, header)

"""Hash-list exchange formats: reading and writing the files banks are made of.

Formats (by the names in FORMATS): ``vics`` — Project VIC VICS JSON 1.x and 2.0, hash sets
and case exports (export writes VICS 2.0 hash sets); ``icse-csv`` — ICSE-style semicolon
CSV; ``hashlist`` — one hash per line; ``te-pdq`` — the ``hash,quality`` PDQ text of Meta's
ThreatExchange / HMA tools. Each module's docstring says what its format keeps and drops.
Reading and writing stream: a file of millions of entries is never held in memory. No
database here: the bank code stores what these functions read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from vigil.banks.formats.categories import SCHEMES, CategoryScheme, scheme_for
from vigil.banks.formats.detect import FORMATS, detect_format
from vigil.banks.formats.errors import BankFormatError
from vigil.banks.formats.hashlist import read_hashlist, read_te_pdq, write_hashlist, write_te_pdq
from vigil.banks.formats.icse import read_icse, write_icse
from vigil.banks.formats.records import KnownHash, ListHeader
from vigil.banks.formats.vics import write_vics
from vigil.banks.formats.vics_reader import read_vics

__all__ = [
    "FORMATS",
    "SCHEMES",
    "BankFormatError",
    "CategoryScheme",
    "KnownHash",
    "ListHeader",
    "detect_format",
    "read_hashes",
    "scheme_for",
    "write_hashes",
]

_Reader = Callable[[Path, CategoryScheme | None], tuple[ListHeader, Iterator[KnownHash]]]
_Writer = Callable[[Iterable[KnownHash], BinaryIO, ListHeader], int]
# Only VICS carries categories; the other formats have no column for one.
_READERS: dict[str, _Reader] = {
    "vics": read_vics,
    "icse-csv": lambda path, _scheme: read_icse(path),
    "hashlist": lambda path, _scheme: read_hashlist(path),
    "te-pdq": lambda path, _scheme: read_te_pdq(path),
}
_WRITERS: dict[str, _Writer] = {
    "vics": write_vics,
    "icse-csv": write_icse,
    "hashlist": write_hashlist,
    "te-pdq": write_te_pdq,
}


def read_hashes(
    path: Path, fmt: str | None = None, scheme: CategoryScheme | None = None
) -> tuple[ListHeader, Iterator[KnownHash]]:
    """The header of the hash list at ``path`` and an iterator over its entries.

    ``fmt`` is one of FORMATS, or None to detect it from the content. The header is read at
    once; entries are read lazily, and the iterator raises BankFormatError at the first bad
    record (naming file, record or line, field and value), so a caller that wants all or
    nothing must not keep what it took before the error. With ``scheme``, an entry whose
    category is not one of its codes is a bad record. Only regular files are read, and
    every reader keeps memory bounded whatever the file's shape.
    """
    reader = _READERS.get(detect_format(path) if fmt is None else fmt)
    if reader is None:
        raise BankFormatError(
            str(path), None, f"is not a known format (known: {', '.join(FORMATS)})", value=fmt
        )
    return reader(path, scheme)


def write_hashes(entries: Iterable[KnownHash], fmt: str, out: BinaryIO, header: ListHeader) -> int:
    """Write ``entries`` to ``out`` in format ``fmt``, one at a time; returns entries written.

    Formats that cannot hold an entry's only hashes (ICSE CSV without MD5, SHA-1 or
    PhotoDNA; ThreatExchange text without PDQ) leave it out, so the count may be lower
    than the number of entries given. ValueError for an unknown ``fmt``.
    """
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise ValueError(f"unknown hash-list format {fmt!r} (known: {', '.join(FORMATS)})")
    return writer(entries, out, header)

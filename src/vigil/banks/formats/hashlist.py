"""Plain hash lists and the PDQ text files of Meta's ThreatExchange / HMA tools.

**Plain hash list** (``hashlist``): one hash per line; blank lines and lines starting with
``#`` are skipped. A bare hex hash is told apart by its length: 32 digits is an MD5, 40 a
SHA-1 and 64 a **SHA-256** — never a PDQ hash, which has 64 digits too. A line may name its
kind with a prefix, ``md5:``, ``sha1:``, ``sha256:``, ``pdq:`` or ``photodna:`` (in any
case), which is how a PDQ hash is put in a plain list; lists of PDQ hashes are better kept
in the ThreatExchange format below. Export writes one line per entry: its strongest
cryptographic hash bare (SHA-256, else SHA-1, else MD5), else ``pdq:<hex>``, else
``photodna:<text>``. The other hashes of an entry, its category and flags are not written:
a plain list has no room for them.

**ThreatExchange PDQ text** (``te-pdq``): one ``<64 hex PDQ>,<quality>`` per line; the
quality may be missing (``<hex>`` alone, or an empty second column), and a third column
(the file name that Meta's pdq-photo-hasher prints) is kept as metadata ``label``. Export
writes ``hash,quality``, or the hash alone when the quality is unknown; entries without a
PDQ hash are left out, so the count returned says how many were written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from vigil.banks.formats.fields import FieldError, hex_hash, quality
from vigil.banks.formats.records import KnownHash, ListHeader
from vigil.banks.formats.textlines import data_lines, open_list
from vigil.signals.registry import EXACT, HEX_SIGNALS

# The hex signals a list may name: the exact hashes shortest first, then the others (PDQ).
_LISTED = sorted(HEX_SIGNALS, key=lambda s: (not s.exact, s.hex_digits or 0))
# Field names as messages show them, per prefix of a plain list.
_PREFIXES = {**{s.name: s.name.upper() for s in _LISTED}, "photodna": "PhotoDNA"}
# A bare hex hash is an exact hash, told apart by its length (a PDQ hash needs its prefix).
_BY_LENGTH = {s.hex_digits: s.name for s in EXACT}
_SHORTEST, *_LONGER = (s for s in _LISTED if s.exact)
_LENGTHS = ", ".join(
    [
        f"{_SHORTEST.title} has {_SHORTEST.hex_digits} hex digits",
        *(f"{s.title} {s.hex_digits}" for s in _LONGER),
    ]
)


def _plain_entry(line: str) -> KnownHash:
    head, colon, rest = line.partition(":")
    if colon:
        kind = head.strip().lower()
        if kind not in _PREFIXES:
            known = ", ".join(f"{p}:" for p in _PREFIXES)
            raise FieldError("hash", line, f"has an unknown prefix (known: {known})")
        value = rest.strip()
        if not value:
            raise FieldError(_PREFIXES[kind], line, "has no hash after its prefix")
    else:
        found = _BY_LENGTH.get(len(line))
        if found is None:
            raise FieldError(
                "hash",
                line,
                f"is not a hash ({_LENGTHS}; got {len(line)})",
            )
        kind, value = found, line
    if kind == "photodna":
        return KnownHash(photodna=value)
    fields: dict[str, Any] = {kind: hex_hash(value, kind, _PREFIXES[kind])}
    return KnownHash(**fields)


def _te_entry(line: str) -> KnownHash:
    columns = line.split(",", 2)
    pdq = hex_hash(columns[0], "pdq", "PDQ")
    if pdq is None:
        raise FieldError("PDQ", line, "has no PDQ hash before its first comma")
    score = quality(columns[1].strip(), "quality") if len(columns) > 1 else None
    label = columns[2].strip() if len(columns) > 2 else ""
    return KnownHash(pdq=pdq, pdq_quality=score, metadata={"label": label} if label else {})


def _entries(path: Path, parse: Callable[[str], KnownHash]) -> Iterator[KnownHash]:
    for number, line in data_lines(path):
        try:
            entry = parse(line)
        except FieldError as problem:
            raise problem.at(path, f"line {number}") from None
        yield entry


def _readable(path: Path) -> ListHeader:
    # Fail on a missing file at once, not when the caller starts iterating.
    open_list(path).close()
    return ListHeader(name=None, source=None, category_scheme=None)


def read_hashlist(path: Path) -> tuple[ListHeader, Iterator[KnownHash]]:
    """A plain hash list: its (empty) header and its entries, read lazily."""
    return _readable(path), _entries(path, _plain_entry)


def read_te_pdq(path: Path) -> tuple[ListHeader, Iterator[KnownHash]]:
    """A ThreatExchange PDQ text file: its (empty) header and its entries, read lazily."""
    return _readable(path), _entries(path, _te_entry)


def _one_line(value: str, number: int, field: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError(f"entry {number}: {field} {value!r} spans lines; a list cannot hold it")
    return value


def _plain_line(entry: KnownHash, number: int) -> str:
    strongest = entry.sha256 or entry.sha1 or entry.md5
    if strongest is not None:
        return strongest
    if entry.pdq is not None:
        return f"pdq:{entry.pdq}"
    if entry.photodna is not None:
        return f"photodna:{_one_line(entry.photodna, number, 'PhotoDNA')}"
    raise ValueError(f"entry {number} has no hash to write")


def write_hashlist(entries: Iterable[KnownHash], out: BinaryIO, header: ListHeader) -> int:
    """Write one line per entry (see the module docstring); returns the lines written.

    The header is not written: other tools read plain lists as hashes only.
    """
    count = 0
    for count, entry in enumerate(entries, 1):
        out.write(_plain_line(entry, count).encode("utf-8") + b"\n")
    return count


def write_te_pdq(entries: Iterable[KnownHash], out: BinaryIO, header: ListHeader) -> int:
    """Write ``hash,quality`` per entry that has a PDQ hash; returns the lines written."""
    count = 0
    for number, entry in enumerate(entries, 1):
        if entry.pdq is None:
            continue
        columns = [entry.pdq]
        label = entry.metadata.get("label")
        if entry.pdq_quality is not None or label:
            columns.append("" if entry.pdq_quality is None else str(entry.pdq_quality))
        if label:
            columns.append(_one_line(str(label), number, "label"))
        out.write(",".join(columns).encode("utf-8") + b"\n")
        count += 1
    return count

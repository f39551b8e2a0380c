"""ICSE-style CSV: the semicolon-separated hash lists of INTERPOL's ICSE database.

The first line is the header ``MD5;SHA1;ZZ40;PhotoDNA;Lace;Image ID;Is distributed;Victim
identified;Offender identified;Series name;Investigation name;Agency;Number of submissions;
File Available;Media Type;Baseline`` (any case). A UTF-8 BOM, CRLF line ends and a trailing
``;`` (an empty last column) are tolerated. Flags read as Y/N, Yes/No, True/False or 1/0 and
are written as Y/N, empty when unknown. The columns Vigil has no field for (ZZ40, Lace, Image
ID, Investigation name, Agency, Number of submissions, File Available, Media Type) are kept
as text in the entry's metadata under their column names. The format has no column for a
category, SHA-256 or PDQ: export leaves them out, and leaves out entries with neither MD5,
SHA-1 nor PhotoDNA, so the count returned says how many rows were written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from vigil.banks.formats.errors import BankFormatError
from vigil.banks.formats.fields import FieldError, flag, hex_hash, require_signal, text
from vigil.banks.formats.records import KnownHash, ListHeader
from vigil.banks.formats.textlines import numbered_lines

ICSE_COLUMNS = (
    "MD5",
    "SHA1",
    "ZZ40",
    "PhotoDNA",
    "Lace",
    "Image ID",
    "Is distributed",
    "Victim identified",
    "Offender identified",
    "Series name",
    "Investigation name",
    "Agency",
    "Number of submissions",
    "File Available",
    "Media Type",
    "Baseline",
)
_KEPT_AS_METADATA = (
    "ZZ40",
    "Lace",
    "Image ID",
    "Investigation name",
    "Agency",
    "Number of submissions",
    "File Available",
    "Media Type",
)
_FLAGS = {
    "Is distributed": "distributed",
    "Victim identified": "victim_identified",
    "Offender identified": "offender_identified",
    "Baseline": "baseline",
}
_LOWER_COLUMNS = [column.lower() for column in ICSE_COLUMNS]
_SIGNALS = "MD5, SHA1 or PhotoDNA"


def _cells(line: str) -> list[str]:
    cells = line.strip().removeprefix("\ufeff").split(";")
    if len(cells) == len(ICSE_COLUMNS) + 1 and not cells[-1].strip():
        cells.pop()
    return cells


def is_icse_header(line: str) -> bool:
    """Whether ``line`` is the ICSE CSV header (any case, quoted or not, BOM tolerated)."""
    return [cell.strip().strip('"').lower() for cell in _cells(line)] == _LOWER_COLUMNS


def _entry(cells: list[str]) -> KnownHash:
    row = dict(zip(ICSE_COLUMNS, cells, strict=True))
    entry = KnownHash(
        md5=hex_hash(row["MD5"], "md5", "MD5"),
        sha1=hex_hash(row["SHA1"], "sha1", "SHA1"),
        photodna=text(row["PhotoDNA"], "PhotoDNA"),
        series=text(row["Series name"], "Series name"),
        victim_identified=flag(row["Victim identified"], "Victim identified"),
        offender_identified=flag(row["Offender identified"], "Offender identified"),
        distributed=flag(row["Is distributed"], "Is distributed"),
        baseline=flag(row["Baseline"], "Baseline"),
        metadata={column: value for column in _KEPT_AS_METADATA if (value := row[column].strip())},
    )
    return require_signal(entry, _SIGNALS)


def _rows(path: Path) -> Iterator[KnownHash]:
    reader = csv.reader((line for _, line in numbered_lines(path)), delimiter=";")
    last_line = 0
    header = True  # the first row, checked by read_icse
    while True:
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            # A quote never closed swallows the lines after it until the csv module's field
            # limit: the row that starts it is the one to name.
            raise BankFormatError(
                str(path), f"line {last_line + 1}", f"is not a readable ICSE row ({exc})"
            ) from None
        if cells is None:
            return
        number, last_line = last_line + 1, reader.line_num
        if header:
            header = False
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) == len(ICSE_COLUMNS) + 1 and not cells[-1].strip():
            cells.pop()
        if len(cells) != len(ICSE_COLUMNS):
            raise BankFormatError(
                str(path),
                f"line {number}",
                f"has {len(cells)} columns where the ICSE header has {len(ICSE_COLUMNS)}",
                value=";".join(cells),
            )
        try:
            entry = _entry(cells)
        except FieldError as problem:
            raise problem.at(path, f"line {number}") from None
        yield entry


def read_icse(path: Path) -> tuple[ListHeader, Iterator[KnownHash]]:
    """An ICSE CSV file: its (empty) header and its rows as entries, read lazily.

    The header line is checked at once: BankFormatError if the file does not start with it.
    """
    lines = numbered_lines(path)
    try:
        first = next(lines, (1, ""))[1]
    finally:
        lines.close()
    if not is_icse_header(first):
        raise BankFormatError(
            str(path),
            "line 1",
            f"is not the ICSE header ({';'.join(ICSE_COLUMNS)})",
            value=first.strip(),
        )
    return ListHeader(name=None, source=None, category_scheme=None), _rows(path)


class _Utf8Writer:
    """The text side of a binary output, for csv.writer."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out

    def write(self, chunk: str) -> int:
        return self.out.write(chunk.encode("utf-8"))


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "Y" if value else "N"


def _row(entry: KnownHash) -> list[str]:
    row = {column: "" for column in ICSE_COLUMNS}
    row.update(MD5=entry.md5 or "", SHA1=entry.sha1 or "", PhotoDNA=entry.photodna or "")
    row["Series name"] = entry.series or ""
    for column, name in _FLAGS.items():
        row[column] = _yes_no(getattr(entry, name))
    for column in _KEPT_AS_METADATA:
        value = entry.metadata.get(column)
        row[column] = "" if value is None else str(value)
    return list(row.values())


def write_icse(entries: Iterable[KnownHash], out: BinaryIO, header: ListHeader) -> int:
    """Write the ICSE header and a row per entry with MD5, SHA-1 or PhotoDNA; returns rows.

    The list header is not written: the format has no place for it.
    """
    writer = csv.writer(_Utf8Writer(out), delimiter=";", lineterminator="\r\n")
    writer.writerow(ICSE_COLUMNS)
    count = 0
    for entry in entries:
        if entry.md5 is None and entry.sha1 is None and entry.photodna is None:
            continue
        writer.writerow(_row(entry))
        count += 1
    return count

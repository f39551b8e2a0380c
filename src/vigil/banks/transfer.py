"""Importing hash lists into banks and exporting banks, in the field's exchange formats.

An import is all-or-nothing: the file is read as a stream and its entries are written in
chunks inside one transaction, so a bad record anywhere (reported with its file, record,
field and value) leaves the bank exactly as it was, and a file of millions of entries never
has to fit in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from vigil.banks.catalog import BankError, bank_by_name
from vigil.banks.formats import (
    KnownHash,
    ListHeader,
    detect_format,
    read_hashes,
    write_hashes,
)
from vigil.store.models import BankEntry, BankImport

_CHUNK = 5000
_ENTRY_TABLE = cast(Table, BankEntry.__table__)
_COPIED = ("md5", "sha1", "sha256", "pdq", "pdq_quality", "photodna", "category", "series")
_FLAGS = ("victim_identified", "offender_identified", "distributed", "baseline")


class AlreadyImportedError(BankError):
    """This very file (same SHA-256) was imported into this bank before."""


@dataclass(frozen=True)
class ImportOutcome:
    """What an import added to which bank."""

    bank: str
    file_name: str
    format: str
    entries: int


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _row(bank_id: int, import_id: int, entry: KnownHash) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(entry, name) for name in _COPIED + _FLAGS}
    row.update(bank_id=bank_id, import_id=import_id, metadata=dict(entry.metadata))
    return row


def import_file(
    session: Session, path: Path, bank_name: str, fmt: str | None = None
) -> ImportOutcome:
    """Add every entry of the file at ``path`` to the bank (the caller's transaction commits).

    Raises BankFormatError for a bad file and AlreadyImportedError for a file already
    imported into this bank; either way nothing is written once the caller rolls back.
    """
    bank = bank_by_name(session, bank_name)
    detected = fmt or detect_format(path)
    header, entries = read_hashes(path, detected)
    checksum = file_sha256(path)
    earlier = session.scalar(
        select(BankImport.imported_at).where(
            BankImport.bank_id == bank.id, BankImport.file_sha256 == checksum
        )
    )
    if earlier is not None:
        raise AlreadyImportedError(
            f"{path}: this file was already imported into bank {bank.name!r} on "
            f"{earlier:%Y-%m-%d %H:%M} UTC; nothing imported"
        )
    record = BankImport(
        bank_id=bank.id, file_name=path.name, file_sha256=checksum, format=detected, entries=0
    )
    session.add(record)
    session.flush()
    count = 0
    while chunk := [_row(bank.id, record.id, entry) for entry in islice(entries, _CHUNK)]:
        session.execute(insert(_ENTRY_TABLE), chunk)
        count += len(chunk)
    record.entries = count
    if bank.source is None and header.source:
        bank.source = header.source
    return ImportOutcome(bank.name, path.name, detected, count)


def _known_hashes(session: Session, bank_id: int) -> Iterator[KnownHash]:
    rows = session.scalars(
        select(BankEntry).where(BankEntry.bank_id == bank_id).order_by(BankEntry.id),
        execution_options={"yield_per": _CHUNK},
    )
    for row in rows:
        yield KnownHash(
            **{name: getattr(row, name) for name in _COPIED + _FLAGS},
            metadata=row.entry_metadata,
        )
        session.expunge(row)


def export_bank(session: Session, bank_name: str, fmt: str, out: BinaryIO) -> int:
    """Write every entry of the bank to ``out`` in format ``fmt``; returns entries written."""
    bank = bank_by_name(session, bank_name)
    header = ListHeader(name=bank.name, source=bank.source, category_scheme=bank.category_scheme)
    return write_hashes(_known_hashes(session, bank.id), fmt, out, header)

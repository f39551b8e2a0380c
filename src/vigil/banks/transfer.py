"""Importing hash lists into banks and exporting banks, in the field's exchange formats.

An import is all-or-nothing: the file is read as a stream and its entries are staged in
chunks, each chunk its own short transaction, then made visible in one short last step
(see ``staging``). A bad record anywhere (reported with its file, record, field and
value) discards what was staged, so readers never see any of a bad file, a file of
millions of entries never has to fit in memory, and other writers (an ingest) never wait
long for the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vigil.banks.catalog import BankError, bank_by_name, owned_bank
from vigil.banks.formats import (
    SCHEMES,
    BankFormatError,
    KnownHash,
    ListHeader,
    detect_format,
    read_hashes,
    scheme_for,
    write_hashes,
)
from vigil.banks.formats.records import SIGNAL_FIELDS
from vigil.banks.formats.textlines import open_list
from vigil.banks.staging import (
    Sessions,
    discard,
    discard_abandoned,
    owner_token,
    visible_entries,
)
from vigil.sharing.actor import Actor, local_actor
from vigil.sharing.audit import Action, Details, bank_object
from vigil.sharing.audit import record as audit
from vigil.sharing.policy import resolve
from vigil.sharing.records import bank_label
from vigil.store.models import Bank, BankEntry, BankImport, ImportStatus, utcnow

# Entries staged per transaction. On SQLite every commit writes each index page it touched to
# the WAL again, and hash indexes are touched at random, so many small transactions cost more
# than few larger ones (bench/README.md, bank import); 25,000 still holds the database for
# about a second at a time, which the ingest writer's back-off waits out.
_CHUNK = 25_000
# Entries read per round trip when exporting.
_EXPORT_CHUNK = 5000
_ENTRY_TABLE = cast(Table, BankEntry.__table__)
# The fields a bank entry and a KnownHash share, copied as they are.
_COPIED = (*SIGNAL_FIELDS, "pdq_quality", "category", "series")
_FLAGS = ("victim_identified", "offender_identified", "distributed", "baseline")


class AlreadyImportedError(BankError):
    """This very file (same SHA-256) was imported into this bank before."""


class ImportRunningError(BankError):
    """This very file is being imported into this bank by another process right now."""


@dataclass(frozen=True)
class ImportOutcome:
    """What an import added to which bank."""

    bank: str
    file_name: str
    format: str
    entries: int


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks (regular files only, see ``open_list``)."""
    digest = hashlib.sha256()
    with open_list(path) as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _row(bank_id: int, import_id: int, entry: KnownHash) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(entry, name) for name in _COPIED + _FLAGS}
    row.update(bank_id=bank_id, import_id=import_id, metadata=dict(entry.metadata))
    return row


def _check_scheme(path: Path, header: ListHeader, bank: Bank) -> None:
    """Refuse a file whose categories are of another scheme than the bank's."""
    named = header.category_scheme
    if named is None or named == bank.category_scheme:
        return
    if named not in SCHEMES:
        known = ", ".join(sorted(SCHEMES))
        reason = f"names category scheme {named}, which Vigil does not know (known: {known})"
    else:
        reason = (
            f"uses category scheme {named}, but bank {bank.name!r} uses "
            f"{bank.category_scheme}; import it into a bank of scheme {named}"
        )
    raise BankFormatError(str(path), None, reason)


def _already(path: Path, bank: str, row: BankImport) -> BankError:
    """The error for a file whose import row (complete or staging) is already there."""
    if row.status == ImportStatus.COMPLETE:
        return AlreadyImportedError(
            f"{path}: this file was already imported into bank {bank!r} on "
            f"{row.imported_at:%Y-%m-%d %H:%M} UTC; nothing imported"
        )
    return ImportRunningError(
        f"{path}: this file is being imported into bank {bank!r} right now by another "
        f"process ({row.owner}); nothing imported — run it again if that one fails"
    )


def _claim(sessions: Sessions, path: Path, bank: Bank, checksum: str, fmt: str) -> int:
    """The id of a new staging import of this file, or the error saying who has it."""
    find = select(BankImport).where(
        BankImport.bank_id == bank.id, BankImport.file_sha256 == checksum
    )
    try:
        with sessions() as session:
            earlier = session.scalar(find)
            if earlier is not None:
                raise _already(path, bank.name, earlier)
            record = BankImport(
                bank_id=bank.id,
                file_name=path.name,
                file_sha256=checksum,
                format=fmt,
                entries=0,
                status=ImportStatus.STAGING,
                owner=owner_token(),
            )
            session.add(record)
            session.flush()
            return record.id
    except IntegrityError:
        # Another process claimed the same file between our look and our insert.
        with sessions() as session:
            winner = session.scalar(find)
        if winner is None:
            raise
        raise _already(path, bank.name, winner) from None


def _stage(
    sessions: Sessions,
    bank_id: int,
    import_id: int,
    entries: Iterator[KnownHash],
    progress: Callable[[int], None] | None,
) -> int:
    """Write the entries a chunk per transaction; returns how many were written."""
    count = 0
    while chunk := [_row(bank_id, import_id, entry) for entry in islice(entries, _CHUNK)]:
        with sessions() as session:
            session.execute(insert(_ENTRY_TABLE), chunk)
            # The heartbeat that tells other hosts this import is alive.
            session.execute(
                update(BankImport).where(BankImport.id == import_id).values(imported_at=utcnow())
            )
        count += len(chunk)
        if progress is not None:
            progress(count)
    return count


def _publish(
    sessions: Sessions,
    path: Path,
    import_id: int,
    count: int,
    header: ListHeader,
    actor: Actor,
) -> None:
    """Make the staged entries visible and audit the import: one short transaction."""
    with sessions() as session:
        record = session.get(BankImport, import_id)
        if record is None or record.status != ImportStatus.STAGING:
            raise BankError(
                f"{path}: the import was removed while it ran (was the bank deleted?); "
                "nothing imported"
            )
        record.status = ImportStatus.COMPLETE
        record.entries = count
        record.imported_at = utcnow()
        record.owner = None
        bank = session.get_one(Bank, record.bank_id)
        if bank.source is None and header.source:
            bank.source = header.source
        details: Details = {
            "file": record.file_name,
            "sha256": record.file_sha256,
            "format": record.format,
            "entries": count,
        }
        audit(session, Action.BANK_IMPORT, bank_object(bank.name), details, actor)


def import_file(
    sessions: Sessions,
    path: Path,
    bank_name: str,
    fmt: str | None = None,
    progress: Callable[[int], None] | None = None,
    actor: Actor | None = None,
) -> ImportOutcome:
    """Add every entry of the file at ``path`` to the bank, or none of them.

    ``sessions`` opens a transaction that commits on success (``Store.session``): the
    import opens many short ones. ``progress`` is told the number of entries staged after
    each chunk. Raises BankFormatError for a bad or empty file, AlreadyImportedError for a
    file already imported into this bank and ImportRunningError for one being imported by
    another process; whatever it raises, no reader ever sees an entry of the file. The
    import is one event in the audit trail, by ``actor`` (default: the person at the
    terminal), written with the step that makes the entries visible; ``actor``'s agency
    must own the bank (ForbiddenError otherwise).
    """
    actor = actor or local_actor()
    with sessions() as session:
        bank = owned_bank(session, bank_name, actor)
    detected = fmt or detect_format(path)
    header, entries = read_hashes(path, detected, scheme_for(bank.category_scheme))
    _check_scheme(path, header, bank)
    checksum = file_sha256(path)
    discard_abandoned(sessions)
    import_id = _claim(sessions, path, bank, checksum, detected)
    try:
        count = _stage(sessions, bank.id, import_id, entries, progress)
        if count == 0:
            raise BankFormatError(
                str(path), None, "holds no entries (it is empty, or only comments or headers)"
            )
        _publish(sessions, path, import_id, count, header, actor)
    except IntegrityError:
        discard(sessions, import_id)
        raise BankError(
            f"{path}: bank {bank.name!r} was deleted while the file was being imported; "
            "nothing imported"
        ) from None
    except BaseException:
        # If even this fails, the next import removes the rows once this process has ended.
        with suppress(Exception):
            discard(sessions, import_id)
        raise
    return ImportOutcome(bank.name, path.name, detected, count)


def _known_hashes(session: Session, bank_id: int) -> Iterator[KnownHash]:
    rows = session.scalars(
        select(BankEntry)
        .where(BankEntry.bank_id == bank_id, visible_entries())
        .order_by(BankEntry.id),
        execution_options={"yield_per": _EXPORT_CHUNK},
    )
    for row in rows:
        yield KnownHash(
            **{name: getattr(row, name) for name in _COPIED + _FLAGS},
            metadata=row.entry_metadata,
        )
        session.expunge(row)


def export_bank(
    session: Session, bank_name: str, fmt: str, out: BinaryIO, actor: Actor | None = None
) -> int:
    """Write every entry of the bank to ``out`` in format ``fmt``; returns entries written.

    Audited as done by ``actor`` (default: the person at the terminal) once every entry is
    written, in ``session``'s transaction: an export that fails is rolled back with it. A bank
    ``actor`` may not see is refused as one that does not exist. ``bank_name`` is a name or
    ``CODE/NAME`` (see ``sharing.records.find_bank``); the event names another agency's bank
    as ``CODE/NAME``.
    """
    actor = actor or local_actor()
    bank = bank_by_name(session, bank_name, actor)
    header = ListHeader(name=bank.name, source=bank.source, category_scheme=bank.category_scheme)
    count = write_hashes(_known_hashes(session, bank.id), fmt, out, header)
    details: Details = {"format": fmt, "entries": count}
    shown = bank_label(resolve(session, actor), bank)
    audit(session, Action.BANK_EXPORT, bank_object(shown), details, actor)
    return count

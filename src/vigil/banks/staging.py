"""Staged imports: a file's entries are written in short transactions and shown in one.

A large import must not hold the database: on SQLite one writer at a time holds it, and
an ingest waiting behind a minute-long transaction fails. So an import's BankImport row is
``staging`` while its entries are written, a chunk per transaction, and the last short
transaction flips it to ``complete``. Every read of bank entries takes only those of
complete imports (``visible_entries``), so readers see all of a file or nothing of it.

A staging row names the process writing it (``owner``). An import that fails removes its
own staged rows; one whose process was killed is removed by the next import, once its
owner is seen to be gone: on this host by its process id and start time, on another host
(a shared PostgreSQL server) when it has staged nothing for ABANDONED_AFTER.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import Session

from vigil.store.models import BankEntry, BankImport, ImportStatus, utcnow

#: What the import code opens a transaction with: ``Store.session`` (commits on success).
Sessions = Callable[[], AbstractContextManager[Session]]

#: How long a staging import on another host may stage nothing before it counts as dead.
ABANDONED_AFTER = timedelta(minutes=10)
# Staged rows deleted per transaction, so that cleaning up never holds the database long.
_DELETE_CHUNK = 5000


def visible_entries() -> ColumnElement[bool]:
    """The condition every read of bank entries applies: their import is complete.

    Entries without an import (made directly, as tests and demos may) are always seen.
    """
    complete = select(BankImport.id).where(BankImport.status == ImportStatus.COMPLETE)
    return or_(BankEntry.import_id.is_(None), BankEntry.import_id.in_(complete))


def _start_time(pid: int) -> str:
    """When process ``pid`` started (clock ticks since boot), "?" where /proc cannot tell.

    With the process id this tells a live owner from a new process that reused its id.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return "?"
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else "?"


def owner_token() -> str:
    """This process, as a staging import's ``owner``: host, process id, start time."""
    return f"{socket.gethostname()} {os.getpid()} {_start_time(os.getpid())}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but alive
    return True


def owner_alive(owner: str | None, last_staged: datetime, now: datetime) -> bool:
    """Whether the process that wrote a staging import may still be writing it."""
    host, _, rest = (owner or "").partition(" ")
    pid_text, _, started = rest.partition(" ")
    if host != socket.gethostname() or not pid_text.isdecimal():
        return now - last_staged < ABANDONED_AFTER
    pid = int(pid_text)
    if not _pid_alive(pid):
        return False
    return started == "?" or _start_time(pid) in ("?", started)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; Vigil stores UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)


def discard(sessions: Sessions, import_id: int) -> None:
    """Delete a staging import and its staged entries, a chunk per transaction."""
    while True:
        with sessions() as session:
            chunk = select(BankEntry.id).where(BankEntry.import_id == import_id)
            ids = list(session.scalars(chunk.limit(_DELETE_CHUNK)))
            if ids:
                session.execute(delete(BankEntry).where(BankEntry.id.in_(ids)))
                continue
            session.execute(
                delete(BankImport).where(
                    BankImport.id == import_id, BankImport.status == ImportStatus.STAGING
                )
            )
            return


def discard_abandoned(sessions: Sessions) -> int:
    """Remove every staging import whose process is gone; returns how many were removed."""
    now = utcnow()
    with sessions() as session:
        staging = session.execute(
            select(BankImport.id, BankImport.owner, BankImport.imported_at).where(
                BankImport.status == ImportStatus.STAGING
            )
        ).all()
    abandoned = [
        row.id for row in staging if not owner_alive(row.owner, _aware(row.imported_at), now)
    ]
    for import_id in abandoned:
        discard(sessions, import_id)
    return len(abandoned)

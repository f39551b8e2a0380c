"""Failures of the machine rather than of Vigil, told in one line.

A full disk, a read-only file system, a denied permission, a database another command keeps
locked or a database server that went away are not bugs: the command ends with one line
saying what failed, where, and what to do, and exit code 2. Anything else is a bug and keeps
its traceback. Ingest writes in all-or-nothing batches and imports are all-or-nothing, so
after such a failure running the same command again continues where it stopped.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import psycopg
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from vigil.config import Settings
from vigil.store.retry import LockTimeoutError

Kind = Literal["full", "read-only", "permission", "locked", "io", "connection", "other"]

#: What the command is writing when a failure names no file (a report, the standard output).
_place: ContextVar[str | None] = ContextVar("vigil_failure_place", default=None)
#: The database the command opened, for failures the database driver reports without a path.
_database: ContextVar[str | None] = ContextVar("vigil_failure_database", default=None)

_OS_KINDS: dict[int, Kind] = {
    errno.ENOSPC: "full",
    errno.EDQUOT: "full",
    errno.EROFS: "read-only",
    errno.EACCES: "permission",
    errno.EPERM: "permission",
    errno.EIO: "io",
}
_SQLITE_KINDS: dict[str, Kind] = {
    "SQLITE_FULL": "full",
    "SQLITE_READONLY": "read-only",
    "SQLITE_BUSY": "locked",
    "SQLITE_LOCKED": "locked",
    "SQLITE_IOERR": "io",
    "SQLITE_CANTOPEN": "io",
    "SQLITE_PERM": "permission",
}
_POSTGRES_KINDS: dict[str, Kind] = {
    "53100": "full",  # disk_full
    "25006": "read-only",  # read_only_sql_transaction (a standby server)
    "55P03": "locked",  # lock_not_available
    "58030": "io",  # io_error
    "57P01": "connection",  # admin_shutdown
    "57P02": "connection",  # crash_shutdown
    "57P03": "connection",  # cannot_connect_now
}
_ADVICE: dict[Kind, str] = {
    "full": "free some space and run the same command again: it continues where it stopped",
    "read-only": "make it writable (or choose another place) and run the same command again",
    "permission": "give this user access (or choose another place) and run the command again",
    "locked": "run the same command again when the other one has finished: it continues "
    "where it stopped",
    "io": "check the disk, then run the same command again: it continues where it stopped",
    "connection": "check the database server, then run the same command again: it continues "
    "where it stopped",
    "other": "fix that and run the same command again",
}
_WHAT: dict[Kind, str] = {
    "full": "no space left on the disk",
    "read-only": "read-only file system",
    "permission": "permission denied",
    "locked": "",  # the driver's or the back-off's own words say how long and by whom
    "io": "input/output error",
    "connection": "cannot reach the database server",
    "other": "",
}


@dataclass(frozen=True)
class Failure:
    """What went wrong (``kind``), the system's words for it, and the file it names if any."""

    kind: Kind
    detail: str
    filename: str | None = None
    from_database: bool = False


def note_database(settings: Settings) -> None:
    """Remember the database this command uses, to name it when the driver names no file."""
    if settings.is_sqlite:
        database = make_url(settings.database_url).database or settings.database_url
        _database.set(f"the database {database} (data directory {Path(database).parent})")
        return
    try:
        url = make_url(settings.database_url).render_as_string(hide_password=True)
    except ArgumentError:
        url = "given by --database-url"
    _database.set(f"the database {url}")


@contextmanager
def writing(place: str) -> Iterator[None]:
    """Name ``place`` (e.g. "the report file x.html") in failures raised inside the block."""
    token = _place.set(place)
    try:
        yield
    except OSError as exc:
        # Remembered on the exception: it is explained after this block has been left.
        exc.vigil_place = place  # type: ignore[attr-defined]
        raise
    finally:
        _place.reset(token)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, the driver error it wraps, and the exceptions it was raised from."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending and len(seen) < 20:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for linked in (getattr(current, "orig", None), current.__cause__, current.__context__):
            if isinstance(linked, BaseException):
                pending.append(linked)


def _classify_one(exc: BaseException) -> Failure | None:
    if isinstance(exc, sqlite3.Error):
        # Extended codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED) share their base's kind.
        name = str(getattr(exc, "sqlite_errorname", ""))
        kind = _SQLITE_KINDS.get("_".join(name.split("_")[:2]))
        return Failure(kind, str(exc), from_database=True) if kind else None
    if isinstance(exc, psycopg.Error):
        state = exc.sqlstate
        if state in _POSTGRES_KINDS:
            return Failure(_POSTGRES_KINDS[state], _first_line(exc), from_database=True)
        # Without a state, an operational error is the connection itself failing.
        if isinstance(exc, psycopg.OperationalError) and (state or "08").startswith("08"):
            return Failure("connection", _first_line(exc), from_database=True)
        return None
    if isinstance(exc, LockTimeoutError):
        return Failure("locked", _first_line(exc), from_database=True)
    if isinstance(exc, OSError) and exc.errno is not None:
        where = getattr(exc, "vigil_place", None)
        if exc.filename is not None:
            where = _display(exc.filename)
        return Failure(_OS_KINDS.get(exc.errno, "other"), exc.strerror or str(exc), where)
    return None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _display(filename: object) -> str:
    if isinstance(filename, bytes):
        return filename.decode("utf-8", errors="backslashreplace")
    return str(filename)


def classify(exc: BaseException) -> Failure | None:
    """The machine failure behind ``exc``, or None when ``exc`` is not one (a bug)."""
    for linked in _chain(exc):
        failure = _classify_one(linked)
        if failure is not None:
            return failure
    return None


def explain(exc: BaseException) -> str | None:
    """One line saying what failed, where, and what to do; None when ``exc`` is a bug."""
    failure = classify(exc)
    if failure is None:
        return None
    where = failure.filename
    if where is None:
        where = _database.get() if failure.from_database else _place.get()
    what = _WHAT[failure.kind] or failure.detail
    # The driver's words would repeat "no space left" and the like; they are kept where they
    # tell which I/O or connection error it was.
    plain = failure.kind in ("full", "read-only", "permission", "locked", "other")
    detail = "" if plain else f" ({failure.detail})"
    line = f"{what}{detail}: {_ADVICE[failure.kind]}"
    return line if where is None else f"{where}: {line}"

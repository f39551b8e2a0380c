"""Writing while another writer holds the database: wait for it with a bounded back-off.

SQLite lets one writer in at a time, and PostgreSQL makes a writer wait for the row and table
locks another transaction holds. A writer that meets such a lock runs its transaction again:
each attempt waits for the lock a little longer than the last (the database's own wait, which
takes the lock the moment it is free), the caller is told between attempts so that the user
sees why nothing moves, and past the back-off :class:`LockTimeoutError` says so in one line.
A failed attempt is rolled back whole, so the transaction is written once, all or nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from vigil.store.db import Store

T = TypeVar("T")

# SQLite's primary result codes for "another connection holds the lock" (extended codes such
# as SQLITE_BUSY_SNAPSHOT carry them in the low byte).
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
# PostgreSQL: lock_timeout expired, and a deadlock broken by aborting this transaction.
_PG_LOCK_STATES = frozenset({"55P03", "40P01"})

#: Called between attempts with the seconds waited so far, and with None once written.
Waiting = Callable[[float | None], None]


class LockTimeoutError(Exception):
    """Another writer held the database for longer than the back-off waits; says so in a line."""


@dataclass(frozen=True)
class BackOff:
    """How long a writer waits for a lock: per attempt, doubling, and in all."""

    #: Seconds the first attempt waits for the lock: short, so that a wait shows soon.
    first: float = 1.0
    #: Longest wait of one attempt.
    longest: float = 16.0
    #: Seconds after which the writer gives up.
    give_up_after: float = 300.0


def is_lock_error(exc: DBAPIError) -> bool:
    """Whether ``exc`` means that another transaction held a lock this one needed."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return getattr(exc.orig, "sqlstate", None) in _PG_LOCK_STATES


def _limit_lock_wait(session: Session, seconds: float) -> Callable[[], None]:
    """Make this transaction wait at most ``seconds`` for a lock; returns how to undo it."""
    milliseconds = max(1, round(seconds * 1000))
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        # Transaction-scoped: gone at commit or rollback.
        connection.execute(text(f"SET LOCAL lock_timeout = {milliseconds}"))
        return lambda: None
    # A PRAGMA on the driver's connection: it starts no transaction and outlives this one, so
    # the connection's own setting is put back for whoever takes it from the pool next.
    driver = connection.connection.driver_connection
    if driver is None:  # not checked out: nothing to limit
        return lambda: None
    previous = int(driver.execute("PRAGMA busy_timeout").fetchone()[0])
    driver.execute(f"PRAGMA busy_timeout = {milliseconds}")
    return lambda: driver.execute(f"PRAGMA busy_timeout = {previous}")


def write_retrying(
    store: Store,
    work: Callable[[Session], T],
    *,
    backoff: BackOff | None = None,
    waiting: Waiting | None = None,
) -> T:
    """Run ``work`` in one transaction, again while another writer holds a lock it needs.

    ``work`` must do nothing outside the session that it cannot do twice. ``waiting`` hears
    of each wait (see :data:`Waiting`). Raises LockTimeoutError past ``backoff``.
    """
    backoff = backoff or BackOff()
    started = time.monotonic()
    wait = backoff.first
    waited = False
    while True:
        attempt = time.monotonic()
        try:
            with store.session() as session:
                restore = _limit_lock_wait(session, wait)
                try:
                    result = work(session)
                finally:
                    restore()
        except DBAPIError as exc:
            if not is_lock_error(exc):
                raise
            elapsed = time.monotonic() - started
            if elapsed >= backoff.give_up_after:
                raise LockTimeoutError(
                    f"another writer kept the database locked for {elapsed:.0f} s, longer "
                    "than Vigil waits for it"
                ) from exc
            if waiting is not None:
                waiting(elapsed)
            waited = True
            if time.monotonic() - attempt < wait / 2:
                # Refused without waiting its turn (a deadlock, a stale snapshot): pause.
                time.sleep(min(wait / 2, 0.25))
            wait = min(wait * 2, backoff.longest, max(0.1, backoff.give_up_after - elapsed))
            continue
        if waited and waiting is not None:
            waiting(None)
        return result

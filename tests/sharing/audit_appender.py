"""A process that appends audit events as fast as it can, for the concurrency test.

Usage: python -m tests.sharing.audit_appender DATA_DIR DATABASE_URL USER COUNT START_FILE
Says it is ready in START_FILE.USER.ready, then waits for START_FILE to exist, so that both
processes begin together.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sqlalchemy.orm import Session

from vigil.config import Settings
from vigil.sharing.actor import Actor
from vigil.sharing.audit import Action, record
from vigil.store.db import Store
from vigil.store.retry import write_retrying


def main(data_dir: str, database_url: str, user: str, count: str, start: str) -> None:
    store = Store(Settings(data_dir=Path(data_dir), database_url=database_url))
    actor = Actor(user, "LOCAL")
    # Ready: the store is open (start-up under load takes seconds and differs per process).
    Path(f"{start}.{user}.ready").touch()
    while not Path(start).exists():
        time.sleep(0.001)
    for number in range(int(count)):

        def append(session: Session, number: int = number) -> None:
            record(session, Action.LOGIN, f"user:{user}", {"n": number}, actor)
            # Keep the transaction open a moment: an append that did not lock the head
            # would now let the other process chain onto the same event.
            time.sleep(0.002)

        write_retrying(store, append)
        # A moment between appends: SQLite's busy handler sleeps in growing steps, and a writer
        # that never paused could finish all its appends before the other's next try.
        time.sleep(0.005)
    store.close()


if __name__ == "__main__":
    main(*sys.argv[1:])

"""Ingest beside another writer that holds the database: it waits, says so, and loses nothing."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, make_url, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tests.imagegen import make_jpeg
from vigil.ingest.pipeline import IngestRequest, ingest
from vigil.ingest.records import FileResult, FileTask, MediaRecord
from vigil.ingest.writer import write_results
from vigil.store.db import Store
from vigil.store.models import IngestRun, Media, Sighting
from vigil.store.repo import case_by_reference, default_agency, seizure_by_name
from vigil.store.retry import BackOff, LockTimeoutError, write_retrying

FILES = 6
QUICK = BackOff(first=0.2, longest=0.4, give_up_after=30.0)


class Notices:
    """A progress receiver that keeps every notice."""

    def __init__(self) -> None:
        self.notices: list[str | None] = []
        self.stored = 0

    def start(self, files: int, size: int) -> None:
        pass

    def advance(self, files: int, size: int) -> None:
        self.stored += files

    def notice(self, message: str | None) -> None:
        self.notices.append(message)


@contextmanager
def write_lock(store: Store) -> Iterator[Callable[[], None]]:
    """Hold a write lock on the tables ingest writes, from another connection, until released.

    SQLite: BEGIN IMMEDIATE (the one writer's lock). PostgreSQL: an EXCLUSIVE table lock,
    which lets readers in but makes every writer wait, as a long import's transaction can.
    """
    if store.settings.is_sqlite:
        path = make_url(store.settings.database_url).database
        assert path
        lite = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        lite.execute("BEGIN IMMEDIATE")
        released = threading.Event()

        def release_lite() -> None:
            if not released.is_set():
                released.set()
                lite.execute("COMMIT")
                lite.close()

        yield release_lite
        release_lite()
        return
    pg = store.engine.raw_connection()
    pg.cursor().execute("LOCK TABLE ingest_run, sighting, media IN EXCLUSIVE MODE")
    done = threading.Event()

    def release_pg() -> None:
        if not done.is_set():
            done.set()
            pg.commit()
            pg.close()

    yield release_pg
    release_pg()


def photos(tmp_path: Path) -> Path:
    root = tmp_path / "phone"
    root.mkdir()
    for seed in range(FILES):
        make_jpeg(root / f"IMG_{seed}.jpg", seed=seed, size=(64, 48))
    return root


def test_ingest_waits_for_a_long_write_and_says_so(store: Store, tmp_path: Path) -> None:
    root = photos(tmp_path)
    ingest(store, IngestRequest(root=root, case_reference="OP-1", workers=1))  # schema warm
    progress = Notices()
    with write_lock(store) as release:
        # Held past several of the writer's waits, then let go while it is still trying.
        threading.Timer(2.5, release).start()
        outcome = ingest(
            store,
            IngestRequest(
                root=root,
                case_reference="OP-1",
                seizure_name="second",
                workers=1,
                lock_backoff=QUICK,
            ),
            progress,
        )
    waits = [n for n in progress.notices if n and n.startswith("waiting for the database")]
    assert len(waits) >= 2, progress.notices
    assert progress.notices[-1] is None  # cleared once written
    assert outcome.summary.files == FILES
    assert outcome.summary.errors == 0
    with store.session() as session:
        assert session.scalar(select(func.count(Sighting.id))) == 2 * FILES
        run = session.get_one(IngestRun, outcome.run_id)
        assert run.status == "completed"


def test_past_the_back_off_one_line_then_resume_finishes(store: Store, tmp_path: Path) -> None:
    root = photos(tmp_path)
    ingest(store, IngestRequest(root=root, case_reference="OP-1", workers=1))
    request = IngestRequest(
        root=root,
        case_reference="OP-1",
        seizure_name="second",
        workers=1,
        lock_backoff=BackOff(first=0.2, longest=0.2, give_up_after=1.0),
    )
    with write_lock(store), pytest.raises(LockTimeoutError) as raised:
        ingest(store, request, Notices())
    # One line, for the CLI to show as the reason the command stopped.
    message = str(raised.value)
    assert "\n" not in message
    assert "locked for" in message
    outcome = ingest(store, request)
    assert outcome.summary.files == FILES
    assert outcome.summary.errors == 0


def _lock_error(store: Store) -> OperationalError:
    """The error the driver raises when another writer holds the lock."""
    if store.settings.is_sqlite:
        orig: Exception = sqlite3.OperationalError("database is locked")
        orig.sqlite_errorcode = 5  # type: ignore[attr-defined]
    else:
        orig = psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")
    return OperationalError("INSERT ...", {}, orig)


def test_a_batch_retried_after_a_lock_is_written_exactly_once(store: Store, tmp_path: Path) -> None:
    with store.session() as session:
        case = case_by_reference(session, default_agency(session), "OP-1")
        seizure_id = seizure_by_name(session, case, "phone").id
        run = IngestRun(
            seizure_id=seizure_id,
            root_path="/x",
            status="running",
            pdq_mode="fast",
            workers=1,
            resumes=0,
        )
        session.add(run)
        session.flush()
        run_id = run.id
    batch = [
        FileResult(
            FileTask(f"f{i}".encode(), 10, 0.0),
            MediaRecord(f"{i:064x}", "0" * 40, "0" * 32, 10, "other", "bin", "x/y"),
        )
        for i in range(5)
    ]
    attempts: list[int] = []
    waits: list[float | None] = []

    def work(session: Session) -> None:
        write_results(session, seizure_id, run_id, batch)
        attempts.append(1)
        if len(attempts) == 1:
            raise _lock_error(store)  # after the whole batch was written in the transaction

    write_retrying(store, work, backoff=QUICK, waiting=waits.append)
    assert len(attempts) == 2
    assert len(waits) == 2
    assert waits[-1] is None
    with store.session() as session:
        assert session.scalar(select(func.count(Sighting.id))) == 5
        assert session.scalar(select(func.count(Media.id))) == 5

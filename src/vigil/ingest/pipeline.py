"""Ingest a seizure: walk → hash in worker processes → store in batches from one writer.

Resuming is by construction: every file of the seizure ends as exactly one sighting or one
error, written in all-or-nothing batches, and a run skips the paths already stored. Running
the same command again after an interruption therefore finishes the job, and the result is
the same as that of an uninterrupted run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.cases.alerts import AlertView, raise_alerts
from vigil.cases.casework import update_seizure
from vigil.ingest.budget import MemoryPlan, default_memory_budget, plan_memory
from vigil.ingest.pool import WorkerPool
from vigil.ingest.records import FileResult, FileTask
from vigil.ingest.walk import walk
from vigil.ingest.worker import PdqMode, WorkerOptions
from vigil.ingest.writer import crashed_paths, done_paths, write_results
from vigil.matching.matching import MatchSettings, MatchStats, match_seizure
from vigil.reports.summary import SeizureSummary
from vigil.reports.triage import TriageReport, build_report
from vigil.sharing.actor import Actor, local_actor
from vigil.sharing.audit import Action, record, seizure_object
from vigil.sharing.dissemination import apply_level
from vigil.sharing.hits import raise_hit_notices
from vigil.sharing.policy import Permission, require, resolve
from vigil.store.db import Store
from vigil.store.models import Agency, Case, IngestRun, Level, RecordType, Seizure, utcnow
from vigil.store.repo import case_by_reference, seizure_by_name
from vigil.store.retry import BackOff, LockTimeoutError, write_retrying

UNFINISHED = ("running", "matching", "interrupted")
T = TypeVar("T")


class IngestInputError(Exception):
    """The folder to ingest cannot be used; the message says why."""


class Progress(Protocol):
    """Receives progress as files are stored (the CLI draws a bar from it)."""

    def start(self, files: int, size: int) -> None:
        """Work is known: ``files`` files of ``size`` bytes in all."""

    def advance(self, files: int, size: int) -> None:
        """``files`` more files, ``size`` more bytes, are stored."""

    def notice(self, message: str | None) -> None:
        """Show ``message`` beside the counts (waiting for the database, what the memory
        budget cut) until the next notice; None clears it."""


@dataclass(frozen=True)
class IngestRequest:
    """What to ingest, where to file it, and how."""

    root: Path
    case_reference: str
    seizure_name: str | None = None
    workers: int = os.cpu_count() or 1
    pdq_mode: PdqMode = "fast"
    timeout: float = 120.0
    batch_size: int = 500
    video_seconds_per_frame: float = 1.0
    match_settings: MatchSettings = field(default_factory=MatchSettings)
    #: Bytes of memory ingest may use (see :mod:`vigil.ingest.budget`); None: no budget.
    memory_budget: int | None = field(default_factory=default_memory_budget)
    #: How long a write waits while another writer holds the database.
    lock_backoff: BackOff = field(default_factory=BackOff)
    #: Who runs it, as the audit trail records it; the case and seizure are its agency's.
    actor: Actor = field(default_factory=local_actor)
    #: Who besides the actor's agency may see the case and seizure, when this run makes them.
    dissemination: Level = Level.OWNER
    #: The agencies (codes) that may see them when ``dissemination`` is ``named``.
    named: tuple[str, ...] = ()
    #: What was seized and where from, and when: set on the seizure when given.
    source: str | None = None
    seized_at: datetime | None = None


@dataclass(frozen=True)
class IngestOutcome:
    """The run that did the work and the seizure's summary afterwards."""

    run_id: int
    seizure_id: int
    resumed: bool
    processed: int
    summary: SeizureSummary
    matches: MatchStats
    triage: TriageReport
    #: The workers and picture size limit the memory budget allowed.
    memory: MemoryPlan
    #: The seizure's alerts the actor may see, highest priority first.
    alerts: tuple[AlertView, ...] = ()


def _owned(session: Session, request: IngestRequest, root: Path) -> tuple[Case, Seizure]:
    """The case and seizure the run files into, the actor's agency's; made if new, with the
    request's level (an existing record keeps its own: ``vigil share set`` changes it)."""
    viewer = resolve(session, request.actor)
    require(viewer, Permission.WRITE)
    agency = session.get_one(Agency, viewer.agency_id)
    name = request.seizure_name or root.name
    known = session.scalar(
        select(Case).where(Case.agency_id == agency.id, Case.reference == request.case_reference)
    )
    case = case_by_reference(session, agency, request.case_reference)
    # Records are born owner-only: a wider level is a change, and audited as one.
    wider = request.dissemination is not Level.OWNER or bool(request.named)
    if known is None and wider:
        apply_level(session, viewer, RecordType.CASE, case, request.dissemination, request.named)
    known_seizure = session.scalar(
        select(Seizure.id).where(Seizure.case_id == case.id, Seizure.name == name)
    )
    seizure = seizure_by_name(session, case, name)
    if known_seizure is None and wider:
        apply_level(
            session, viewer, RecordType.SEIZURE, seizure, request.dissemination, request.named
        )
    if request.source is not None or request.seized_at is not None:
        update_seizure(
            session, viewer, seizure.id, source=request.source, seized_at=request.seized_at
        )
    return case, seizure


def _open_run(session: Session, request: IngestRequest, root: Path) -> tuple[int, int, bool]:
    case, seizure = _owned(session, request, root)
    run = session.scalar(
        select(IngestRun)
        .where(IngestRun.seizure_id == seizure.id, IngestRun.status.in_(UNFINISHED))
        .order_by(IngestRun.id.desc())
    )
    resumed = run is not None
    if run is None:
        run = IngestRun(
            seizure_id=seizure.id,
            root_path=str(root),
            status="running",
            pdq_mode=request.pdq_mode,
            workers=request.workers,
            resumes=0,
        )
        session.add(run)
    else:
        run.status = "running"
        run.resumes += 1
    session.flush()
    record(
        session,
        Action.INGEST_RESUME if resumed else Action.INGEST_START,
        seizure_object(case.reference, seizure.name),
        {
            "run": run.id,
            "root": str(root),
            "resumes": run.resumes,
            "workers": request.workers,
            "pdq_mode": request.pdq_mode,
        },
        request.actor,
    )
    return run.id, seizure.id, resumed


def _finish_run(session: Session, run_id: int, status: str, files_total: int | None) -> None:
    run = session.get_one(IngestRun, run_id)
    run.status = status
    if files_total is not None:
        run.files_total = files_total
    if status == "completed":
        run.finished_at = utcnow()


def _complete_run(
    session: Session,
    run_id: int,
    triage: TriageReport,
    matches: MatchStats,
    processed: int,
    actor: Actor,
) -> None:
    """Mark the run completed and record it, with its counts, in the audit trail."""
    _finish_run(session, run_id, "completed", triage.summary.files)
    seizure = session.get_one(IngestRun, run_id).seizure
    summary = triage.summary
    record(
        session,
        Action.INGEST_COMPLETE,
        seizure_object(seizure.case.reference, seizure.name),
        {
            "run": run_id,
            "files": summary.files,
            "bytes": summary.bytes,
            "media": summary.media,
            "errors": summary.errors,
            "processed_now": processed,
            "new_matches": {"exact": matches.exact, "pdq": matches.pdq, "vpdq": matches.vpdq},
        },
        actor,
    )


def _resolve_root(path: Path) -> Path:
    if not path.exists():
        raise IngestInputError(f"{path}: no such folder")
    if not path.is_dir():
        raise IngestInputError(f"{path}: not a folder")
    return path.resolve()


def _split(
    items: Iterable[FileTask | FileResult], done: set[bytes]
) -> tuple[list[FileTask], list[FileResult]]:
    tasks: list[FileTask] = []
    failures: list[FileResult] = []
    for item in items:
        if isinstance(item, FileTask):
            if item.relpath not in done:
                tasks.append(item)
        elif item.task.relpath not in done:
            failures.append(item)
    return tasks, failures


def ingest(store: Store, request: IngestRequest, progress: Progress | None = None) -> IngestOutcome:
    """Ingest ``request.root`` into its seizure, resuming an interrupted run of it."""
    root = _resolve_root(request.root)
    plan = plan_memory(request.memory_budget, request.workers)
    # What the budget cut stays in view; a wait for the database shows over it while it lasts.
    note = plan.describe() if plan.reduced else None

    def waiting(seconds: float | None) -> None:
        if progress is not None:
            progress.notice(
                note
                if seconds is None
                else f"waiting for the database: another writer holds it ({seconds:.0f} s)"
            )

    def write(work: Callable[[Session], T]) -> T:
        return write_retrying(store, work, backoff=request.lock_backoff, waiting=waiting)

    if progress is not None and note is not None:
        progress.notice(note)
    run_id, seizure_id, resumed = write(lambda session: _open_run(session, request, root))
    with store.session() as session:
        done = done_paths(session, seizure_id)
        # Files that crashed a worker are tried again (see WorkerPool.run's ``crashed``).
        crashed = crashed_paths(session, seizure_id)
    tasks, failures = _split(walk(os.fsencode(root)), done - crashed)
    if progress is not None:
        progress.start(len(tasks) + len(failures), sum(item.size for item in tasks))
    options = WorkerOptions(request.pdq_mode, request.video_seconds_per_frame, plan.max_pixels)
    pool = WorkerPool(os.fsencode(root), options, plan.workers, request.timeout)
    buffer: list[FileResult] = list(failures)
    flushed_at = time.monotonic()
    processed = 0

    def flush() -> None:
        nonlocal buffer, flushed_at, processed
        batch = buffer
        if batch:
            # Their new result replaces the crash error stored for them.
            replacing = (
                [r.task.relpath for r in batch if r.task.relpath in crashed] if crashed else []
            )
            write(lambda session: write_results(session, seizure_id, run_id, batch, replacing))
            if progress is not None:
                progress.advance(len(batch), sum(r.task.size for r in batch if r.media))
            processed += len(batch)
        buffer = []
        flushed_at = time.monotonic()

    try:
        for result in pool.run(tasks, crashed=crashed):
            buffer.append(result)
            if len(buffer) >= request.batch_size or time.monotonic() - flushed_at > 1.0:
                flush()
        flush()
    except LockTimeoutError:
        # Writing more would only wait as long again; the run stays unfinished, to resume.
        raise
    except BaseException:
        flush()
        write(lambda session: _finish_run(session, run_id, "interrupted", None))
        raise
    finally:
        pool.close()
    # Matching is idempotent: if it is interrupted, the resumed run simply matches again.
    write(lambda session: _finish_run(session, run_id, "matching", None))
    matches = write(lambda session: match_seizure(session, seizure_id, request.match_settings))
    # Both sides of a hit on data the actor's agency may not see learn that it exists.
    write(lambda session: raise_hit_notices(session, resolve(session, request.actor), seizure_id))
    # What its agency must look at first (and, for a missing child's reference media or a
    # cross-case link, the other seizures' agencies too).
    write(lambda session: raise_alerts(session, resolve(session, request.actor), seizure_id))
    with store.session() as session:
        viewer = resolve(session, request.actor)
        triage = build_report(session, session.get_one(Seizure, seizure_id), viewer)
    write(lambda session: _complete_run(session, run_id, triage, matches, processed, request.actor))
    return IngestOutcome(
        run_id,
        seizure_id,
        resumed,
        processed,
        triage.summary,
        matches,
        triage,
        plan,
        tuple(triage.alerts),
    )

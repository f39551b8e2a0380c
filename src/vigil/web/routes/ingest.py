"""Starting an ingest of a folder on the server, under its evidence root.

The caller names a folder relative to the configured evidence root
(``VIGIL_EVIDENCE_ROOT``); one that escapes the root or does not exist is refused. The
ingest is ``ingest.pipeline.ingest``, run in a thread of the server for the caller (the
case and seizure are the caller's agency's), and followed at ``GET /api/ingest-runs/ID``:
files done of the total while it runs, its summary when complete. The same thread then makes
the seizure's previews (``previews.making``), followed as previews done of the total.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from vigil.ingest.pipeline import IngestInputError, IngestRequest, ingest
from vigil.previews.making import make_previews
from vigil.reports.runs import RunOpened, newest_run
from vigil.sharing.dissemination import DisseminationError
from vigil.sharing.policy import Permission, Viewer
from vigil.store.db import Store
from vigil.store.models import Level
from vigil.web.auth import Principal
from vigil.web.deps import config_of, store_of
from vigil.web.errors import ERROR_RESPONSES, ApiError
from vigil.web.routes.refusals import refused
from vigil.web.rules import allow

router = APIRouter(tags=["ingest runs"], responses=ERROR_RESPONSES)

#: How long the request waits for the run to be opened (the database may be busy).
START_TIMEOUT_SECONDS = 60.0


class IngestIn(BaseModel):
    """What to ingest (a folder under the evidence root) and where to file it."""

    path: str = Field(min_length=1, max_length=4096, examples=["2026-117/phone-1"])
    # Not blank: a reference and a name are read out and typed by people.
    case: str = Field(min_length=1, max_length=100, pattern=r"\S", examples=["OP-2026-117"])
    seizure: str | None = Field(
        None, min_length=1, max_length=200, pattern=r"\S", description="Default: the folder's name."
    )
    dissemination: Level = Level.OWNER
    named: list[str] = Field(default_factory=list, max_length=200)


class IngestStarted(BaseModel):
    """The run the ingest goes on as: follow it at ``/api/ingest-runs/{run_id}``."""

    run_id: int
    status: str


@dataclass
class IngestJob:
    """One ingest running in this server: its progress as the pipeline reports it."""

    started: threading.Event = field(default_factory=threading.Event)
    files_total: int | None = None
    files_done: int = 0
    failure: BaseException | None = None
    #: What the pipeline says beside its counts (waiting for the database...).
    note: str | None = None
    #: The preview pass after the ingest: previews made or failed of the seizure's, once
    #: it has started (None before); whether it has ended; why it stopped, if it failed.
    previews_done: int | None = None
    previews_total: int | None = None
    previews_finished: bool = False
    previews_failure: BaseException | None = None

    def start(self, files: int, size: int) -> None:
        """The pipeline has opened the run and knows its work."""
        self.files_total = files
        self.started.set()

    def advance(self, files: int, size: int) -> None:
        """``files`` more files are stored."""
        self.files_done += files

    def notice(self, message: str | None) -> None:
        """Show ``message`` beside the counts; None clears it."""
        self.note = message

    def previews(self, done: int, total: int) -> None:
        """The preview pass has ``done`` of the seizure's ``total`` previews."""
        self.previews_total = total
        self.previews_done = done


@dataclass
class IngestJobs:
    """The ingests this server runs, by run id, and their threads."""

    by_run: dict[int, IngestJob] = field(default_factory=dict)
    threads: list[threading.Thread] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def jobs_of(app: FastAPI) -> IngestJobs:
    """The app's ingests (``create_app`` gives it its record of them)."""
    jobs: IngestJobs = app.state.ingest_jobs
    return jobs


def job_of(request: Request, run_id: int) -> IngestJob | None:
    """The in-server progress of run ``run_id``, when this server runs it."""
    return jobs_of(request.app).by_run.get(run_id)


def wait_for_ingests(app: FastAPI, timeout: float | None = None) -> bool:
    """Wait for the app's ingests to end; whether they all did (tests, shutdown)."""
    jobs = jobs_of(app)
    with jobs.lock:
        threads = list(jobs.threads)
    for thread in threads:
        thread.join(timeout)
    return not any(thread.is_alive() for thread in threads)


def _folder(request: Request, wanted: str) -> Path:
    """The folder ``wanted`` names under the evidence root; 422 naming ``path`` otherwise."""
    root = config_of(request).evidence_root
    if root is None:
        raise ApiError(422, "path: this server has no evidence root (VIGIL_EVIDENCE_ROOT)", "path")
    base = root.resolve()
    try:
        folder = (base / wanted).resolve()
        inside = folder.is_relative_to(base)
        found = inside and folder.is_dir()
    except (ValueError, OSError):  # a NUL byte, a name too long for the file system
        raise ApiError(422, f"path: {wanted[:200]!r} cannot name a folder", "path") from None
    if not inside:
        raise ApiError(422, f"path: {wanted[:200]!r} is outside the evidence root", "path")
    if not found:
        raise ApiError(422, f"path: no folder {wanted[:200]!r} under the evidence root", "path")
    return folder


def _run(store: Store, job_request: IngestRequest, job: IngestJob) -> None:
    try:
        outcome = ingest(store, job_request, job)
    except BaseException as exc:  # the thread's end: kept for the request and the run's page
        job.failure = exc
        return
    finally:
        job.started.set()
    try:
        make_previews(
            store, outcome.seizure_id, workers=outcome.memory.workers, progress=job.previews
        )
    except BaseException as exc:  # kept for the run's page; the ingest itself is complete
        job.previews_failure = exc
    finally:
        job.previews_finished = True


def _opened_run(store: Store, viewer: Viewer, case: str, seizure: str) -> RunOpened | None:
    """The run the ingest opened: the newest of the caller's seizure."""
    with store.session() as session:
        return newest_run(session, viewer, case, seizure)


@router.post("/api/ingest-runs", status_code=202)
async def start_ingest(
    request: Request,
    body: IngestIn,
    caller: Annotated[Principal, allow(Permission.WRITE)],
) -> IngestStarted:
    """Start ingesting a folder under the evidence root into the caller's case and seizure."""
    folder = _folder(request, body.path)
    seizure = body.seizure or folder.name
    job_request = IngestRequest(
        root=folder,
        case_reference=body.case.strip(),
        seizure_name=seizure,
        actor=caller.actor,
        dissemination=body.dissemination,
        named=tuple(body.named),
    )
    store = store_of(request)
    job = IngestJob()
    thread = threading.Thread(
        target=_run, args=(store, job_request, job), name=f"ingest {seizure}", daemon=True
    )
    jobs = jobs_of(request.app)
    with jobs.lock:
        jobs.threads = [alive for alive in jobs.threads if alive.is_alive()] + [thread]
    thread.start()
    if not await run_in_threadpool(job.started.wait, START_TIMEOUT_SECONDS):
        raise ApiError(503, "the database is busy: the ingest has not started yet")
    if job.failure is not None and job.files_total is None:
        with (
            refused(422, IngestInputError, field="path"),
            refused(422, DisseminationError, field="named"),
        ):
            raise job.failure
    run = await run_in_threadpool(
        _opened_run, store, caller.viewer, job_request.case_reference, seizure
    )
    if run is None:  # the run opened, so this cannot be; say so rather than guess
        raise ApiError(503, "the ingest started but its run was not found")
    with jobs.lock:
        jobs.by_run[run.id] = job
    return IngestStarted(run_id=run.id, status=run.status)

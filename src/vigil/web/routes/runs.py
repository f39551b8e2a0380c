"""Ingest runs: those of seizures the caller may see, newest first, with their progress."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from vigil.previews.queue import PreviewCounts, preview_counts
from vigil.reports import runs as ingest_runs
from vigil.sharing.policy import Permission, Viewer
from vigil.web.auth import Principal
from vigil.web.deps import reading
from vigil.web.errors import ERROR_RESPONSES, Page, PageRequest, page_request
from vigil.web.routes.ingest import IngestJob, job_of
from vigil.web.routes.params import RecordId
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["ingest runs"], responses=ERROR_RESPONSES)


class RunOut(BaseModel):
    """An ingest run with its case, seizure and the seizure's headline numbers."""

    id: int
    case: str
    seizure: str
    status: str
    started_at: str
    finished_at: str | None
    resumes: int
    pdq_mode: str
    #: Files stored so far (of every run of the seizure), and how many this run has in all
    #: (None until known: while another server runs it, or before it has walked its folder).
    files_done: int
    files_total: int | None
    #: Why a run this server was running stopped, when it failed.
    error: str | None = None
    #: What the running ingest says beside its counts (waiting for the database...).
    notice: str | None = None
    #: The seizure's previews made or failed, of its pictures and videos: while this server's
    #: pass after the ingest runs, its progress; otherwise what the store holds (one run's
    #: route only; None in listings). ``previews_running``: this server's pass is under way.
    previews_done: int | None = None
    previews_total: int | None = None
    previews_running: bool = False
    #: Why this server's preview pass stopped, when it failed.
    previews_error: str | None = None
    summary: dict[str, Any]


def _run_out(
    shown: ingest_runs.RunShown,
    job: IngestJob | None = None,
    previews: PreviewCounts | None = None,
) -> RunOut:
    """The run as the API shows it: the progress of the ingest this server is running (when
    it runs one for it) beside what the store says, and its seizure's ``previews``."""
    running = job is not None and shown.status != "completed"
    passing = job is not None and job.previews_total is not None and not job.previews_finished
    previews_done = previews_total = None
    if job is not None and passing:
        previews_done, previews_total = job.previews_done, job.previews_total
    elif previews is not None:
        previews_done, previews_total = previews.made + previews.failed, previews.total
    failure = None if job is None else job.previews_failure
    done = job.files_done if job is not None and running else shown.summary.files
    total = job.files_total if job is not None and running else shown.files_total
    return RunOut(
        id=shown.id,
        case=shown.case,
        seizure=shown.seizure,
        status=shown.status,
        started_at=shown.started_at.isoformat(),
        finished_at=shown.finished_at.isoformat() if shown.finished_at else None,
        resumes=shown.resumes,
        pdq_mode=shown.pdq_mode,
        files_done=done,
        files_total=total if running or shown.status == "completed" else None,
        error=None if job is None or job.failure is None else str(job.failure) or "failed",
        notice=job.note if job is not None and running else None,
        previews_done=previews_done,
        previews_total=previews_total,
        previews_running=passing,
        previews_error=None if failure is None else str(failure) or "failed",
        summary=shown.summary.to_json(),
    )


def visible_runs(session: Session, viewer: Viewer, page: PageRequest) -> Page[RunOut]:
    """The ingest runs the viewer may see (their seizure's rule), newest first."""
    found = ingest_runs.list_runs(session, viewer, page.limit, page.offset)
    return Page[RunOut].of([_run_out(shown) for shown in found.items], page, found.total)


@router.get("/api/ingest-runs")
def list_runs(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.READ)],
) -> Page[RunOut]:
    """Ingest runs of the seizures the caller may see, newest first."""
    with reading(request) as session:
        return visible_runs(session, caller.viewer, page)


@router.get("/api/ingest-runs/{run_id}")
def get_run(
    request: Request,
    run_id: RecordId,
    caller: Annotated[Principal, allow(Permission.READ, records={"run_id": PathRecord.INGEST_RUN})],
) -> RunOut:
    """One ingest run; 404 when it does not exist or its seizure is not the caller's to see."""
    with reading(request) as session:
        shown = ingest_runs.run_detail(session, caller.viewer, run_id)
        previews = preview_counts(session, shown.seizure_id)
    return _run_out(shown, job_of(request, run_id), previews)

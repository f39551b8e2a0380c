"""Ingest runs: those of seizures the caller may see, newest first, with their progress."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from vigil.reports.summary import summarize_seizure
from vigil.sharing.policy import NotVisibleError, Permission, Viewer, seizure_condition
from vigil.store.models import Case, IngestRun, Seizure
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
    summary: dict[str, Any]


def _visible(viewer: Viewer) -> Select[IngestRun, Seizure, Case]:
    return (
        select(IngestRun, Seizure, Case)
        .join(Seizure, IngestRun.seizure_id == Seizure.id)
        .join(Case, Seizure.case_id == Case.id)
        .where(seizure_condition(viewer))
    )


def _run_out(
    session: Session,
    viewer: Viewer,
    run: IngestRun,
    seizure: Seizure,
    case: Case,
    job: IngestJob | None = None,
) -> RunOut:
    summary = summarize_seizure(session, viewer, seizure.id)
    running = job is not None and run.status != "completed"
    done = job.files_done if job is not None and running else summary.files
    total = job.files_total if job is not None and running else run.files_total
    return RunOut(
        id=run.id,
        case=case.reference,
        seizure=seizure.name,
        status=run.status,
        started_at=run.started_at.isoformat(),
        finished_at=run.finished_at.isoformat() if run.finished_at else None,
        resumes=run.resumes,
        pdq_mode=run.pdq_mode,
        files_done=done,
        files_total=total if running or run.status == "completed" else None,
        error=None if job is None or job.failure is None else str(job.failure) or "failed",
        notice=job.note if job is not None and running else None,
        summary=summary.to_json(),
    )


def visible_runs(session: Session, viewer: Viewer, page: PageRequest) -> Page[RunOut]:
    """The ingest runs the viewer may see (their seizure's rule), newest first."""
    query = _visible(viewer)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(IngestRun.id.desc()).limit(page.limit).offset(page.offset)
    )
    items = [_run_out(session, viewer, run, seizure, case) for run, seizure, case in rows]
    return Page[RunOut].of(items, page, total)


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
        row = session.execute(_visible(caller.viewer).where(IngestRun.id == run_id)).first()
        if row is None:
            raise NotVisibleError(f"run_id: no ingest run {run_id}")
        run, seizure, case = row
        return _run_out(session, caller.viewer, run, seizure, case, job_of(request, run_id))

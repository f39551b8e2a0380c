"""Ingest runs as a viewer is shown them: those of the seizures it may see, with the
seizure's headline numbers.

A run follows its seizure's rule: a run of a seizure the viewer may not see is neither
listed nor counted, and asking for it is answered as for a run that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from vigil.reports.summary import SeizureSummary, summarize_seizure
from vigil.sharing.policy import NotVisibleError, Viewer, seizure_condition
from vigil.sharing.records import Listing, case_shown, count_rows, find_case
from vigil.store.models import Case, IngestRun, Seizure


@dataclass(frozen=True)
class RunShown:
    """An ingest run with its case's reference (``UNSHARED_CASE`` of ``sharing.records``
    where the viewer may not see the case), its seizure and the seizure's summary."""

    id: int
    case: str
    seizure: str
    seizure_id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    resumes: int
    pdq_mode: str
    #: How many files the run has in all, as stored (0 until it has walked its folder).
    files_total: int
    summary: SeizureSummary


@dataclass(frozen=True)
class RunOpened:
    """A run just opened: its id and status."""

    id: int
    status: str


def _visible(viewer: Viewer) -> Select[IngestRun, Seizure, str]:
    # The case is named only where the viewer may see it (a seizure may be shared wider).
    return (
        select(IngestRun, Seizure, case_shown(viewer))
        .join(Seizure, IngestRun.seizure_id == Seizure.id)
        .join(Case, Seizure.case_id == Case.id)
        .where(seizure_condition(viewer))
    )


def _shown(session: Session, viewer: Viewer, row: Row[IngestRun, Seizure, str]) -> RunShown:
    run, seizure, case_reference = row
    return RunShown(
        id=run.id,
        case=case_reference,
        seizure=seizure.name,
        seizure_id=seizure.id,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        resumes=run.resumes,
        pdq_mode=run.pdq_mode,
        files_total=run.files_total,
        summary=summarize_seizure(session, viewer, seizure.id),
    )


def list_runs(session: Session, viewer: Viewer, limit: int, offset: int) -> Listing[RunShown]:
    """The ingest runs of the seizures the viewer may see, newest first: ``limit`` of them
    after ``offset``, and how many there are in all."""
    query = _visible(viewer)
    total = count_rows(session, query)
    rows = session.execute(query.order_by(IngestRun.id.desc()).limit(limit).offset(offset))
    return Listing([_shown(session, viewer, row) for row in rows], total)


def run_detail(session: Session, viewer: Viewer, run_id: int) -> RunShown:
    """One ingest run; NotVisibleError when it does not exist or its seizure is hidden."""
    row = session.execute(_visible(viewer).where(IngestRun.id == run_id)).first()
    if row is None:
        raise NotVisibleError(f"run_id: no ingest run {run_id}")
    return _shown(session, viewer, row)


def newest_run(
    session: Session, viewer: Viewer, case_reference: str, seizure_name: str
) -> RunOpened | None:
    """The newest run of the seizure ``seizure_name`` of the viewer's case
    ``case_reference`` (the run an ingest the viewer started has just opened), if any."""
    found = find_case(session, viewer, case_reference)
    run = session.scalar(
        select(IngestRun)
        .join(Seizure, IngestRun.seizure_id == Seizure.id)
        .where(Seizure.case_id == found.id, Seizure.name == seizure_name)
        .order_by(IngestRun.id.desc())
        .limit(1)
    )
    return None if run is None else RunOpened(run.id, run.status)

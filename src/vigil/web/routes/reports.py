"""The triage report of a seizure, as JSON or as a download (CSV, HTML, text).

The report is ``reports.triage.build_report`` as the caller sees it, laid out by
``reports.render``; every report is an export of the seizure's data and audited as
``vigil report`` audits it, and a report of another agency's seizure is a view of it too.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from vigil.reports.errors import seizure_errors
from vigil.reports.render import render
from vigil.reports.triage import build_report
from vigil.sharing.audit import Action, record, seizure_object
from vigil.sharing.policy import Permission, check_seizure
from vigil.sharing.views import record_view
from vigil.store.models import Seizure
from vigil.web.auth import Principal
from vigil.web.deps import writing
from vigil.web.errors import ERROR_RESPONSES
from vigil.web.routes.cases import SummaryOut
from vigil.web.routes.params import RecordId
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["reports"], responses=ERROR_RESPONSES)

ReportFormat = Literal["json", "csv", "html", "text"]
#: Each download's media type and file suffix.
_DOWNLOADS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "html": ("text/html; charset=utf-8", "html"),
    "text": ("text/plain; charset=utf-8", "txt"),
}


class SeriesOut(BaseModel):
    """A known series some of the seizure's media belong to."""

    name: str
    media: int
    victim_identified: bool | None
    banks: list[str]


class NewMediaOut(BaseModel):
    """A picture or video nobody has seen."""

    media_id: int
    path: str
    kind: str
    format: str
    width: int | None
    height: int | None
    sha256: str
    md5: str
    pdq: str | None


class FailedFileOut(BaseModel):
    """A file that could not be ingested, at what stage and why."""

    path: str
    stage: str
    reason: str
    size: int | None


class ReportOut(BaseModel):
    """The triage report: every picture and video in one class, and what is new."""

    case: str
    seizure: str
    generated_at: datetime
    summary: SummaryOut
    media: int
    classes: dict[str, int]
    percentages: dict[str, float]
    by_category: dict[str, int]
    by_bank: dict[str, int]
    other_cases: dict[str, int]
    series: list[SeriesOut]
    low_quality_pictures: int
    low_quality_frames: int
    new_media: list[NewMediaOut]
    category_labels: dict[str, str]
    failed_files: list[FailedFileOut]


_SCHEMA = {"schema": {"type": "string"}}


@router.get(
    "/api/seizures/{seizure_id}/report",
    response_model=ReportOut,
    responses={
        200: {
            "description": "The report: JSON, or a download for csv, html and text.",
            "content": {media: _SCHEMA for media, _ in _DOWNLOADS.values()},
        }
    },
)
def get_report(
    request: Request,
    seizure_id: RecordId,
    caller: Annotated[
        Principal, allow(Permission.READ, records={"seizure_id": PathRecord.SEIZURE})
    ],
    fmt: Annotated[
        ReportFormat, Query(alias="format", description="json, or a download: csv, html, text.")
    ] = "json",
) -> Response:
    """The seizure's triage report as the caller sees it; 404 when hidden or missing."""
    viewer = caller.viewer
    with writing(request) as session:
        check_seizure(session, viewer, seizure_id)
        seizure = session.get_one(Seizure, seizure_id)
        report = build_report(session, seizure, viewer)
        # JSON and CSV list every failed file; text and HTML the first few, as the CLI.
        text = render(report, fmt, seizure_errors(session, viewer, seizure_id))
        details = {"format": fmt, "output": "api"}
        where = seizure_object(seizure.case.reference, seizure.name)
        record(session, Action.REPORT_EXPORT, where, details, caller.actor)
        record_view(session, viewer, seizure, "report")
        name = f"report-{seizure_id}"
    if fmt == "json":
        document = ReportOut.model_validate(json.loads(text))
        return Response(document.model_dump_json(), media_type="application/json")
    media_type, suffix = _DOWNLOADS[fmt]
    return Response(
        text,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}.{suffix}"'},
    )

"""Missing-child reports and statistics: those the caller may see, one with its history,
creating and changing reports (their owner only), who may see them, and the identification
figures of what the caller may see.

Every route calls ``vigil.cases``: the policy decides what the caller sees, a record
hidden from it is answered as one that does not exist (404), bad input and refused steps
are 422s naming the field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from vigil.cases import missing
from vigil.cases.errors import IdentificationError
from vigil.cases.stats import statistics
from vigil.sharing.dissemination import DisseminationError
from vigil.sharing.policy import Permission
from vigil.store.models import Level, MissingStatus, RecordType, Sex
from vigil.web.auth import Principal
from vigil.web.deps import reading, writing
from vigil.web.errors import ERROR_RESPONSES, Page, PageRequest, page_request
from vigil.web.routes.cases import SharingIn, SharingOut, change_sharing
from vigil.web.routes.params import RecordId
from vigil.web.routes.refusals import refused
from vigil.web.routes.series import ChangeOut, history_out
from vigil.web.rules import PathRecord, allow

router = APIRouter(responses=ERROR_RESPONSES)

_REPORT = {"report_id": PathRecord.MISSING_REPORT}
_REFUSALS = (IdentificationError, DisseminationError)


class ReportOut(BaseModel):
    """A missing-child report; ``seizure_id`` is its reference media's seizure, when the
    caller may see it."""

    id: int
    reference: str
    agency: str
    dissemination: Level
    country: str
    child_label: str
    sex: Sex
    birth_year: int | None
    missing_since: date
    last_seen_place: str | None
    status: MissingStatus
    found_on: date | None
    seizure_id: int | None
    created_at: datetime


class ReportIn(BaseModel):
    """A new missing-child report of the caller's agency (seen by all members unless
    ``level`` says otherwise)."""

    reference: str = Field(max_length=100)
    country: str = Field(max_length=2)
    child_label: str = Field(max_length=200)
    missing_since: date
    sex: Sex = Sex.UNKNOWN
    birth_year: int | None = None
    last_seen_place: str | None = Field(default=None, max_length=2000)
    level: Level = Level.ALL
    agencies: list[str] = Field(default_factory=list, max_length=200)


class ReportPatch(BaseModel):
    """Changes to a report (``last_seen_place: ""`` clears it)."""

    country: str | None = Field(default=None, max_length=2)
    child_label: str | None = Field(default=None, max_length=200)
    sex: Sex | None = None
    birth_year: int | None = None
    missing_since: date | None = None
    last_seen_place: str | None = Field(default=None, max_length=2000)


class FoundIn(BaseModel):
    """When the child was found (default today)."""

    on: date | None = None


# --- missing-child reports -------------------------------------------------------------


def _report(request: Request, caller: Principal, ident: int) -> ReportOut:
    with reading(request) as session:
        shown = missing.report_detail(session, caller.viewer, ident)
    return ReportOut.model_validate(shown, from_attributes=True)


@router.get("/api/missing-reports", tags=["missing-child reports"])
def list_reports(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.READ)],
    status: MissingStatus | None = None,
) -> Page[ReportOut]:
    """The reports the caller may see, most recently missing first."""
    with reading(request) as session:
        found = missing.list_reports(session, caller.viewer, status, page.limit, page.offset)
    items = [ReportOut.model_validate(r, from_attributes=True) for r in found.items]
    return Page[ReportOut].of(items, page, found.total)


@router.post("/api/missing-reports", tags=["missing-child reports"], status_code=201)
def create_report(
    request: Request, body: ReportIn, caller: Annotated[Principal, allow(Permission.WRITE)]
) -> ReportOut:
    """Report a missing child for the caller's agency (422 when the reference is taken).
    Reference media are added from the command line (`vigil missing add-media`)."""
    with writing(request) as session, refused(422, *_REFUSALS):
        ident = missing.create_report(
            session,
            caller.viewer,
            body.reference,
            country=body.country,
            child_label=body.child_label,
            missing_since=body.missing_since,
            sex=body.sex,
            birth_year=body.birth_year,
            last_seen_place=body.last_seen_place,
            level=body.level,
            agencies=body.agencies,
        ).id
    return _report(request, caller, ident)


@router.get("/api/missing-reports/{report_id}", tags=["missing-child reports"])
def get_report(
    request: Request,
    report_id: RecordId,
    caller: Annotated[Principal, allow(Permission.READ, records=_REPORT)],
) -> ReportOut:
    """One report; 404 when hidden or missing."""
    return _report(request, caller, report_id)


@router.patch("/api/missing-reports/{report_id}", tags=["missing-child reports"])
def change_report(
    request: Request,
    report_id: RecordId,
    body: ReportPatch,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_REPORT)],
) -> ReportOut:
    """Change a report (its owner only)."""
    with writing(request) as session, refused(422, *_REFUSALS):
        missing.update_report(
            session,
            caller.viewer,
            report_id,
            country=body.country,
            child_label=body.child_label,
            sex=body.sex,
            birth_year=body.birth_year,
            missing_since=body.missing_since,
            last_seen_place=body.last_seen_place,
        )
    return _report(request, caller, report_id)


@router.get("/api/missing-reports/{report_id}/history", tags=["missing-child reports"])
def report_history(
    request: Request,
    report_id: RecordId,
    caller: Annotated[Principal, allow(Permission.READ, records=_REPORT)],
) -> list[ChangeOut]:
    """The report's dated changes, oldest first."""
    return history_out(request, caller, RecordType.MISSING_REPORT, report_id)


@router.post("/api/missing-reports/{report_id}/found", tags=["missing-child reports"])
def report_found(
    request: Request,
    report_id: RecordId,
    body: FoundIn,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_REPORT)],
) -> ReportOut:
    """The child was found (its owner only; 422 when found already)."""
    with writing(request) as session, refused(422, *_REFUSALS):
        missing.mark_found(session, caller.viewer, report_id, body.on)
    return _report(request, caller, report_id)


@router.put("/api/missing-reports/{report_id}/sharing", tags=["missing-child reports"])
def share_report(
    request: Request,
    report_id: RecordId,
    body: SharingIn,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_REPORT)],
) -> SharingOut:
    """Set who besides its owner may see the report (its owner only)."""
    return change_sharing(request, caller, RecordType.MISSING_REPORT, report_id, body)


# --- statistics ------------------------------------------------------------------------


class CaseCountsOut(BaseModel):
    """How many seizures of a case, and media in them, the caller may see."""

    case_id: int
    reference: str
    agency: str
    seizures: int
    media: int


class StatsOut(BaseModel):
    """Identification figures of what the caller may see: totals, by country, by year
    (``unknown`` for records without one), per case."""

    totals: dict[str, int]
    by_country: dict[str, dict[str, int]]
    by_year: dict[str, dict[str, int]]
    cases: list[CaseCountsOut]


@router.get("/api/stats", tags=["statistics"])
def get_stats(request: Request, caller: Annotated[Principal, allow(Permission.READ)]) -> StatsOut:
    """Victims identified and rescued, series open and identified, offenders identified,
    and media and seizures per case: counting only what the caller may see."""
    with reading(request) as session:
        figures = statistics(session, caller.viewer)
    return StatsOut.model_validate(figures.to_json())

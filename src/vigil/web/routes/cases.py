"""Cases and seizures: those the caller may see, one with its summary, and who may see it.

Reading another agency's case or seizure is recorded (``sharing.views``); setting a
record's level and named agencies is its owner's (``sharing.dissemination``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from vigil.cases import casework
from vigil.cases.errors import IdentificationError
from vigil.reports.summary import summarize_seizure
from vigil.sharing import records
from vigil.sharing.dissemination import DisseminationError, Sharing, set_level
from vigil.sharing.policy import Permission
from vigil.sharing.views import record_view
from vigil.store.models import Case, CaseStatus, Level, Priority, RecordType, Seizure
from vigil.web.auth import Principal
from vigil.web.deps import reading, writing
from vigil.web.errors import ERROR_RESPONSES, Page, PageRequest, page_request
from vigil.web.routes.params import RecordId
from vigil.web.routes.refusals import refused
from vigil.web.rules import PathRecord, allow

router = APIRouter(responses=ERROR_RESPONSES)


class CaseOut(BaseModel):
    """A case: its reference within its agency, where it stands, and who may see it."""

    id: int
    reference: str
    title: str | None
    status: CaseStatus
    priority: Priority
    opened_on: date | None
    closed_on: date | None
    agency: str
    dissemination: Level
    created_at: datetime


class SeizureRef(BaseModel):
    """A seizure of a case, by id and name."""

    id: int
    name: str


class CaseDetail(CaseOut):
    """A case with the seizures of it the caller may see."""

    seizures: list[SeizureRef]


class SeizureOut(BaseModel):
    """A seizure, its case (named only where the caller may see the case) and its owner."""

    id: int
    name: str
    case: str
    case_id: int | None
    source: str | None
    seized_at: datetime | None
    agency: str
    dissemination: Level
    created_at: datetime


class SummaryOut(BaseModel):
    """What a seizure holds: files, distinct media, duplicates and failed files."""

    files: int
    bytes: int
    media: int
    media_by_kind: dict[str, int]
    media_by_format: dict[str, int]
    duplicates: int
    errors: int
    errors_by_reason: dict[str, int]


class SeizureDetail(SeizureOut):
    """A seizure with its summary."""

    summary: SummaryOut


class CasePatch(BaseModel):
    """Changes to a case: title (``""`` clears it), priority, or status (closing dated
    ``on``, default today)."""

    title: str | None = Field(default=None, max_length=300)
    priority: Priority | None = None
    status: CaseStatus | None = None
    on: date | None = None


class SeizurePatch(BaseModel):
    """Where a seizure came from (``""`` clears it) and when it was seized."""

    source: str | None = Field(default=None, max_length=2000)
    seized_at: datetime | None = None


class SharingIn(BaseModel):
    """Who besides the owner may see a record: a level, and the agencies for ``named``."""

    level: Level
    agencies: list[str] = Field(default_factory=list, max_length=200, examples=[["NCB-BR"]])


class SharingOut(BaseModel):
    """A record's owner, level and the agencies named on it (shown to the owner only)."""

    record_type: RecordType
    name: str
    owner: str
    level: Level
    named: list[str]


def _case_out(found: records.CaseListed) -> CaseOut:
    return CaseOut.model_validate(found, from_attributes=True)


def _seizure_out(found: records.SeizureListed) -> SeizureOut:
    return SeizureOut.model_validate(found, from_attributes=True)


def _sharing_out(sharing: Sharing) -> SharingOut:
    return SharingOut(
        record_type=sharing.record_type,
        name=sharing.name,
        owner=sharing.owner,
        level=sharing.level,
        named=sharing.named,
    )


def change_sharing(
    request: Request,
    caller: Principal,
    record_type: RecordType,
    record_id: int,
    body: SharingIn,
) -> SharingOut:
    """Set a record's level through ``sharing.dissemination`` (banks' route calls it too)."""
    with writing(request) as session, refused(422, DisseminationError, field="agencies"):
        sharing = set_level(
            session, caller.viewer, record_type, record_id, body.level, body.agencies
        )
        return _sharing_out(sharing)


@router.get("/api/cases", tags=["cases"])
def list_cases(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.READ)],
) -> Page[CaseOut]:
    """The cases the caller may see, by reference."""
    with reading(request) as session:
        found = records.list_cases(session, caller.viewer, page.limit, page.offset)
    return Page[CaseOut].of([_case_out(item) for item in found.items], page, found.total)


@router.get("/api/cases/{case_id}", tags=["cases"])
def get_case(
    request: Request,
    case_id: RecordId,
    caller: Annotated[Principal, allow(Permission.READ, records={"case_id": PathRecord.CASE})],
) -> CaseDetail:
    """One case with its seizures the caller may see; 404 when hidden or missing."""
    viewer = caller.viewer
    with reading(request) as session:
        shown = records.case_detail(session, viewer, case_id)
    with writing(request) as session:
        record_view(session, viewer, session.get_one(Case, case_id))
    seizures = [SeizureRef(id=seizure.id, name=seizure.name) for seizure in shown.seizures]
    return CaseDetail(**_case_out(shown.case).model_dump(), seizures=seizures)


@router.get("/api/seizures", tags=["seizures"])
def list_seizures(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.READ)],
) -> Page[SeizureOut]:
    """The seizures the caller may see, newest first."""
    with reading(request) as session:
        found = records.list_seizures(session, caller.viewer, page.limit, page.offset)
    return Page[SeizureOut].of([_seizure_out(item) for item in found.items], page, found.total)


@router.get("/api/seizures/{seizure_id}", tags=["seizures"])
def get_seizure(
    request: Request,
    seizure_id: RecordId,
    caller: Annotated[
        Principal, allow(Permission.READ, records={"seizure_id": PathRecord.SEIZURE})
    ],
) -> SeizureDetail:
    """One seizure with its summary; 404 when hidden or missing."""
    viewer = caller.viewer
    with reading(request) as session:
        shown = records.seizure_detail(session, viewer, seizure_id)
        summary = summarize_seizure(session, viewer, seizure_id).to_json()
    with writing(request) as session:
        record_view(session, viewer, session.get_one(Seizure, seizure_id))
    return SeizureDetail(**_seizure_out(shown).model_dump(), summary=SummaryOut(**summary))


@router.put("/api/cases/{case_id}/sharing", tags=["cases"])
def share_case(
    request: Request,
    case_id: RecordId,
    body: SharingIn,
    caller: Annotated[Principal, allow(Permission.WRITE, records={"case_id": PathRecord.CASE})],
) -> SharingOut:
    """Set who besides its owner may see the case (its owner only)."""
    return change_sharing(request, caller, RecordType.CASE, case_id, body)


@router.put("/api/seizures/{seizure_id}/sharing", tags=["seizures"])
def share_seizure(
    request: Request,
    seizure_id: RecordId,
    body: SharingIn,
    caller: Annotated[
        Principal, allow(Permission.WRITE, records={"seizure_id": PathRecord.SEIZURE})
    ],
) -> SharingOut:
    """Set who besides its owner may see the seizure (its owner only)."""
    return change_sharing(request, caller, RecordType.SEIZURE, seizure_id, body)


@router.patch("/api/cases/{case_id}", tags=["cases"])
def change_case(
    request: Request,
    case_id: RecordId,
    body: CasePatch,
    caller: Annotated[Principal, allow(Permission.WRITE, records={"case_id": PathRecord.CASE})],
) -> CaseOut:
    """Change a case's title or priority, close or reopen it (its owner only; 422 for a
    status it already has)."""
    viewer = caller.viewer
    with writing(request) as session, refused(422, IdentificationError):
        casework.update_case(session, viewer, case_id, title=body.title, priority=body.priority)
        if body.status is CaseStatus.CLOSED:
            casework.close_case(session, viewer, case_id, body.on)
        elif body.status is CaseStatus.OPEN:
            casework.reopen_case(session, viewer, case_id)
    with reading(request) as session:
        return _case_out(records.case_detail(session, viewer, case_id).case)


@router.patch("/api/seizures/{seizure_id}", tags=["seizures"])
def change_seizure(
    request: Request,
    seizure_id: RecordId,
    body: SeizurePatch,
    caller: Annotated[
        Principal, allow(Permission.WRITE, records={"seizure_id": PathRecord.SEIZURE})
    ],
) -> SeizureOut:
    """Say where a seizure came from and when it was seized (its owner only)."""
    viewer = caller.viewer
    with writing(request) as session, refused(422, IdentificationError):
        casework.update_seizure(
            session, viewer, seizure_id, source=body.source, seized_at=body.seized_at
        )
    with reading(request) as session:
        return _seizure_out(records.seizure_detail(session, viewer, seizure_id))

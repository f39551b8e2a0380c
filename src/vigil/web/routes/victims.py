"""Victims: those the caller may see, one with its series and history, and the owner's
changes — what is known of the child, and the identification workflow (forward only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from vigil.cases import victims as domain
from vigil.cases.errors import IdentificationError, WorkflowError
from vigil.sharing.dissemination import DisseminationError
from vigil.sharing.policy import Permission
from vigil.store.models import AgeBand, Level, RecordType, Sex, VictimStatus
from vigil.web.auth import Principal
from vigil.web.deps import reading, writing
from vigil.web.errors import ERROR_RESPONSES, Page, PageRequest, page_request
from vigil.web.routes.cases import SharingIn, SharingOut, change_sharing
from vigil.web.routes.params import RecordId
from vigil.web.routes.refusals import refused
from vigil.web.routes.series import ChangeOut, Named, change_out, history_out
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["victims"], responses=ERROR_RESPONSES)

_VICTIM = {"victim_id": PathRecord.VICTIM}
_CONFLICT: dict[int | str, dict[str, Any]] = {409: ERROR_RESPONSES[409]}


class VictimOut(BaseModel):
    """A victim, by pseudonymous label (``CODE/LABEL`` when another agency's)."""

    id: int
    label: str
    agency: str
    dissemination: Level
    sex: Sex
    age_band: AgeBand
    status: VictimStatus
    country: str | None
    identified_by: str | None
    identified_on: date | None
    rescued_on: date | None
    created_at: datetime


class VictimDetail(VictimOut):
    """A victim with the series tied to it that the caller may see, and its history."""

    series: list[Named]
    history: list[ChangeOut]


class VictimIn(BaseModel):
    """A new victim of the caller's agency: a pseudonymous label, never a real name."""

    label: str = Field(min_length=1, max_length=domain.LABEL_LIMIT)
    sex: Sex = Sex.UNKNOWN
    age_band: AgeBand = AgeBand.UNKNOWN
    country: str | None = Field(None, max_length=10, examples=["PH"])
    level: Level = Level.OWNER
    agencies: list[str] = Field(default_factory=list, max_length=200)


class VictimChange(BaseModel):
    """What is known of the victim, to change."""

    sex: Sex | None = None
    age_band: AgeBand | None = None
    country: str | None = Field(None, max_length=10)


class IdentifyIn(BaseModel):
    """When, and by which agency (default the caller's), the victim was identified."""

    on: date | None = None
    by: str | None = Field(None, max_length=32, examples=["NCB-BR"])


class OnIn(BaseModel):
    """When it happened (default today)."""

    on: date | None = None


def _out(shown: domain.VictimListed) -> VictimOut:
    return VictimOut.model_validate(shown, from_attributes=True)


@router.get("/api/victims")
def get_victims(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.READ)],
) -> Page[VictimOut]:
    """The victims the caller may see, by label."""
    with reading(request) as session:
        found = domain.list_victims(session, caller.viewer, page.limit, page.offset)
    return Page[VictimOut].of([_out(item) for item in found.items], page, found.total)


@router.post("/api/victims", status_code=201)
def post_victim(
    request: Request, body: VictimIn, caller: Annotated[Principal, allow(Permission.WRITE)]
) -> VictimOut:
    """Make a victim of the caller's agency (its label unique there)."""
    with (
        writing(request) as session,
        refused(422, IdentificationError),
        refused(422, DisseminationError, field="agencies"),
    ):
        made = domain.create_victim(
            session,
            caller.viewer,
            body.label,
            sex=body.sex,
            age_band=body.age_band,
            country=body.country,
            level=body.level,
            agencies=body.agencies,
        )
        return _out(domain.victim_shown(session, caller.viewer, made.id))


@router.get("/api/victims/{victim_id}")
def get_victim(
    request: Request,
    victim_id: RecordId,
    caller: Annotated[Principal, allow(Permission.READ, records=_VICTIM)],
) -> VictimDetail:
    """One victim with its series the caller may see; 404 when hidden or missing."""
    with reading(request) as session:
        shown = domain.victim_detail(session, caller.viewer, victim_id)
        history = [change_out(change) for change in shown.history]
        return VictimDetail.model_validate({**shown.to_json(), "history": history})


@router.patch("/api/victims/{victim_id}")
def patch_victim(
    request: Request,
    victim_id: RecordId,
    body: VictimChange,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_VICTIM)],
) -> VictimOut:
    """Change what is known of a victim (its owner only)."""
    with writing(request) as session, refused(422, IdentificationError):
        domain.update_victim(
            session,
            caller.viewer,
            victim_id,
            sex=body.sex,
            age_band=body.age_band,
            country=body.country,
        )
        return _out(domain.victim_shown(session, caller.viewer, victim_id))


@router.post("/api/victims/{victim_id}/identify", responses=_CONFLICT)
def identify(
    request: Request,
    victim_id: RecordId,
    body: IdentifyIn,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_VICTIM)],
) -> VictimOut:
    """Mark a victim identified (its owner only); its agency's series of it become
    victim identified. 409 once rescued or safeguarded."""
    with (
        writing(request) as session,
        refused(422, IdentificationError),
        refused(409, WorkflowError, field="status"),
    ):
        domain.identify_victim(session, caller.viewer, victim_id, body.on, body.by)
        return _out(domain.victim_shown(session, caller.viewer, victim_id))


@router.post("/api/victims/{victim_id}/rescue", responses=_CONFLICT)
def rescue(
    request: Request,
    victim_id: RecordId,
    body: OnIn,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_VICTIM)],
) -> VictimOut:
    """Mark a victim rescued (identified too, if it was not). 409 once safeguarded."""
    with (
        writing(request) as session,
        refused(422, IdentificationError),
        refused(409, WorkflowError, field="status"),
    ):
        domain.rescue_victim(session, caller.viewer, victim_id, body.on)
        return _out(domain.victim_shown(session, caller.viewer, victim_id))


@router.post("/api/victims/{victim_id}/safeguard", responses=_CONFLICT)
def safeguard(
    request: Request,
    victim_id: RecordId,
    body: OnIn,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_VICTIM)],
) -> VictimOut:
    """Mark an identified or rescued victim safeguarded. 409 while unidentified."""
    with (
        writing(request) as session,
        refused(422, IdentificationError),
        refused(409, WorkflowError, field="status"),
    ):
        domain.safeguard_victim(session, caller.viewer, victim_id, body.on)
        return _out(domain.victim_shown(session, caller.viewer, victim_id))


@router.get("/api/victims/{victim_id}/history")
def get_history(
    request: Request,
    victim_id: RecordId,
    caller: Annotated[Principal, allow(Permission.READ, records=_VICTIM)],
) -> list[ChangeOut]:
    """A victim's dated changes, oldest first."""
    return history_out(request, caller, RecordType.VICTIM, victim_id)


@router.put("/api/victims/{victim_id}/sharing")
def share_victim(
    request: Request,
    victim_id: RecordId,
    body: SharingIn,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_VICTIM)],
) -> SharingOut:
    """Set who besides its owner may see the victim (its owner only)."""
    return change_sharing(request, caller, RecordType.VICTIM, victim_id, body)

"""Series: those the caller may see, one with its media and links, and the owner's changes
(status, media, links, sharing), each a dated history entry (``vigil.cases``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, model_validator

from vigil.cases import links
from vigil.cases import series as domain
from vigil.cases.errors import IdentificationError, WorkflowError
from vigil.cases.history import Change, history_of
from vigil.sharing.clock import as_utc
from vigil.sharing.dissemination import DisseminationError
from vigil.sharing.policy import Permission
from vigil.store.models import Level, RecordType, SeriesStatus
from vigil.web.auth import Principal
from vigil.web.deps import reading, writing
from vigil.web.errors import ERROR_RESPONSES, Page, PageRequest, page_request
from vigil.web.routes.cases import SharingIn, SharingOut, change_sharing
from vigil.web.routes.params import MAX_ID, RecordId
from vigil.web.routes.refusals import refused
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["series"], responses=ERROR_RESPONSES)

_SERIES = {"series_id": PathRecord.SERIES}
_CONFLICT: dict[int | str, dict[str, Any]] = {409: ERROR_RESPONSES[409]}
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class SeriesOut(BaseModel):
    """A series: named ``CODE/NAME`` when another agency's."""

    id: int
    name: str
    agency: str
    dissemination: Level
    status: SeriesStatus
    description: str | None
    first_seen_at: datetime
    created_at: datetime


class Named(BaseModel):
    """A record tied to a series, by id and the name the caller knows it by."""

    id: int
    name: str


class MediaRef(BaseModel):
    """A media, by id and SHA-256."""

    id: int
    sha256: str


class ChangeOut(BaseModel):
    """One dated entry of a record's history, and who made it."""

    at: datetime
    action: str
    detail: dict[str, Any]
    by: str
    agency: str


class SeriesDetail(SeriesOut):
    """A series with the media (a page), victims, offenders, locations and cases the caller
    may see, and its history."""

    media_total: int
    media: list[MediaRef]
    victims: list[Named]
    offenders: list[Named]
    locations: list[Named]
    cases: list[Named]
    history: list[ChangeOut]


class SeriesIn(BaseModel):
    """A new series of the caller's agency."""

    name: str = Field(min_length=1, max_length=domain.NAME_LIMIT)
    description: str | None = Field(None, max_length=domain.DESCRIPTION_LIMIT)
    level: Level = Level.OWNER
    agencies: list[str] = Field(default_factory=list, max_length=200)


class SeriesChange(BaseModel):
    """What to change of a series: its description and / or status (forward only)."""

    description: str | None = Field(None, max_length=domain.DESCRIPTION_LIMIT)
    status: SeriesStatus | None = None


class AssignIn(BaseModel):
    """Media to assign: a list of ids, or every confirmed match of one media."""

    media: list[Id] | None = Field(None, max_length=100_000)
    confirmed_matches_of: Id | None = None

    @model_validator(mode="after")
    def _one_way(self) -> AssignIn:
        if (self.media is None) == (self.confirmed_matches_of is None):
            raise ValueError("give media (a list of ids) or confirmed_matches_of (an id)")
        return self


class Assigned(BaseModel):
    """The media newly assigned (those already in the series are left out)."""

    assigned: list[int]


class Unassigned(BaseModel):
    """Whether the media was in the series."""

    removed: bool


class LinkIn(BaseModel):
    """The one record to tie the series to (or untie it from)."""

    victim: Id | None = None
    offender: Id | None = None
    location: Id | None = None
    case: Id | None = None

    @model_validator(mode="after")
    def _one(self) -> LinkIn:
        if len(self.model_fields_set & {"victim", "offender", "location", "case"}) != 1:
            raise ValueError("give exactly one of victim, offender, location, case")
        return self

    def record(self) -> tuple[RecordType, int]:
        """The record named: its type and id."""
        for kind in (RecordType.VICTIM, RecordType.OFFENDER, RecordType.LOCATION):
            value = getattr(self, kind.value)
            if value is not None:
                return kind, value
        return RecordType.CASE, self.case or 0


class Linked(BaseModel):
    """Whether the link changed anything."""

    changed: bool


def change_out(change: Change) -> ChangeOut:
    """A history entry as the API shows it (its time in UTC, whatever the database)."""
    return ChangeOut(
        at=as_utc(change.at),
        action=change.action,
        detail=change.detail,
        by=change.by_user,
        agency=change.agency,
    )


def history_out(
    request: Request, caller: Principal, kind: RecordType, record_id: int
) -> list[ChangeOut]:
    """A record's dated changes as the API shows them, oldest first."""
    with reading(request) as session:
        changes = history_of(session, caller.viewer, kind, record_id)
    return [change_out(change) for change in changes]


def _out(shown: domain.SeriesListed) -> SeriesOut:
    return SeriesOut.model_validate(shown, from_attributes=True)


@router.get("/api/series")
def get_series_list(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.READ)],
) -> Page[SeriesOut]:
    """The series the caller may see, by name."""
    with reading(request) as session:
        found = domain.list_series(session, caller.viewer, page.limit, page.offset)
    return Page[SeriesOut].of([_out(item) for item in found.items], page, found.total)


@router.post("/api/series", status_code=201)
def post_series(
    request: Request, body: SeriesIn, caller: Annotated[Principal, allow(Permission.WRITE)]
) -> SeriesOut:
    """Make a series of the caller's agency (its name unique there)."""
    with (
        writing(request) as session,
        refused(422, IdentificationError),
        refused(422, DisseminationError, field="agencies"),
    ):
        made = domain.create_series(
            session,
            caller.viewer,
            body.name,
            description=body.description,
            level=body.level,
            agencies=body.agencies,
        )
        return _out(domain.series_shown(session, caller.viewer, made.id))


@router.get("/api/series/{series_id}")
def get_series(
    request: Request,
    series_id: RecordId,
    caller: Annotated[Principal, allow(Permission.READ, records=_SERIES)],
    media_limit: Annotated[int, Query(ge=1, le=1000, description="Media to list.")] = 100,
    media_offset: Annotated[int, Query(ge=0, le=MAX_ID, description="Media to skip.")] = 0,
) -> SeriesDetail:
    """One series with what the caller may see of it; 404 when hidden or missing."""
    with reading(request) as session:
        shown = domain.series_detail(session, caller.viewer, series_id, media_limit, media_offset)
        history = [change_out(change) for change in shown.history]
        return SeriesDetail.model_validate({**shown.to_json(), "history": history})


@router.patch("/api/series/{series_id}", responses=_CONFLICT)
def patch_series(
    request: Request,
    series_id: RecordId,
    body: SeriesChange,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_SERIES)],
) -> SeriesOut:
    """Change a series' description or status (its owner only; the status moves forward)."""
    with (
        writing(request) as session,
        refused(422, IdentificationError),
        refused(409, WorkflowError, field="status"),
    ):
        domain.update_series(
            session, caller.viewer, series_id, description=body.description, status=body.status
        )
        return _out(domain.series_shown(session, caller.viewer, series_id))


@router.post("/api/series/{series_id}/media")
def post_media(
    request: Request,
    series_id: RecordId,
    body: AssignIn,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_SERIES)],
) -> Assigned:
    """Assign media to a series (its owner only): all of them, or none when one is not
    visible to the caller (404 naming it)."""
    with writing(request) as session:
        if body.confirmed_matches_of is not None:
            new = links.assign_confirmed(
                session, caller.viewer, series_id, body.confirmed_matches_of
            )
        else:
            new = links.assign_media(session, caller.viewer, series_id, body.media or [])
    return Assigned(assigned=new)


@router.delete("/api/series/{series_id}/media/{media_id}")
def delete_media(
    request: Request,
    series_id: RecordId,
    media_id: RecordId,
    caller: Annotated[
        Principal,
        allow(Permission.WRITE, records={**_SERIES, "media_id": PathRecord.MEDIA}),
    ],
) -> Unassigned:
    """Take a media out of a series (its owner only)."""
    with writing(request) as session:
        removed = links.unassign_media(session, caller.viewer, series_id, media_id)
    return Unassigned(removed=removed)


@router.post("/api/series/{series_id}/links")
def post_link(
    request: Request,
    series_id: RecordId,
    body: LinkIn,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_SERIES)],
) -> Linked:
    """Tie a series (its owner's) to a victim, offender, location or case the caller may see."""
    kind, record_id = body.record()
    with writing(request) as session, refused(422, IdentificationError):
        return Linked(changed=links.link_record(session, caller.viewer, series_id, kind, record_id))


@router.get("/api/series/{series_id}/history")
def get_history(
    request: Request,
    series_id: RecordId,
    caller: Annotated[Principal, allow(Permission.READ, records=_SERIES)],
) -> list[ChangeOut]:
    """A series' dated changes, oldest first."""
    return history_out(request, caller, RecordType.SERIES, series_id)


@router.put("/api/series/{series_id}/sharing")
def share_series(
    request: Request,
    series_id: RecordId,
    body: SharingIn,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_SERIES)],
) -> SharingOut:
    """Set who besides its owner may see the series (its owner only)."""
    return change_sharing(request, caller, RecordType.SERIES, series_id, body)

"""Offenders and locations: those the caller may see, one with its history, creating and
changing them (their owner only), who may see them (missing-child reports and statistics
are in ``routes.missing``).

Every route calls ``vigil.cases``: the policy decides what the caller sees, a record
hidden from it is answered as one that does not exist (404), bad input and refused steps
are 422s naming the field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from vigil.cases import locations, offenders
from vigil.cases.errors import IdentificationError
from vigil.sharing.dissemination import DisseminationError
from vigil.sharing.policy import Permission
from vigil.store.models import (
    Level,
    LocationKind,
    OffenderStatus,
    RecordType,
)
from vigil.web.auth import Principal
from vigil.web.deps import reading, writing
from vigil.web.errors import ERROR_RESPONSES, Page, PageRequest, page_request
from vigil.web.routes.cases import SharingIn, SharingOut, change_sharing
from vigil.web.routes.params import RecordId
from vigil.web.routes.refusals import refused
from vigil.web.routes.series import ChangeOut, history_out
from vigil.web.rules import PathRecord, allow

router = APIRouter(responses=ERROR_RESPONSES)

_OFFENDER = {"offender_id": PathRecord.OFFENDER}
_LOCATION = {"location_id": PathRecord.LOCATION}
_REFUSALS = (IdentificationError, DisseminationError)


class OffenderOut(BaseModel):
    """An offender (another agency's label as ``CODE/LABEL``)."""

    id: int
    label: str
    agency: str
    dissemination: Level
    status: OffenderStatus
    country: str | None
    identified_on: date | None
    created_at: datetime


class OffenderIn(BaseModel):
    """A new offender of the caller's agency."""

    label: str = Field(max_length=200)
    country: str | None = Field(default=None, max_length=2, examples=["FR"])
    level: Level = Level.OWNER
    agencies: list[str] = Field(default_factory=list, max_length=200)


class OffenderPatch(BaseModel):
    """Changes to an offender: its label, country (``""`` clears it), or a later status
    (dated ``on``, default today)."""

    label: str | None = Field(default=None, max_length=200)
    country: str | None = Field(default=None, max_length=2)
    status: OffenderStatus | None = None
    on: date | None = None


class LocationOut(BaseModel):
    """A location, with the ids of its media the caller may see (in one's detail)."""

    id: int
    description: str
    kind: LocationKind
    country: str | None
    lat: float | None
    lon: float | None
    agency: str
    dissemination: Level
    created_at: datetime
    media_count: int
    media: list[int]


class LocationIn(BaseModel):
    """A new location of the caller's agency (a position: both lat and lon, or neither)."""

    description: str = Field(max_length=2000)
    kind: LocationKind
    country: str | None = Field(default=None, max_length=2)
    lat: float | None = None
    lon: float | None = None
    level: Level = Level.OWNER
    agencies: list[str] = Field(default_factory=list, max_length=200)


class LocationPatch(BaseModel):
    """Changes to a location; lat and lon move it together (both null: no position)."""

    description: str | None = Field(default=None, max_length=2000)
    kind: LocationKind | None = None
    country: str | None = Field(default=None, max_length=2)
    lat: float | None = None
    lon: float | None = None
    clear_position: bool = False


class MediaIn(BaseModel):
    """Media to tie to a location, by id."""

    media: list[int] = Field(max_length=10_000)


class MediaLinked(BaseModel):
    """The media newly tied."""

    linked: list[int]


# --- offenders -------------------------------------------------------------------------


def _offender(request: Request, caller: Principal, ident: int) -> OffenderOut:
    with reading(request) as session:
        shown = offenders.offender_detail(session, caller.viewer, ident)
    return OffenderOut.model_validate(shown, from_attributes=True)


@router.get("/api/offenders", tags=["offenders"])
def list_offenders(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.READ)],
    status: OffenderStatus | None = None,
) -> Page[OffenderOut]:
    """The offenders the caller may see, by label (in ``status``, when given)."""
    with reading(request) as session:
        found = offenders.list_offenders(session, caller.viewer, status, page.limit, page.offset)
    items = [OffenderOut.model_validate(o, from_attributes=True) for o in found.items]
    return Page[OffenderOut].of(items, page, found.total)


@router.post("/api/offenders", tags=["offenders"], status_code=201)
def create_offender(
    request: Request, body: OffenderIn, caller: Annotated[Principal, allow(Permission.WRITE)]
) -> OffenderOut:
    """Record an offender of the caller's agency (status unknown)."""
    with writing(request) as session, refused(422, *_REFUSALS):
        ident = offenders.create_offender(
            session,
            caller.viewer,
            body.label,
            country=body.country,
            level=body.level,
            agencies=body.agencies,
        ).id
    return _offender(request, caller, ident)


@router.get("/api/offenders/{offender_id}", tags=["offenders"])
def get_offender(
    request: Request,
    offender_id: RecordId,
    caller: Annotated[Principal, allow(Permission.READ, records=_OFFENDER)],
) -> OffenderOut:
    """One offender; 404 when hidden or missing."""
    return _offender(request, caller, offender_id)


@router.patch("/api/offenders/{offender_id}", tags=["offenders"])
def change_offender(
    request: Request,
    offender_id: RecordId,
    body: OffenderPatch,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_OFFENDER)],
) -> OffenderOut:
    """Change an offender's label or country, or move it forward (its owner only)."""
    with writing(request) as session, refused(422, *_REFUSALS):
        viewer = caller.viewer
        offenders.update_offender(
            session, viewer, offender_id, label=body.label, country=body.country
        )
        if body.status is not None:
            offenders.set_offender_status(session, viewer, offender_id, body.status, body.on)
    return _offender(request, caller, offender_id)


@router.get("/api/offenders/{offender_id}/history", tags=["offenders"])
def offender_history(
    request: Request,
    offender_id: RecordId,
    caller: Annotated[Principal, allow(Permission.READ, records=_OFFENDER)],
) -> list[ChangeOut]:
    """The offender's dated changes, oldest first."""
    return history_out(request, caller, RecordType.OFFENDER, offender_id)


@router.put("/api/offenders/{offender_id}/sharing", tags=["offenders"])
def share_offender(
    request: Request,
    offender_id: RecordId,
    body: SharingIn,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_OFFENDER)],
) -> SharingOut:
    """Set who besides its owner may see the offender (its owner only)."""
    return change_sharing(request, caller, RecordType.OFFENDER, offender_id, body)


# --- locations -------------------------------------------------------------------------


def _location(request: Request, caller: Principal, ident: int) -> LocationOut:
    with reading(request) as session:
        shown = locations.location_detail(session, caller.viewer, ident)
    return LocationOut.model_validate(shown, from_attributes=True)


@router.get("/api/locations", tags=["locations"])
def list_locations(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.READ)],
    kind: LocationKind | None = None,
) -> Page[LocationOut]:
    """The locations the caller may see, by number (of ``kind``, when given)."""
    with reading(request) as session:
        found = locations.list_locations(session, caller.viewer, kind, page.limit, page.offset)
    items = [LocationOut.model_validate(loc, from_attributes=True) for loc in found.items]
    return Page[LocationOut].of(items, page, found.total)


@router.post("/api/locations", tags=["locations"], status_code=201)
def create_location(
    request: Request, body: LocationIn, caller: Annotated[Principal, allow(Permission.WRITE)]
) -> LocationOut:
    """Record a location of the caller's agency."""
    with writing(request) as session, refused(422, *_REFUSALS):
        ident = locations.create_location(
            session,
            caller.viewer,
            body.description,
            body.kind,
            country=body.country,
            lat=body.lat,
            lon=body.lon,
            level=body.level,
            agencies=body.agencies,
        ).id
    return _location(request, caller, ident)


@router.get("/api/locations/{location_id}", tags=["locations"])
def get_location(
    request: Request,
    location_id: RecordId,
    caller: Annotated[Principal, allow(Permission.READ, records=_LOCATION)],
) -> LocationOut:
    """One location with its media the caller may see; 404 when hidden or missing."""
    return _location(request, caller, location_id)


@router.patch("/api/locations/{location_id}", tags=["locations"])
def change_location(
    request: Request,
    location_id: RecordId,
    body: LocationPatch,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_LOCATION)],
) -> LocationOut:
    """Change a location (its owner only)."""
    moved = body.clear_position or body.lat is not None or body.lon is not None
    position = (None, None) if body.clear_position else (body.lat, body.lon)
    with writing(request) as session, refused(422, *_REFUSALS):
        locations.update_location(
            session,
            caller.viewer,
            location_id,
            description=body.description,
            kind=body.kind,
            country=body.country,
            position=position if moved else None,
        )
    return _location(request, caller, location_id)


@router.get("/api/locations/{location_id}/history", tags=["locations"])
def location_history(
    request: Request,
    location_id: RecordId,
    caller: Annotated[Principal, allow(Permission.READ, records=_LOCATION)],
) -> list[ChangeOut]:
    """The location's dated changes, oldest first."""
    return history_out(request, caller, RecordType.LOCATION, location_id)


@router.post("/api/locations/{location_id}/media", tags=["locations"])
def link_location_media(
    request: Request,
    location_id: RecordId,
    body: MediaIn,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_LOCATION)],
) -> MediaLinked:
    """Tie media the caller may see to the location (its owner only; 404 naming a media
    the caller may not see, and nothing is tied)."""
    with writing(request) as session:
        linked = locations.link_media(session, caller.viewer, location_id, body.media)
    return MediaLinked(linked=linked)


@router.put("/api/locations/{location_id}/sharing", tags=["locations"])
def share_location(
    request: Request,
    location_id: RecordId,
    body: SharingIn,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_LOCATION)],
) -> SharingOut:
    """Set who besides its owner may see the location (its owner only)."""
    return change_sharing(request, caller, RecordType.LOCATION, location_id, body)

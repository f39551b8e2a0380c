"""Suggested series for a seizure's new media, and accepting one.

``cases.suggest`` does the work: proposals are computed on each call from the evidence the
caller may see (series the caller may not see are never named), so a proposal id is a
plain string; one that the seizure's evidence does not give (any more) answers 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from vigil.cases.errors import IdentificationError
from vigil.cases.suggest import EvidenceSettings, Proposal, accept, suggestions
from vigil.sharing.policy import Permission
from vigil.web.auth import Principal
from vigil.web.deps import reading, writing
from vigil.web.errors import ERROR_RESPONSES, Page, PageRequest, page_request
from vigil.web.routes.params import RecordId
from vigil.web.routes.refusals import refused
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["seizures"], responses=ERROR_RESPONSES)

_SEIZURE = {"seizure_id": PathRecord.SEIZURE}
_DEFAULTS = EvidenceSettings()


class MediaOut(BaseModel):
    """A media of a proposal: its id, SHA-256 and first path in the seizure."""

    id: int
    sha256: str
    path: str


class EdgeOut(BaseModel):
    """One piece of evidence: media ``a`` and ``b`` (for a series match, ``b`` is the
    series' media), its kind, and its numbers (distance, variant, metres, serial, seconds,
    series)."""

    a: int
    b: int
    kind: str
    detail: dict[str, Any]


class SeriesRef(BaseModel):
    """A series the proposal would extend, named as the caller is told of it."""

    id: int
    name: str


class ProposalOut(BaseModel):
    """A suggested series: its media, its evidence edge by edge, and the existing series it
    would extend (none: a new series)."""

    id: str
    media: list[MediaOut]
    edges: list[EdgeOut]
    extends: list[SeriesRef]


class AcceptIn(BaseModel):
    """Accepting a proposal: into a new series (``new_series``), the series named
    (``series``: NAME or CODE/NAME), or with neither the one series it extends; ``without``
    leaves media out. The evidence settings must be those it was listed with."""

    series: str | None = Field(default=None, max_length=300)
    new_series: str | None = Field(default=None, max_length=300)
    without: list[int] = Field(default_factory=list, max_length=100_000)
    gps_metres: float = Field(default=_DEFAULTS.gps_metres, gt=0, le=1_000_000)
    burst_seconds: float = Field(default=_DEFAULTS.burst_seconds, gt=0, le=86_400 * 365)
    burst_any_device: bool = False


class AcceptedOut(BaseModel):
    """The series the proposal's media went to, and the media newly assigned."""

    series_id: int
    series: str
    created: bool
    assigned: list[int]


def _out(proposal: Proposal) -> ProposalOut:
    return ProposalOut.model_validate(proposal.to_json())


def _settings(gps_metres: float, burst_seconds: float, any_device: bool) -> EvidenceSettings:
    with refused(422, ValueError):
        return EvidenceSettings(
            gps_metres=gps_metres, burst_seconds=burst_seconds, burst_any_device=any_device
        )


@router.get("/api/seizures/{seizure_id}/suggestions")
def list_suggestions(
    request: Request,
    seizure_id: RecordId,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.READ, records=_SEIZURE)],
    gps_metres: Annotated[
        float, Query(gt=0, le=1_000_000, description="Link pictures this close (metres).")
    ] = _DEFAULTS.gps_metres,
    burst_seconds: Annotated[
        float,
        Query(gt=0, le=86_400 * 365, description="Link one device's pictures this close (s)."),
    ] = _DEFAULTS.burst_seconds,
    burst_any_device: Annotated[
        bool, Query(description="Link time bursts across devices too.")
    ] = False,
) -> Page[ProposalOut]:
    """The suggested series for the seizure's new media, largest first, each with its
    evidence; 404 for a seizure the caller may not see."""
    settings = _settings(gps_metres, burst_seconds, burst_any_device)
    with reading(request) as session:
        found = suggestions(session, caller.viewer, seizure_id, settings)
    items = [_out(p) for p in found[page.offset : page.offset + page.limit]]
    return Page[ProposalOut].of(items, page, len(found))


@router.post("/api/seizures/{seizure_id}/suggestions/{proposal_id}/accept")
def accept_suggestion(
    request: Request,
    seizure_id: RecordId,
    proposal_id: Annotated[
        str, Path(max_length=64, description="The proposal's id (see the listing).")
    ],
    body: AcceptIn,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_SEIZURE)],
) -> AcceptedOut:
    """Assign the proposal's media (but ``without``) to a new or existing series; 404 for a
    proposal the seizure's evidence does not give, 422 for a bad series choice."""
    settings = _settings(body.gps_metres, body.burst_seconds, body.burst_any_device)
    if body.series and body.new_series:
        with refused(422, IdentificationError):
            raise IdentificationError("series: give series or new_series, not both")
    with writing(request) as session, refused(422, IdentificationError):
        done = accept(
            session,
            caller.viewer,
            seizure_id,
            proposal_id,
            body.new_series or body.series,
            body.without,
            create=body.new_series is not None,
            settings=settings,
        )
    return AcceptedOut(
        series_id=done.series_id, series=done.series, created=done.created, assigned=done.assigned
    )

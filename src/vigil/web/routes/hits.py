"""Hit notices: "another agency holds a match", addressed to the caller's agency.

``sharing.hits`` lists and acknowledges them; a notice names whom to contact, never what
the other agency holds.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from vigil.sharing.hits import acknowledge, list_notices, notice_json
from vigil.sharing.policy import Permission
from vigil.web.auth import Principal
from vigil.web.deps import reading, writing
from vigil.web.errors import ERROR_RESPONSES, Page, PageRequest, page_request
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["hit notices"], responses=ERROR_RESPONSES)


class HitSubject(BaseModel):
    """The recipient's own record the hit concerns, in its own terms."""

    type: str
    case: str | None = None
    seizure: str | None = None
    bank: str | None = None
    series: str | None = None
    #: A missing-child report's reference.
    report: str | None = None


class Counterpart(BaseModel):
    """The other agency of the hit."""

    code: str
    name: str
    country: str | None
    country_name: str | None


class HitOut(BaseModel):
    """A hit notice: that there is a hit, with whom, and whom to contact."""

    reference: str
    side: Literal["seeker", "holder"]
    created_at: str
    subject: HitSubject
    counterpart: Counterpart
    contact: str | None
    counterpart_reference: str | None
    acknowledged: bool
    acknowledged_at: str | None
    acknowledged_by: str | None


@router.get("/api/hits")
def list_hits(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.READ)],
    unacknowledged: Annotated[bool, Query(description="Only those not acknowledged.")] = False,
) -> Page[HitOut]:
    """The hit notices addressed to the caller's agency, newest first."""
    with reading(request) as session:
        notices = list_notices(session, caller.viewer, unacknowledged)
        items = [
            HitOut.model_validate(notice_json(session, notice))
            for notice in notices[page.offset : page.offset + page.limit]
        ]
    return Page[HitOut].of(items, page, len(notices))


@router.post("/api/hits/{reference}/acknowledge")
def acknowledge_hit(
    request: Request,
    reference: str,
    caller: Annotated[
        Principal, allow(Permission.REFER, records={"reference": PathRecord.HIT_NOTICE})
    ],
) -> HitOut:
    """Acknowledge a notice of the caller's agency (again: no change); 404 for another's."""
    with writing(request) as session:
        notice = acknowledge(session, caller.viewer, reference)
        return HitOut.model_validate(notice_json(session, notice))

"""A seizure's matches and the caller's agency's verdicts on them.

The listing is ``matching.listing.seizure_matches`` (the links of a seizure as the triage
report counts them); a verdict is ``matching.review.review_match``, the agency's own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from vigil.matching.listing import seizure_matches
from vigil.matching.review import ReviewError, review_match
from vigil.sharing.audit import Action, match_object, record
from vigil.sharing.clock import as_utc
from vigil.sharing.policy import Permission
from vigil.web.auth import Principal
from vigil.web.deps import reading, writing
from vigil.web.errors import ERROR_RESPONSES, Page, PageRequest, page_request
from vigil.web.routes.params import RecordId
from vigil.web.routes.refusals import refused
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["matches"], responses=ERROR_RESPONSES)

Verdict = Literal["open", "confirmed", "rejected"]


class MatchOut(BaseModel):
    """One match of one file of the seizure, with the caller's agency's verdict."""

    match_id: int
    path: str
    signal: str
    distance: int | None
    variant: str | None
    query_share: float | None
    target_share: float | None
    target: str
    verdict: Verdict
    #: Found when the other seizure was matched, after this one.
    found_from_other_side: bool


class ReviewIn(BaseModel):
    """A verdict on a match, with why."""

    verdict: Verdict
    note: str | None = Field(None, max_length=2000)


class ReviewOut(BaseModel):
    """The caller's agency's verdict on a match."""

    match_id: int
    verdict: Verdict
    note: str | None
    reviewed_by: str
    reviewed_at: datetime


@router.get("/api/seizures/{seizure_id}/matches")
def list_matches(
    request: Request,
    seizure_id: RecordId,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[
        Principal, allow(Permission.READ, records={"seizure_id": PathRecord.SEIZURE})
    ],
    verdict: Annotated[Verdict | None, Query(description="Only matches with it.")] = None,
) -> Page[MatchOut]:
    """The seizure's matches (found from either side), by path; 404 when hidden or missing."""
    with reading(request) as session:
        rows = seizure_matches(session, caller.viewer, seizure_id, verdict)
    items = [MatchOut(**row.to_json()) for row in rows[page.offset : page.offset + page.limit]]
    return Page[MatchOut].of(items, page, len(rows))


@router.post("/api/matches/{match_id}/review")
def post_review(
    request: Request,
    match_id: RecordId,
    body: ReviewIn,
    caller: Annotated[Principal, allow(Permission.WRITE, records={"match_id": PathRecord.MATCH})],
) -> ReviewOut:
    """Confirm or reject a match (or open it again), for the caller's agency only."""
    with writing(request) as session, refused(422, ReviewError, field="verdict"):
        review = review_match(session, caller.viewer, match_id, body.verdict, body.note)
        details = {"verdict": body.verdict, "note": body.note}
        record(session, Action.MATCH_REVIEW, match_object(match_id), details, caller.actor)
        return ReviewOut(
            match_id=match_id,
            verdict=body.verdict,
            note=review.note,
            reviewed_by=review.reviewed_by,
            reviewed_at=as_utc(review.reviewed_at),
        )

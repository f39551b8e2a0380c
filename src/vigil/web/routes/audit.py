"""The audit trail: events filtered and paginated, and the chain's verification.

An auditor reads their own agency's events; the central unit's, every agency's
(``policy.audit_agency``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from vigil.sharing.audit import Action, AuditQuery, count_events, event_json, find_events
from vigil.sharing.audit_chain import verify_chain
from vigil.sharing.policy import Permission, audit_agency
from vigil.web.auth import Principal
from vigil.web.deps import reading
from vigil.web.errors import ERROR_RESPONSES, ApiError, Page, PageRequest, page_request
from vigil.web.rules import allow

router = APIRouter(tags=["audit"], responses=ERROR_RESPONSES)


class VerificationOut(BaseModel):
    """What verifying the chain found."""

    intact: bool
    events: int
    head: str
    bad_event: int | None
    problem: str | None


@router.get("/api/audit")
def list_events(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.AUDIT)],
    user: Annotated[str | None, Query(max_length=64)] = None,
    agency: Annotated[str | None, Query(max_length=32)] = None,
    action: Action | None = None,
    object: Annotated[
        str | None, Query(max_length=300, description="Exact, or a prefix ending in *")
    ] = None,
    since: Annotated[datetime | None, Query(description="Inclusive")] = None,
    until: Annotated[datetime | None, Query(description="Exclusive")] = None,
) -> Page[dict[str, Any]]:
    """Audit events, newest first, filtered."""
    allowed = audit_agency(caller.viewer)
    if allowed is not None and agency is not None and agency.strip().upper() != allowed:
        raise ApiError(403, f"agency: you may read only {allowed}'s events", "agency")
    query = AuditQuery(
        user=user,
        agency=allowed or agency,
        action=action,
        object=object,
        since=since,
        until=until,
    )
    with reading(request) as session:
        events = find_events(session, query, limit=page.limit, offset=page.offset)
        total = count_events(session, query)
        return Page[dict[str, Any]].of([event_json(event) for event in events], page, total)


@router.get("/api/audit/verify")
def verify(
    request: Request, caller: Annotated[Principal, allow(Permission.AUDIT)]
) -> VerificationOut:
    """Check the whole chain; name the first event altered, removed, inserted or moved."""
    with reading(request) as session:
        found = verify_chain(session)
    return VerificationOut(
        intact=found.intact,
        events=found.events,
        head=str(found.head),
        bad_event=found.bad_event,
        problem=found.problem,
    )

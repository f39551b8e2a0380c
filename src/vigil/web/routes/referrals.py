"""Referrals between agencies: sending, the inbox and outbox, acting on one received, and
the overdue list for supervisors.

Every route calls ``sharing.referrals``: only the recipient acts, a status never goes back,
and a referral between other agencies is answered as one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from vigil.sharing import referrals
from vigil.sharing.policy import Permission
from vigil.sharing.referral_terms import ReferralError
from vigil.store.models import Priority, RecordType, Referral, ReferralStatus
from vigil.web.auth import Principal
from vigil.web.deps import now, reading, writing
from vigil.web.errors import ERROR_RESPONSES, Page, PageRequest, page_request
from vigil.web.routes.refusals import refused
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["referrals"], responses=ERROR_RESPONSES)

_REFERENCE = {"reference": PathRecord.REFERRAL}


class AgencyRef(BaseModel):
    """An agency, by code and name."""

    code: str
    name: str


class RecordRef(BaseModel):
    """A record a referral points at."""

    type: RecordType
    id: int


class ReferralOut(BaseModel):
    """A referral as its sender and recipient see it."""

    model_config = ConfigDict(populate_by_name=True)

    reference: str
    from_: AgencyRef = Field(alias="from")
    to: AgencyRef
    priority: Priority
    subject: str
    body: str
    status: ReferralStatus
    outcome: str | None
    created_at: str | None
    created_by: str
    due_at: str | None
    #: Seconds left to acknowledge it (negative once overdue); None once acknowledged.
    due_in_seconds: int | None
    overdue: bool
    acknowledged_at: str | None
    acknowledged_by: str | None
    closed_at: str | None
    records: list[RecordRef]


class ReferralIn(BaseModel):
    """A referral to send: to whom, how urgent, what about, and the records it points at."""

    to: str = Field(max_length=32, examples=["NCB-BR"])
    priority: Priority
    subject: str = Field(max_length=300)
    body: str = Field(max_length=20_000)
    records: list[RecordRef] = Field(default_factory=list, max_length=1000)


class CloseIn(BaseModel):
    """How the referral ended (e.g. "child rescued")."""

    outcome: str = Field(max_length=2000)


def _out(session: Session, request: Request, referral: Referral) -> ReferralOut:
    document: dict[str, Any] = referrals.referral_json(referral, session, now(request))
    return ReferralOut.model_validate(document)


@router.get("/api/referrals")
def list_referrals(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.READ)],
    box: Annotated[
        Literal["inbox", "outbox"], Query(description="Received, or sent, by the agency.")
    ] = "inbox",
) -> Page[ReferralOut]:
    """The referrals the caller's agency received (or sent), newest first."""
    listing = referrals.inbox if box == "inbox" else referrals.outbox
    with reading(request) as session:
        found = listing(session, caller.viewer)
        items = [_out(session, request, r) for r in found[page.offset : page.offset + page.limit]]
    return Page[ReferralOut].of(items, page, len(found))


@router.post("/api/referrals", status_code=201)
def send(
    request: Request,
    body: ReferralIn,
    caller: Annotated[Principal, allow(Permission.REFER)],
) -> ReferralOut:
    """Refer records to another agency, extending their visibility to it."""
    records = [(record.type, record.id) for record in body.records]
    with writing(request) as session, refused(422, ReferralError):
        referral = referrals.send_referral(
            session,
            caller.viewer,
            body.to,
            body.priority,
            body.subject,
            body.body,
            records,
            now=now(request),
        )
        return _out(session, request, referral)


@router.get("/api/referrals/overdue")
def list_overdue(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.SUPERVISE)],
) -> Page[ReferralOut]:
    """Referrals unacknowledged past their due time, most overdue first (the agency's inbox;
    every agency's for the central unit)."""
    with reading(request) as session:
        found = referrals.overdue(session, caller.viewer, now(request))
        items = [_out(session, request, r) for r in found[page.offset : page.offset + page.limit]]
    return Page[ReferralOut].of(items, page, len(found))


@router.get("/api/referrals/{reference}")
def get_referral(
    request: Request,
    reference: str,
    caller: Annotated[Principal, allow(Permission.READ, records=_REFERENCE)],
) -> ReferralOut:
    """One referral the caller's agency sent or received; 404 otherwise."""
    with reading(request) as session:
        return _out(session, request, referrals.find_referral(session, caller.viewer, reference))


_ACT_RESPONSES: dict[int | str, dict[str, Any]] = {409: ERROR_RESPONSES[409]}


@router.post("/api/referrals/{reference}/acknowledge", responses=_ACT_RESPONSES)
def acknowledge(
    request: Request,
    reference: str,
    caller: Annotated[Principal, allow(Permission.REFER, records=_REFERENCE)],
) -> ReferralOut:
    """The recipient has read the referral (it is no longer overdue)."""
    with writing(request) as session, refused(409, referrals.ReferralStateError, field="status"):
        found = referrals.acknowledge_referral(session, caller.viewer, reference, now(request))
        return _out(session, request, found)


@router.post("/api/referrals/{reference}/progress", responses=_ACT_RESPONSES)
def progress(
    request: Request,
    reference: str,
    caller: Annotated[Principal, allow(Permission.REFER, records=_REFERENCE)],
) -> ReferralOut:
    """The recipient is working on the referral."""
    with writing(request) as session, refused(409, referrals.ReferralStateError, field="status"):
        found = referrals.progress_referral(session, caller.viewer, reference, now(request))
        return _out(session, request, found)


@router.post("/api/referrals/{reference}/close", responses=_ACT_RESPONSES)
def close(
    request: Request,
    reference: str,
    body: CloseIn,
    caller: Annotated[Principal, allow(Permission.REFER, records=_REFERENCE)],
) -> ReferralOut:
    """The recipient closes the referral with its outcome."""
    with (
        writing(request) as session,
        refused(409, referrals.ReferralStateError, field="status"),
        refused(422, ReferralError, field="outcome"),
    ):
        found = referrals.close_referral(
            session, caller.viewer, reference, body.outcome, now(request)
        )
        return _out(session, request, found)

"""Alerts on seizures: raising them on demand, listing them highest priority first, and
acknowledging one.

``cases.alerts`` does the work: an alert is seen with its seizure and only when the record
it is about is visible too (the policy's ``alert_condition``); only the seizure's own
agency acknowledges.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from vigil.cases.alerts import (
    AlertView,
    acknowledge_alert,
    get_alert,
    list_alerts,
    raise_alerts,
)
from vigil.cases.errors import IdentificationError
from vigil.sharing.policy import Permission
from vigil.store.models import AlertKind, RecordType
from vigil.web.auth import Principal
from vigil.web.deps import reading, writing
from vigil.web.errors import ERROR_RESPONSES, Page, PageRequest, page_request
from vigil.web.routes.params import RecordId
from vigil.web.routes.refusals import refused
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["alerts"], responses=ERROR_RESPONSES)

_SEIZURE = {"seizure_id": PathRecord.SEIZURE}
_ALERT = {"alert_id": PathRecord.ALERT}


class AlertAbout(BaseModel):
    """The record an alert is about, as the caller names it."""

    type: RecordType
    id: int
    name: str


class AlertOut(BaseModel):
    """An alert: its kind and priority (1 is the most urgent), the seizure, the record it
    is about and its evidence (the seizure's file, the signal, distance, metres, serial)."""

    id: int
    kind: AlertKind
    label: str
    priority: int
    seizure_id: int
    case: str
    seizure: str
    about: AlertAbout
    headline: str
    evidence: dict[str, Any]
    created_at: str
    acknowledged: bool
    acknowledged_at: str | None
    acknowledged_by: str | None


def _out(alert: AlertView) -> AlertOut:
    return AlertOut.model_validate(alert.to_json())


def _page(alerts: list[AlertView], page: PageRequest) -> Page[AlertOut]:
    items = [_out(alert) for alert in alerts[page.offset : page.offset + page.limit]]
    return Page[AlertOut].of(items, page, len(alerts))


KindFilter = Annotated[AlertKind | None, Query(description="Only alerts of this kind.")]
OpenFilter = Annotated[bool, Query(description="Only those not acknowledged.")]


@router.get("/api/alerts")
def list_all(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.READ)],
    kind: KindFilter = None,
    unacknowledged: OpenFilter = False,
) -> Page[AlertOut]:
    """Every alert the caller may see, highest priority first, then oldest first."""
    with reading(request) as session:
        alerts = list_alerts(session, caller.viewer, kind=kind, unacknowledged_only=unacknowledged)
    return _page(alerts, page)


@router.get("/api/seizures/{seizure_id}/alerts", tags=["seizures"])
def list_of_seizure(
    request: Request,
    seizure_id: RecordId,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.READ, records=_SEIZURE)],
    kind: KindFilter = None,
    unacknowledged: OpenFilter = False,
) -> Page[AlertOut]:
    """The seizure's alerts the caller may see, highest priority first; 404 for a seizure
    the caller may not see."""
    with reading(request) as session:
        alerts = list_alerts(
            session, caller.viewer, seizure_id, kind=kind, unacknowledged_only=unacknowledged
        )
    return _page(alerts, page)


@router.post("/api/seizures/{seizure_id}/alerts", tags=["seizures"])
def raise_now(
    request: Request,
    seizure_id: RecordId,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.WRITE, records=_SEIZURE)],
) -> Page[AlertOut]:
    """Raise the seizure's alerts now, as its own agency may see them (again: nothing new),
    and list those the caller may see. A record the seizure's agency may not see gives a
    hit notice instead."""
    with writing(request) as session, refused(422, IdentificationError):
        raise_alerts(session, caller.viewer, seizure_id)
        alerts = list_alerts(session, caller.viewer, seizure_id)
    return _page(alerts, page)


@router.get("/api/alerts/{alert_id}")
def get_one(
    request: Request,
    alert_id: RecordId,
    caller: Annotated[Principal, allow(Permission.READ, records=_ALERT)],
) -> AlertOut:
    """One alert the caller may see; 404 otherwise."""
    with reading(request) as session:
        return _out(get_alert(session, caller.viewer, alert_id))


@router.post("/api/alerts/{alert_id}/acknowledge")
def acknowledge(
    request: Request,
    alert_id: RecordId,
    caller: Annotated[Principal, allow(Permission.WRITE, records=_ALERT)],
) -> AlertOut:
    """Acknowledge an alert on one of the caller's agency's seizures (again: no change);
    403 for another agency's that the caller sees, 404 for one it does not."""
    with writing(request) as session:
        return _out(acknowledge_alert(session, caller.viewer, alert_id))

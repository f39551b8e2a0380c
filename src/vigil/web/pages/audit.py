"""Pages: the audit log — events newest first, filtered by user, agency, action, object and
time, page by page, and the "verify chain" button.

The same domain functions as ``vigil audit show`` / ``verify`` and the audit API: an auditor
reads their own agency's events, the central unit's every agency's (``policy.audit_agency``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from vigil.sharing.audit import Action, AuditQuery, count_events, event_json, find_events
from vigil.sharing.audit_chain import verify_chain
from vigil.sharing.clock import as_utc
from vigil.sharing.policy import Permission, audit_agency
from vigil.web.auth import Principal
from vigil.web.deps import reading
from vigil.web.pages.render import render
from vigil.web.rules import allow

router = APIRouter(tags=["pages"], include_in_schema=False)

_SECTION = "audit"
_PAGE = 50
_AUDIT = allow(Permission.AUDIT, scopes=())


@dataclass(frozen=True)
class Listed:
    """Where a page of events is in the whole listing (what the pager macro reads)."""

    limit: int
    offset: int
    total: int


class FilterError(ValueError):
    """A filter of the form cannot be read; the message names the field."""


def _moment(text: str, field: str) -> datetime | None:
    """A time typed in the form (``2026-03-02T09:00``, UTC), None when left empty."""
    if not text.strip():
        return None
    try:
        return as_utc(datetime.fromisoformat(text.strip()))
    except ValueError:
        raise FilterError(f"{field}: {text!r} is not a time (YYYY-MM-DDTHH:MM, UTC)") from None


def _action(text: str) -> Action | None:
    if not text.strip():
        return None
    try:
        return Action(text.strip())
    except ValueError:
        raise FilterError(f"action: {text!r} is not an audited action") from None


def _query(caller: Principal, filters: dict[str, str]) -> AuditQuery:
    """The domain's query for the form's filters, within the agencies the caller may read."""
    allowed = audit_agency(caller.viewer)
    agency = filters["agency"].strip() or None
    if allowed is not None and agency is not None and agency.upper() != allowed:
        raise FilterError(f"agency: you may read only {allowed}'s events")
    return AuditQuery(
        user=filters["user"].strip() or None,
        agency=allowed or agency,
        action=_action(filters["action"]),
        object=filters["object"].strip() or None,
        since=_moment(filters["since"], "since"),
        until=_moment(filters["until"], "until"),
    )


def _base_url(filters: dict[str, str]) -> str:
    kept = {name: value for name, value in filters.items() if value}
    return "/admin/audit" + (f"?{urlencode(kept)}" if kept else "")


@router.get("/admin/audit")
def audit_page(
    request: Request,
    caller: Annotated[Principal, _AUDIT],
    user: Annotated[str, Query(max_length=64)] = "",
    agency: Annotated[str, Query(max_length=32)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    object: Annotated[str, Query(max_length=300)] = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """The audit events the caller may read, newest first, filtered, a page at a time."""
    filters = {
        "user": user,
        "agency": agency,
        "action": action,
        "object": object,
        "since": since,
        "until": until,
    }
    errors: dict[str, str] = {}
    events: list[dict[str, Any]] = []
    page = Listed(_PAGE, offset, 0)
    try:
        query = _query(caller, filters)
    except FilterError as exc:
        field, _, _ = str(exc).partition(":")
        errors[field] = str(exc)
    else:
        with reading(request) as session:
            found = find_events(session, query, limit=_PAGE, offset=offset)
            events = [event_json(event) for event in found]
            page = Listed(_PAGE, offset, count_events(session, query))
    context = {
        "events": events,
        "filters": filters,
        "actions": list(Action),
        "own_agency": audit_agency(caller.viewer),
        "page": page,
        "base_url": _base_url(filters),
        "errors": errors,
    }
    status = 422 if errors else 200
    return render(
        request, caller, "pages/admin/audit.html", context, section=_SECTION, status=status
    )


@router.post("/admin/audit/verify")
def verify(request: Request, caller: Annotated[Principal, _AUDIT]) -> HTMLResponse:
    """Check the whole chain and show what was found: intact with its head, or the first
    event altered, removed, inserted or moved."""
    with reading(request) as session:
        found = verify_chain(session)
    context = {"verification": found}
    return render(request, caller, "pages/admin/verify.html", context, section=_SECTION)

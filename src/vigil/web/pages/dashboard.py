"""The dashboard at ``/``: the agency's recent ingest runs (running ones with live progress),
its open alerts highest priority first, the referrals awaiting its acknowledgement with the
time left, and its unacknowledged hit notices. Each read is the domain function the API's
route calls, so the dashboard shows exactly what the caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from vigil.cases.alerts import AlertView, list_alerts
from vigil.sharing import referrals
from vigil.sharing.hits import list_notices, notice_json
from vigil.sharing.policy import Permission
from vigil.store.models import RecordType, ReferralStatus
from vigil.web.auth import Principal
from vigil.web.deps import now, reading
from vigil.web.errors import PageRequest
from vigil.web.pages.render import render
from vigil.web.routes.runs import visible_runs
from vigil.web.rules import allow

router = APIRouter(tags=["pages"], include_in_schema=False)

#: How many of each the dashboard lists (the full lists are on their own pages).
RUNS_SHOWN = 20
ALERTS_SHOWN = 25
#: The page of each record an alert can be about.
_ABOUT_PAGES = {
    RecordType.SERIES: "/series/{id}",
    RecordType.MISSING_REPORT: "/missing/{id}",
}


@dataclass(frozen=True)
class AlertShown:
    """An alert as the dashboard lists it, with the page of the record it is about."""

    alert: AlertView
    href: str | None


def time_left(seconds: int) -> str:
    """``seconds`` until a due time in words: "2 d 3 h left", or "overdue by 5 h"."""
    span = abs(seconds)
    days, rest = divmod(span, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        words = f"{days} d {hours} h"
    elif hours:
        words = f"{hours} h {minutes} min"
    else:
        words = f"{minutes} min"
    return f"overdue by {words}" if seconds < 0 else f"{words} left"


def _alerts_shown(alerts: list[AlertView]) -> list[AlertShown]:
    shown = []
    for alert in alerts[:ALERTS_SHOWN]:
        pattern = _ABOUT_PAGES.get(alert.about_type)
        shown.append(
            AlertShown(alert, None if pattern is None else pattern.format(id=alert.about_id))
        )
    return shown


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request, caller: Annotated[Principal, allow(Permission.READ, scopes=())]
) -> HTMLResponse:
    """The dashboard of the caller's agency."""
    moment = now(request)
    with reading(request) as session:
        runs = visible_runs(session, caller.viewer, PageRequest(limit=RUNS_SHOWN, offset=0))
        alerts = list_alerts(session, caller.viewer, unacknowledged_only=True)
        awaiting: list[dict[str, Any]] = []
        for referral in referrals.inbox(session, caller.viewer):
            if referral.status != ReferralStatus.SENT.value:
                continue
            shown = referrals.referral_json(referral, session, moment)
            seconds = shown["due_in_seconds"]
            shown["time_left"] = None if seconds is None else time_left(int(seconds))
            awaiting.append(shown)
        awaiting.sort(key=lambda shown: shown["due_in_seconds"] or 0)
        notices = [notice_json(session, n) for n in list_notices(session, caller.viewer, True)]
    return render(
        request,
        caller,
        "pages/dashboard/dashboard.html",
        {
            "runs": [run.model_dump() for run in runs.items],
            "runs_total": runs.total,
            "alerts": _alerts_shown(alerts),
            "alerts_total": len(alerts),
            "referrals": awaiting,
            "notices": notices,
        },
        section="dashboard",
    )

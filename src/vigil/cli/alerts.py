"""`vigil alert ...`: what a seizure's agency must look at first (missing child, identified
series, known series, other cases), raised, listed by priority, acknowledged."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from vigil.cli.common import (
    AgencyCode,
    DatabaseUrl,
    DataDir,
    fail,
    out,
    print_json,
    shown,
)
from vigil.cli.identifying import AsJson, SeizureRef, identifying, seizure_id_of
from vigil.store.repo import DEFAULT_AGENCY_CODE

if TYPE_CHECKING:
    from vigil.cases.alerts import AlertView

alert_app = typer.Typer(
    help="Alerts on seizures: a missing child, an identified or known series, other cases.",
    no_args_is_help=True,
)


def alert_block(alert: AlertView) -> Text:
    """An alert as lines of text (every value escaped: names and paths come from users)."""
    state = "acknowledged" if alert.acknowledged_at is not None else "open"
    paths = alert.evidence.get("paths") or []
    lines = [
        f"#{alert.id}  priority {alert.priority}  {alert.case}/{alert.seizure}  {state}",
        f"  {alert.headline()}",
        f"  evidence: {alert.evidence_line()}",
    ]
    if len(paths) > 1:
        lines.append("  files: " + ", ".join(str(p) for p in paths))
    return Text("\n").join(shown(line) for line in lines)


def print_alerts(console: Console, alerts: Iterable[AlertView]) -> None:
    """The alerts, highest priority first, one block each; nothing when there are none."""
    listed = list(alerts)
    if not listed:
        return
    console.print(f"\nAlerts ({len(listed)}), highest priority first", highlight=False)
    for alert in listed:
        console.print(alert_block(alert), highlight=False)


def _show(alerts: list[AlertView], as_json: bool) -> None:
    if as_json:
        print_json([alert.to_json() for alert in alerts])
    elif alerts:
        print_alerts(out, alerts)
    else:
        out.print("no alerts", highlight=False)


@alert_app.command("raise")
def raise_(
    seizure: SeizureRef,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Raise the seizure's alerts now (as after an ingest) and list them; raising again adds
    nothing. A record the seizure's agency may not see gives a hit notice instead."""
    from vigil.cases.alerts import list_alerts, raise_alerts

    with identifying(agency, data_dir, database_url) as (session, viewer):
        seizure_id = seizure_id_of(session, viewer, seizure)
        raised = raise_alerts(session, viewer, seizure_id)
        alerts = list_alerts(session, viewer, seizure_id)
    if not as_json:
        out.print(f"{len(raised)} new alerts", highlight=False)
    _show(alerts, as_json)


@alert_app.command("list")
def list_(
    seizure: Annotated[
        str | None,
        typer.Argument(help="Only this seizure's, as CASE/SEIZURE (default: every one you see)."),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="Only this kind: missing_child, already_identified, known_series or cross_case.",
        ),
    ] = None,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only the alerts not yet acknowledged.")
    ] = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List the alerts the agency may see, highest priority first."""
    from vigil.cases.alerts import list_alerts
    from vigil.store.models import AlertKind

    wanted: AlertKind | None = None
    if kind is not None:
        try:
            wanted = AlertKind(kind.strip().lower())
        except ValueError:
            allowed = ", ".join(k.value for k in AlertKind)
            raise fail(f"--kind: {kind!r} is not a kind of alert; use one of {allowed}") from None
    with identifying(agency, data_dir, database_url) as (session, viewer):
        seizure_id = None if seizure is None else seizure_id_of(session, viewer, seizure)
        alerts = list_alerts(
            session, viewer, seizure_id, kind=wanted, unacknowledged_only=open_only
        )
    _show(alerts, as_json)


@alert_app.command("ack")
def ack(
    alert_id: Annotated[int, typer.Argument(help="The alert's number (#ID in the list).")],
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Acknowledge an alert on one of the agency's seizures (recorded in the audit trail)."""
    from vigil.cases.alerts import acknowledge_alert

    with identifying(agency, data_dir, database_url) as (session, viewer):
        done: dict[str, Any] = acknowledge_alert(session, viewer, alert_id).to_json()
    out.print(f"alert {done['id']} acknowledged", highlight=False)

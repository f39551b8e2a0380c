"""`vigil hit ...`: the hit notices of an agency (another agency holds what its data touched)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from vigil.cli.common import (
    AgencyCode,
    DatabaseUrl,
    DataDir,
    acting,
    out,
    print_json,
    shown,
    user_session,
)
from vigil.store.repo import DEFAULT_AGENCY_CODE

hit_app = typer.Typer(
    help="Hit notices: another agency holds data that yours touched (never what).",
    no_args_is_help=True,
)


def _about(subject: dict[str, Any]) -> str:
    """The recipient's own record, in its own words."""
    if subject["type"] == "seizure":
        return f"seizure {subject['case']}/{subject['seizure']}"
    if subject["type"] == "bank":
        return f"bank {subject['bank']}"
    if subject["type"] == "series":
        return f"series {subject['series']}"
    if subject["type"] == "missing":
        return f"missing-child report {subject['report']}"
    return str(subject["type"])


def _counterpart(notice: dict[str, Any]) -> str:
    agency = notice["counterpart"]
    country = f", {agency['country']}" if agency["country"] else ""
    return f"{agency['name']} ({agency['code']}{country})"


def _block(notice: dict[str, Any]) -> Text:
    """A notice as lines of text (every value escaped: names come from other agencies)."""
    state = "acknowledged" if notice["acknowledged"] else "open"
    raised = notice["created_at"][:16].replace("T", " ")
    about = _about(notice["subject"])
    if notice["side"] == "seeker":
        what = f"your {about} hit data that another agency holds"
    else:
        what = f"a seizure of another agency hit your {about}"
        what += f"; their reference: {notice['counterpart_reference']}"
    lines = [
        f"{notice['reference']}  {notice['side']}  raised {raised} UTC  {state}",
        f"  {what}",
        f"  other agency: {_counterpart(notice)}",
        f"  contact: {notice['contact'] or 'none given'}",
        "",
    ]
    return Text("\n").join(shown(line) for line in lines)


@hit_app.command("list")
def list_(
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only the notices not yet acknowledged.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List the agency's hit notices, newest first: whom to contact, never what was hit."""
    from vigil.sharing.hits import list_notices, notice_json
    from vigil.sharing.policy import resolve

    with user_session(data_dir, database_url) as session:
        viewer = resolve(session, acting(agency))
        notices = [notice_json(session, n) for n in list_notices(session, viewer, open_only)]
    if as_json:
        print_json(notices)
        return
    if not notices:
        out.print("no hit notices", highlight=False)
    # One block per notice: contacts are long, and a table would cut them short.
    for notice in notices:
        out.print(_block(notice), highlight=False)


@hit_app.command("ack")
def ack(
    reference: Annotated[str, typer.Argument(help="Reference of the notice (HIT-...).")],
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Acknowledge a hit notice of the agency (recorded in the audit trail)."""
    from vigil.sharing.hits import acknowledge
    from vigil.sharing.policy import resolve

    with user_session(data_dir, database_url) as session:
        viewer = resolve(session, acting(agency))
        notice = acknowledge(session, viewer, reference)
        done = notice.reference
    out.print(f"hit notice {done} acknowledged", highlight=False)

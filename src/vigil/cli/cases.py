"""`vigil case ...`: investigations — open one, list them, change title and priority, close
and reopen (the agency's own cases only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from vigil.cli.common import AgencyCode, DatabaseUrl, DataDir, NamedAgencies, out, print_json, shown
from vigil.cli.identifying import (
    AsJson,
    LevelOption,
    identifying,
    print_record,
    print_table,
)
from vigil.store.models import CaseStatus, Level, Priority
from vigil.store.repo import DEFAULT_AGENCY_CODE

if TYPE_CHECKING:
    from vigil.sharing.records import CaseListed

case_app = typer.Typer(
    help="Cases: open, list, show, retitle, reprioritise, close and reopen investigations.",
    no_args_is_help=True,
)

Reference = Annotated[str, typer.Argument(help="The case's reference, e.g. OP-2026-17.")]
PriorityOption = Annotated[
    Priority | None, typer.Option("--priority", help="How urgent: urgent, high or routine.")
]
TitleOption = Annotated[str | None, typer.Option("--title", help="A short title for the case.")]


def _json(case: CaseListed) -> dict[str, Any]:
    return {
        "id": case.id,
        "reference": case.reference,
        "title": case.title,
        "status": case.status.value,
        "priority": case.priority.value,
        "opened_on": case.opened_on.isoformat() if case.opened_on else None,
        "closed_on": case.closed_on.isoformat() if case.closed_on else None,
        "agency": case.agency,
        "dissemination": case.dissemination.value,
    }


@case_app.command("create")
def create(
    reference: Reference,
    title: TitleOption = None,
    priority: PriorityOption = None,
    opened: Annotated[
        str | None, typer.Option("--opened", help="When it was opened, YYYY-MM-DD (today).")
    ] = None,
    level: LevelOption = Level.OWNER,
    named: NamedAgencies = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Open a case of your agency (recorded in its history and the audit trail)."""
    from vigil.cases.casework import create_case

    with identifying(agency, data_dir, database_url) as (session, viewer):
        case = create_case(
            session,
            viewer,
            reference,
            title=title,
            priority=priority or Priority.ROUTINE,
            opened_on=opened,
            level=level,
            agencies=named or (),
        )
        line = f"case {case.reference} opened on {case.opened_on} ({case.priority})"
    out.print(shown(line), highlight=False)


@case_app.command("list")
def list_(
    status: Annotated[
        CaseStatus | None, typer.Option("--status", help="Only the cases open or closed.")
    ] = None,
    as_json: AsJson = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List the cases your agency may see, by reference."""
    from vigil.sharing.records import list_cases

    with identifying(agency, data_dir, database_url) as (session, viewer):
        cases = list_cases(session, viewer, 1_000_000, 0, status).items
    if as_json:
        print_json([_json(case) for case in cases])
        return
    rows = [
        (c.reference, c.title, c.status, c.priority, c.opened_on, c.closed_on, c.agency)
        for c in cases
    ]
    columns = ["reference", "title", "status", "priority", "opened", "closed", "agency"]
    print_table("Cases", columns, rows)


@case_app.command("show")
def show(
    reference: Reference,
    as_json: AsJson = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show a case, its seizures your agency may see and its history."""
    from vigil.cases.history import history_of
    from vigil.sharing.records import case_detail, find_case
    from vigil.store.models import RecordType

    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = find_case(session, viewer, reference)
        detail = case_detail(session, viewer, found.id)
        history = history_of(session, viewer, RecordType.CASE, found.id)
    seizures = [seizure.name for seizure in detail.seizures]
    case = detail.case
    print_record(
        as_json,
        {**_json(case), "seizures": seizures},
        [
            ("case", case.reference),
            ("title", case.title),
            ("status", case.status.value),
            ("priority", case.priority.value),
            ("opened", case.opened_on),
            ("closed", case.closed_on),
            ("agency", f"{case.agency} (level {case.dissemination.value})"),
            ("seizures", ", ".join(seizures) or "none"),
        ],
        history,
    )


@case_app.command("update")
def update(
    reference: Reference,
    title: Annotated[
        str | None, typer.Option("--title", help="A new title (an empty one clears it).")
    ] = None,
    priority: PriorityOption = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Change a case's title or priority (your agency's cases only)."""
    from vigil.cases.casework import update_case
    from vigil.sharing.records import find_case

    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = find_case(session, viewer, reference)
        case = update_case(session, viewer, found.id, title=title, priority=priority)
        line = f"case {case.reference}: title {case.title or '(none)'}, priority {case.priority}"
    out.print(shown(line), highlight=False)


@case_app.command("close")
def close(
    reference: Reference,
    on: Annotated[
        str | None, typer.Option("--on", help="When it was closed, YYYY-MM-DD (today).")
    ] = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Close an open case of your agency."""
    from vigil.cases.casework import close_case
    from vigil.sharing.records import find_case

    with identifying(agency, data_dir, database_url) as (session, viewer):
        case = close_case(session, viewer, find_case(session, viewer, reference).id, on)
        line = f"case {case.reference} closed on {case.closed_on}"
    out.print(shown(line), highlight=False)


@case_app.command("reopen")
def reopen(
    reference: Reference,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Open a closed case of your agency again."""
    from vigil.cases.casework import reopen_case
    from vigil.sharing.records import find_case

    with identifying(agency, data_dir, database_url) as (session, viewer):
        case = reopen_case(session, viewer, find_case(session, viewer, reference).id)
        line = f"case {case.reference} reopened"
    out.print(shown(line), highlight=False)

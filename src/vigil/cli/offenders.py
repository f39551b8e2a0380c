"""`vigil offender ...`: abusers seen or known in series, by pseudonymous label."""

from __future__ import annotations

from typing import Annotated

import typer

from vigil.cli.common import AgencyCode, DatabaseUrl, DataDir, NamedAgencies, out, print_json, shown
from vigil.cli.identifying import (
    AsJson,
    LevelOption,
    identifying,
    print_record,
    print_table,
)
from vigil.store.models import Level, OffenderStatus
from vigil.store.repo import DEFAULT_AGENCY_CODE

offender_app = typer.Typer(
    help="Offenders: create, list, show, update and move forward (unknown, identified, "
    "arrested, convicted).",
    no_args_is_help=True,
)

Label = Annotated[
    str, typer.Argument(help="The offender's label (CODE/LABEL for another agency's).")
]
CountryOption = Annotated[
    str | None, typer.Option("--country", help="ISO 3166-1 alpha-2 country code, e.g. FR.")
]


@offender_app.command("create")
def create(
    label: Annotated[str, typer.Argument(help="A pseudonymous label, unique in your agency.")],
    country: CountryOption = None,
    level: LevelOption = Level.OWNER,
    named: NamedAgencies = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Record an offender of your agency (status unknown)."""
    from vigil.cases.offenders import create_offender

    with identifying(agency, data_dir, database_url) as (session, viewer):
        offender = create_offender(
            session, viewer, label, country=country, level=level, agencies=named or ()
        )
        line = f"offender {offender.label} created (#{offender.id}, status {offender.status})"
    out.print(shown(line), highlight=False)


@offender_app.command("list")
def list_(
    status: Annotated[
        OffenderStatus | None, typer.Option("--status", help="Only offenders in this status.")
    ] = None,
    as_json: AsJson = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List the offenders your agency may see, by label."""
    from vigil.cases.offenders import list_offenders

    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = list_offenders(session, viewer, status, limit=1_000_000).items
    if as_json:
        print_json([o.to_json() for o in found])
        return
    rows = [(o.label, o.status, o.country, o.identified_on, o.agency) for o in found]
    print_table("Offenders", ["label", "status", "country", "identified", "agency"], rows)


@offender_app.command("show")
def show(
    label: Label,
    as_json: AsJson = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show an offender and its history."""
    from vigil.cases.history import history_of
    from vigil.cases.names import find_offender
    from vigil.cases.offenders import offender_detail
    from vigil.store.models import RecordType

    with identifying(agency, data_dir, database_url) as (session, viewer):
        ident = find_offender(session, viewer, label).id
        offender = offender_detail(session, viewer, ident)
        history = history_of(session, viewer, RecordType.OFFENDER, ident)
    print_record(
        as_json,
        offender.to_json(),
        [
            ("offender", offender.label),
            ("status", offender.status.value),
            ("country", offender.country),
            ("identified", offender.identified_on),
            ("agency", f"{offender.agency} (level {offender.dissemination.value})"),
        ],
        history,
    )


@offender_app.command("update")
def update(
    label: Label,
    new_label: Annotated[str | None, typer.Option("--label", help="A new label.")] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="A new country code (an empty one clears it).")
    ] = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Change an offender's label or country (your agency's only)."""
    from vigil.cases.names import find_offender
    from vigil.cases.offenders import update_offender

    with identifying(agency, data_dir, database_url) as (session, viewer):
        ident = find_offender(session, viewer, label).id
        offender = update_offender(session, viewer, ident, label=new_label, country=country)
        line = f"offender {offender.label}: country {offender.country or '(none)'}"
    out.print(shown(line), highlight=False)


@offender_app.command("status")
def status_(
    label: Label,
    status: Annotated[
        OffenderStatus, typer.Argument(help="The new status: identified, arrested or convicted.")
    ],
    on: Annotated[
        str | None, typer.Option("--on", help="When, YYYY-MM-DD (default today).")
    ] = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Move an offender forward (a status never goes back)."""
    from vigil.cases.names import find_offender
    from vigil.cases.offenders import set_offender_status

    with identifying(agency, data_dir, database_url) as (session, viewer):
        ident = find_offender(session, viewer, label).id
        offender = set_offender_status(session, viewer, ident, status, on)
        line = f"offender {offender.label} is {offender.status}"
    out.print(shown(line), highlight=False)

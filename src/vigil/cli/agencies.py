"""`vigil agency ...`: the agencies of the network."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from vigil.cli.common import DatabaseUrl, DataDir, out, print_json, shown, user_session
from vigil.store.models import Agency

agency_app = typer.Typer(
    help="Agencies: the central unit, NCBs, specialised units and partners.",
    no_args_is_help=True,
)

KIND_HELP = "What it is: central_unit, ncb, specialised_unit or partner."
COUNTRY_HELP = "ISO 3166-1 alpha-2 country code, e.g. FR (required for ncb, specialised_unit)."
CONTACT_HELP = "How to reach it about hits and referrals, e.g. the NCB's duty desk."
Code = Annotated[str, typer.Argument(help="Agency code, e.g. NCB-FR.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print as JSON.")]


def agency_json(agency: Agency) -> dict[str, Any]:
    """An agency as the JSON the CLI prints."""
    from vigil.sharing.agencies import country_name

    return {
        "code": agency.code,
        "name": agency.name,
        "kind": agency.kind,
        "country": agency.country,
        "country_name": country_name(agency.country),
        "contact": agency.contact,
        "created_at": agency.created_at.isoformat(),
    }


def _country(agency: Agency) -> str:
    from vigil.sharing.agencies import country_name

    if agency.country is None:
        return "not set"
    return f"{agency.country} ({country_name(agency.country)})"


@agency_app.command("create")
def create(
    code: Code,
    name: Annotated[str, typer.Option("--name", help="Full name of the agency.")],
    kind: Annotated[str, typer.Option("--kind", help=KIND_HELP)],
    country: Annotated[str | None, typer.Option("--country", help=COUNTRY_HELP)] = None,
    contact: Annotated[str | None, typer.Option("--contact", help=CONTACT_HELP)] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Add an agency to the network."""
    from vigil.sharing.agencies import create_agency, parse_kind
    from vigil.sharing.errors import AccountError

    with user_session(data_dir, database_url, AccountError) as session:
        agency = create_agency(session, code, name, parse_kind(kind), country, contact)
    out.print(shown(f"agency {agency.code} created ({agency.kind}, {_country(agency)})"))


@agency_app.command("list")
def list_(
    as_json: AsJson = False, data_dir: DataDir = None, database_url: DatabaseUrl = None
) -> None:
    """List the agencies."""
    from vigil.sharing.agencies import list_agencies

    with user_session(data_dir, database_url) as session:
        agencies = list_agencies(session)
    if as_json:
        print_json([agency_json(agency) for agency in agencies])
        return
    table = Table(title="Agencies")
    for column in ("code", "name", "kind", "country", "contact"):
        table.add_column(column)
    for agency in agencies:
        table.add_row(
            agency.code,
            shown(agency.name),
            agency.kind,
            agency.country or "",
            shown(agency.contact or ""),
        )
    out.print(table)


@agency_app.command("show")
def show(
    code: Code, as_json: AsJson = False, data_dir: DataDir = None, database_url: DatabaseUrl = None
) -> None:
    """Show an agency and how to reach it."""
    from vigil.sharing.agencies import COUNTRY_REQUIRED, find_agency
    from vigil.sharing.errors import AccountError

    with user_session(data_dir, database_url, AccountError) as session:
        agency = find_agency(session, code)
    if as_json:
        print_json(agency_json(agency))
        return
    lines = [
        f"{agency.code} — {agency.name}",
        f"kind: {agency.kind}",
        f"country: {_country(agency)}",
        f"contact: {agency.contact or 'not set'}",
        f"created: {agency.created_at:%Y-%m-%d}",
    ]
    for line in lines:
        out.print(shown(line), highlight=False)
    if agency.country is None and agency.kind in COUNTRY_REQUIRED:
        out.print(
            f"set its country with: vigil agency update {agency.code} --country CC",
            highlight=False,
        )


@agency_app.command("update")
def update(
    code: Code,
    name: Annotated[str | None, typer.Option("--name", help="New full name.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help=KIND_HELP)] = None,
    country: Annotated[str | None, typer.Option("--country", help=COUNTRY_HELP)] = None,
    contact: Annotated[
        str | None, typer.Option("--contact", help=CONTACT_HELP + " An empty value clears it.")
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Change an agency's name, kind, country or contact."""
    from vigil.sharing.agencies import parse_kind, update_agency
    from vigil.sharing.errors import AccountError

    with user_session(data_dir, database_url, AccountError) as session:
        agency = update_agency(
            session,
            code,
            name=name,
            kind=parse_kind(kind) if kind is not None else None,
            country=country,
            contact=contact,
        )
    out.print(shown(f"agency {agency.code} updated ({agency.kind}, {_country(agency)})"))

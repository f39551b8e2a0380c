"""`vigil victim ...`: victims by pseudonymous label, and the identification workflow."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from vigil.cli.common import (
    AgencyCode,
    DatabaseUrl,
    DataDir,
    NamedAgencies,
    fail,
    out,
    print_json,
    shown,
)
from vigil.cli.identifying import AsJson, LevelOption, identifying
from vigil.cli.series import print_history
from vigil.store.models import AgeBand, Level, Sex
from vigil.store.repo import DEFAULT_AGENCY_CODE

if TYPE_CHECKING:
    from datetime import date

    from vigil.cases.victims import VictimListed

victim_app = typer.Typer(
    help="Victims (pseudonymous labels, never real names) and their identification.",
    no_args_is_help=True,
)

Label = Annotated[str, typer.Argument(help="The victim's label (CODE/LABEL for another agency's).")]
SexOption = Annotated[Sex | None, typer.Option("--sex", help="The child's sex, if known.")]
AgeOption = Annotated[
    AgeBand | None, typer.Option("--age-band", help="The child's approximate age band.")
]
CountryOption = Annotated[
    str | None,
    typer.Option(
        "--country", help="ISO 3166-1 alpha-2 code of where the child lives or was found."
    ),
]
OnOption = Annotated[
    datetime | None,
    typer.Option("--on", formats=["%Y-%m-%d"], help="The date (YYYY-MM-DD; default today)."),
]


def _day(on: datetime | None) -> date | None:
    return on.date() if on is not None else None


def _line(victim: VictimListed) -> str:
    when = f", identified {victim.identified_on} by {victim.identified_by}"
    rescued = f", rescued {victim.rescued_on}" if victim.rescued_on else ""
    return (
        f"victim {victim.label}: {victim.status.value}"
        f"{when if victim.identified_on else ''}{rescued}"
    )


@victim_app.command("create")
def create(
    label: Label,
    sex: SexOption = None,
    age_band: AgeOption = None,
    country: CountryOption = None,
    level: LevelOption = Level.OWNER,
    named: NamedAgencies = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create an unidentified victim of your agency (its label unique within the agency)."""
    from vigil.cases.victims import create_victim

    with identifying(agency, data_dir, database_url) as (session, viewer):
        made = create_victim(
            session,
            viewer,
            label,
            sex=sex or Sex.UNKNOWN,
            age_band=age_band or AgeBand.UNKNOWN,
            country=country,
            level=level,
            agencies=named or (),
        )
        text = f"victim {made.label!r} created (id {made.id}, level {level.value})"
    out.print(shown(text), highlight=False)


@victim_app.command("list")
def list_(
    limit: Annotated[int, typer.Option("--limit", min=1, help="Victims to show.")] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Victims to skip.")] = 0,
    as_json: AsJson = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List the victims your agency may see, by label."""
    from vigil.cases.victims import list_victims

    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = list_victims(session, viewer, limit, offset)
    if as_json:
        print_json({"items": [v.to_json() for v in found.items], "total": found.total})
        return
    table = Table(title=f"Victims ({found.total})")
    for column in ("id", "label", "owner", "status", "sex", "age", "country", "identified"):
        table.add_column(column)
    for item in found.items:
        identified = f"{item.identified_on} by {item.identified_by}" if item.identified_on else ""
        table.add_row(
            str(item.id),
            shown(item.label),
            item.agency,
            item.status.value,
            item.sex.value,
            item.age_band.value,
            item.country or "",
            identified,
        )
    out.print(table)


@victim_app.command("show")
def show(
    label: Label,
    as_json: AsJson = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show a victim, its series and its history."""
    from vigil.cases.names import find_victim
    from vigil.cases.victims import victim_detail

    with identifying(agency, data_dir, database_url) as (session, viewer):
        detail = victim_detail(session, viewer, find_victim(session, viewer, label).id)
    if as_json:
        print_json(detail.to_json())
        return
    victim = detail.victim
    out.print(shown(_line(victim)), highlight=False)
    out.print(
        shown(
            f"owner {victim.agency}, level {victim.dissemination.value}; sex {victim.sex.value}, "
            f"age {victim.age_band.value}, country {victim.country or 'unknown'}"
        ),
        highlight=False,
    )
    series = ", ".join(s.name for s in detail.series) or "none"
    out.print(shown(f"series: {series}"), highlight=False)
    print_history(detail.history, as_json=False)


@victim_app.command("update")
def update(
    label: Label,
    sex: SexOption = None,
    age_band: AgeOption = None,
    country: CountryOption = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Change what is known of a victim of your agency."""
    from vigil.cases.names import find_victim
    from vigil.cases.victims import update_victim

    if sex is None and age_band is None and country is None:
        raise fail("give --sex, --age-band or --country")
    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = find_victim(session, viewer, label)
        update_victim(session, viewer, found.id, sex=sex, age_band=age_band, country=country)
        text = f"victim {found.label!r} updated"
    out.print(shown(text), highlight=False)


@victim_app.command("identify")
def identify(
    label: Label,
    on: OnOption = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Code of the identifying agency (default: yours)."),
    ] = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Mark a victim identified; your agency's series of it become victim identified."""
    from vigil.cases.names import find_victim
    from vigil.cases.victims import identify_victim, victim_shown

    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = find_victim(session, viewer, label)
        identify_victim(session, viewer, found.id, _day(on), by)
        text = _line(victim_shown(session, viewer, found.id))
    out.print(shown(text), highlight=False)


@victim_app.command("rescue")
def rescue(
    label: Label,
    on: OnOption = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Mark a victim rescued (and identified the same day, if it was not)."""
    from vigil.cases.names import find_victim
    from vigil.cases.victims import rescue_victim, victim_shown

    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = find_victim(session, viewer, label)
        rescue_victim(session, viewer, found.id, _day(on))
        text = _line(victim_shown(session, viewer, found.id))
    out.print(shown(text), highlight=False)


@victim_app.command("safeguard")
def safeguard(
    label: Label,
    on: OnOption = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Mark an identified or rescued victim safeguarded."""
    from vigil.cases.names import find_victim
    from vigil.cases.victims import safeguard_victim, victim_shown

    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = find_victim(session, viewer, label)
        safeguard_victim(session, viewer, found.id, _day(on))
        text = _line(victim_shown(session, viewer, found.id))
    out.print(shown(text), highlight=False)


@victim_app.command("history")
def history(
    label: Label,
    as_json: AsJson = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show a victim's dated changes and who made them, oldest first."""
    from vigil.cases.history import history_of
    from vigil.cases.names import find_victim
    from vigil.store.models import RecordType

    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = find_victim(session, viewer, label)
        changes = history_of(session, viewer, RecordType.VICTIM, found.id)
    print_history(changes, as_json)

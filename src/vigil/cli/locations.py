"""`vigil location ...`: rooms, buildings, cities and places outdoors, and their media."""

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
from vigil.store.models import Level, LocationKind
from vigil.store.repo import DEFAULT_AGENCY_CODE

location_app = typer.Typer(
    help="Locations: create, list, show, update, and tie media to them.", no_args_is_help=True
)

Number = Annotated[str, typer.Argument(help="The location's number, e.g. 12 or #12.")]
MediaIds = Annotated[list[int], typer.Argument(help="Media ids (as listings show them).")]
Lat = Annotated[float | None, typer.Option("--lat", help="Latitude, -90 to 90 (with --lon).")]
Lon = Annotated[float | None, typer.Option("--lon", help="Longitude, -180 to 180 (with --lat).")]


@location_app.command("create")
def create(
    description: Annotated[str, typer.Argument(help="What and where the place is.")],
    kind: Annotated[LocationKind, typer.Option("--kind", help="room, building, city or outdoor.")],
    country: Annotated[
        str | None, typer.Option("--country", help="ISO 3166-1 alpha-2 country code.")
    ] = None,
    lat: Lat = None,
    lon: Lon = None,
    level: LevelOption = Level.OWNER,
    named: NamedAgencies = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Record a location of your agency; prints its number."""
    from vigil.cases.locations import create_location

    with identifying(agency, data_dir, database_url) as (session, viewer):
        location = create_location(
            session,
            viewer,
            description,
            kind,
            country=country,
            lat=lat,
            lon=lon,
            level=level,
            agencies=named or (),
        )
        line = f"location #{location.id} created ({location.kind})"
    out.print(shown(line), highlight=False)


@location_app.command("list")
def list_(
    kind: Annotated[
        LocationKind | None, typer.Option("--kind", help="Only locations of this kind.")
    ] = None,
    as_json: AsJson = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List the locations your agency may see, by number."""
    from vigil.cases.locations import list_locations

    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = list_locations(session, viewer, kind, limit=1_000_000).items
    if as_json:
        print_json([loc.to_json() for loc in found])
        return
    rows = [
        (
            f"#{loc.id}",
            loc.description,
            loc.kind,
            loc.country,
            _position(loc.lat, loc.lon),
            loc.media_count,
            loc.agency,
        )
        for loc in found
    ]
    columns = ["number", "description", "kind", "country", "position", "media", "agency"]
    print_table("Locations", columns, rows)


def _position(lat: float | None, lon: float | None) -> str:
    return "" if lat is None or lon is None else f"{lat:.6f}, {lon:.6f}"


@location_app.command("show")
def show(
    number: Number,
    as_json: AsJson = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show a location, the ids of its media your agency may see, and its history."""
    from vigil.cases.history import history_of
    from vigil.cases.locations import location_detail
    from vigil.cases.names import find_location
    from vigil.store.models import RecordType

    with identifying(agency, data_dir, database_url) as (session, viewer):
        ident = find_location(session, viewer, number).id
        location = location_detail(session, viewer, ident)
        history = history_of(session, viewer, RecordType.LOCATION, ident)
    print_record(
        as_json,
        location.to_json(),
        [
            ("location", f"#{location.id} {location.description}"),
            ("kind", location.kind.value),
            ("country", location.country),
            ("position", _position(location.lat, location.lon)),
            ("media", ", ".join(str(m) for m in location.media) or "none"),
            ("agency", f"{location.agency} (level {location.dissemination.value})"),
        ],
        history,
    )


@location_app.command("update")
def update(
    number: Number,
    description: Annotated[
        str | None, typer.Option("--description", help="A new description.")
    ] = None,
    kind: Annotated[LocationKind | None, typer.Option("--kind", help="A new kind.")] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="A new country code (an empty one clears it).")
    ] = None,
    lat: Lat = None,
    lon: Lon = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Change a location of your agency (--lat and --lon together move it)."""
    from vigil.cases.locations import update_location
    from vigil.cases.names import find_location

    position = (lat, lon) if lat is not None or lon is not None else None
    with identifying(agency, data_dir, database_url) as (session, viewer):
        ident = find_location(session, viewer, number).id
        update_location(
            session,
            viewer,
            ident,
            description=description,
            kind=kind,
            country=country,
            position=position,
        )
    out.print(f"location #{ident} updated", highlight=False)


@location_app.command("add-media")
def add_media(
    number: Number,
    media: MediaIds,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Tie media your agency may see to a location of your agency."""
    from vigil.cases.locations import link_media
    from vigil.cases.names import find_location

    with identifying(agency, data_dir, database_url) as (session, viewer):
        ident = find_location(session, viewer, number).id
        new = link_media(session, viewer, ident, media)
    out.print(f"location #{ident}: {len(new)} media tied", highlight=False)


@location_app.command("remove-media")
def remove_media(
    number: Number,
    media: MediaIds,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Untie media from a location of your agency."""
    from vigil.cases.locations import unlink_media
    from vigil.cases.names import find_location

    with identifying(agency, data_dir, database_url) as (session, viewer):
        ident = find_location(session, viewer, number).id
        gone = unlink_media(session, viewer, ident, media)
    out.print(f"location #{ident}: {len(gone)} media untied", highlight=False)

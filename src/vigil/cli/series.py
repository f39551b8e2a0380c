"""`vigil series ...`: series of media, what they are tied to, and their history."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from vigil.store.models import Level, SeriesStatus
from vigil.store.repo import DEFAULT_AGENCY_CODE

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from vigil.cases.history import Change
    from vigil.sharing.policy import Viewer

series_app = typer.Typer(
    help="Series: media of the same victim or event, their links and history.",
    no_args_is_help=True,
)

Name = Annotated[str, typer.Argument(help="The series' name (CODE/NAME for another agency's).")]
Victim = Annotated[str | None, typer.Option("--victim", help="A victim, by label.")]
Offender = Annotated[str | None, typer.Option("--offender", help="An offender, by label.")]
Location = Annotated[
    str | None, typer.Option("--location", help="A location, by number (e.g. 12).")
]
CaseRef = Annotated[str | None, typer.Option("--case", help="A case, by reference.")]


def print_history(changes: list[Change], as_json: bool) -> None:
    """A record's history as a table (or JSON)."""
    import json

    if as_json:
        print_json([change.to_json() for change in changes])
        return
    table = Table(title="History")
    for column in ("at (UTC)", "agency", "by", "what", "detail"):
        table.add_column(column)
    for change in changes:
        detail = json.dumps(change.detail, ensure_ascii=True, sort_keys=True)
        table.add_row(
            f"{change.at:%Y-%m-%d %H:%M}",
            shown(change.agency),
            shown(change.by_user),
            change.action,
            shown(detail),
        )
    out.print(table)


@series_app.command("create")
def create(
    name: Name,
    description: Annotated[
        str | None, typer.Option("--description", help="What the series shows (no real names).")
    ] = None,
    level: LevelOption = Level.OWNER,
    named: NamedAgencies = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a series of your agency (its name unique within the agency)."""
    from vigil.cases.series import create_series

    with identifying(agency, data_dir, database_url) as (session, viewer):
        made = create_series(
            session, viewer, name, description=description, level=level, agencies=named or ()
        )
        text = f"series {made.name!r} created (id {made.id}, level {level.value})"
    out.print(shown(text), highlight=False)


@series_app.command("list")
def list_(
    limit: Annotated[int, typer.Option("--limit", min=1, help="Series to show.")] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Series to skip.")] = 0,
    as_json: AsJson = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List the series your agency may see, by name."""
    from vigil.cases.series import list_series

    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = list_series(session, viewer, limit, offset)
    if as_json:
        print_json({"items": [s.to_json() for s in found.items], "total": found.total})
        return
    table = Table(title=f"Series ({found.total})")
    for column in ("id", "name", "owner", "level", "status", "first seen (UTC)"):
        table.add_column(column)
    for item in found.items:
        table.add_row(
            str(item.id),
            shown(item.name),
            item.agency,
            item.dissemination.value,
            item.status.value,
            f"{item.first_seen_at:%Y-%m-%d}",
        )
    out.print(table)


@series_app.command("show")
def show(
    name: Name,
    as_json: AsJson = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show a series: its status, media, victims, offenders, locations, cases and history."""
    from vigil.cases.names import find_series
    from vigil.cases.series import series_detail

    with identifying(agency, data_dir, database_url) as (session, viewer):
        detail = series_detail(session, viewer, find_series(session, viewer, name).id)
    if as_json:
        print_json(detail.to_json())
        return
    series = detail.series
    out.print(
        shown(
            f"{series.name} (owner {series.agency}, level {series.dissemination.value}): "
            f"{series.status.value}, first seen {series.first_seen_at:%Y-%m-%d}"
        ),
        highlight=False,
    )
    if series.description:
        out.print(shown(series.description), highlight=False)
    out.print(f"media: {detail.media_total}", highlight=False)
    for media in detail.media:
        out.print(f"  {media.id} {media.sha256}", highlight=False)
    for title, items in (
        ("victims", detail.victims),
        ("offenders", detail.offenders),
        ("locations", detail.locations),
        ("cases", detail.cases),
    ):
        names = ", ".join(item.name for item in items) or "none"
        out.print(shown(f"{title}: {names}"), highlight=False)
    print_history(detail.history, as_json=False)


@series_app.command("update")
def update(
    name: Name,
    description: Annotated[
        str | None, typer.Option("--description", help="The new description.")
    ] = None,
    status: Annotated[
        SeriesStatus | None,
        typer.Option(
            "--status", help="unidentified -> victim_identified -> closed (never backwards)."
        ),
    ] = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Change a series' description or status (your agency's series only)."""
    from vigil.cases.names import find_series
    from vigil.cases.series import update_series

    if description is None and status is None:
        raise fail("give --description or --status (or both)")
    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = find_series(session, viewer, name)
        update_series(session, viewer, found.id, description=description, status=status)
        text = f"series {found.name!r}: {found.status}"
    out.print(shown(text), highlight=False)


def _from_file(session: Session, viewer: Viewer, path: Path) -> list[int]:
    """The media a file lists, one id or SHA-256 a line (blank lines skipped)."""
    from vigil.cases.errors import IdentificationError
    from vigil.cases.links import media_id_of
    from vigil.sharing.policy import NotVisibleError

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"--from-file {path}: cannot read it ({exc})") from None
    ids = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            ids.append(media_id_of(session, viewer, line))
        except (IdentificationError, NotVisibleError) as exc:
            raise fail(f"{path}, line {number}: {line.strip()!r}: {exc}") from None
    return ids


@series_app.command("assign")
def assign(
    name: Name,
    media: Annotated[
        list[str] | None,
        typer.Option("--media", help="A media, by id or SHA-256 (repeatable)."),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option("--from-file", help="A file of media ids or SHA-256s, one a line."),
    ] = None,
    confirmed_of: Annotated[
        str | None,
        typer.Option(
            "--confirmed-matches-of",
            help="A media (id or SHA-256): it and every media your agency confirmed a match with.",
        ),
    ] = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Assign media to a series: all of them, or none if one is not visible to you."""
    from vigil.cases.links import assign_confirmed, assign_media, media_id_of
    from vigil.cases.names import find_series

    ways = [way for way in (media, from_file, confirmed_of) if way]
    if len(ways) != 1:
        raise fail("give the media with --media, --from-file or --confirmed-matches-of (one)")
    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = find_series(session, viewer, name)
        if confirmed_of:
            new = assign_confirmed(
                session, viewer, found.id, media_id_of(session, viewer, confirmed_of)
            )
        else:
            ids = (
                _from_file(session, viewer, from_file)
                if from_file
                else [media_id_of(session, viewer, text) for text in media or []]
            )
            new = assign_media(session, viewer, found.id, ids)
        text = f"series {found.name!r}: {len(new):,} media assigned"
    out.print(shown(text), highlight=False)


@series_app.command("unassign")
def unassign(
    name: Name,
    media: Annotated[str, typer.Option("--media", help="The media, by id or SHA-256.")],
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Take a media out of a series."""
    from vigil.cases.links import media_id_of, unassign_media
    from vigil.cases.names import find_series

    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = find_series(session, viewer, name)
        removed = unassign_media(session, viewer, found.id, media_id_of(session, viewer, media))
        text = f"series {found.name!r}: media {'removed' if removed else 'was not in it'}"
    out.print(shown(text), highlight=False)


def _record(
    session: Session,
    viewer: Viewer,
    victim: str | None,
    offender: str | None,
    location: str | None,
    case: str | None,
) -> tuple[Any, int, str]:
    """The one record the options name: its type, id and name."""
    from vigil.cases.names import find_location, find_offender, find_victim
    from vigil.sharing.records import find_case
    from vigil.store.models import RecordType

    given = [v for v in (victim, offender, location, case) if v is not None]
    if len(given) != 1:
        raise fail("give one of --victim, --offender, --location, --case")
    if victim is not None:
        return RecordType.VICTIM, find_victim(session, viewer, victim).id, victim
    if offender is not None:
        return RecordType.OFFENDER, find_offender(session, viewer, offender).id, offender
    if location is not None:
        return RecordType.LOCATION, find_location(session, viewer, location).id, location
    return RecordType.CASE, find_case(session, viewer, case or "").id, case or ""


@series_app.command("link")
def link(
    name: Name,
    victim: Victim = None,
    offender: Offender = None,
    location: Location = None,
    case: CaseRef = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Tie a series of your agency to a victim, offender, location or case you may see."""
    from vigil.cases.links import link_record
    from vigil.cases.names import find_series

    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = find_series(session, viewer, name)
        kind, ident, label = _record(session, viewer, victim, offender, location, case)
        new = link_record(session, viewer, found.id, kind, ident)
        text = f"series {found.name!r} {'linked to' if new else 'already linked to'} {label}"
    out.print(shown(text), highlight=False)


@series_app.command("unlink")
def unlink(
    name: Name,
    victim: Victim = None,
    offender: Offender = None,
    location: Location = None,
    case: CaseRef = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Untie a series of your agency from a victim, offender, location or case."""
    from vigil.cases.links import unlink_record
    from vigil.cases.names import find_series

    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = find_series(session, viewer, name)
        kind, ident, label = _record(session, viewer, victim, offender, location, case)
        removed = unlink_record(session, viewer, found.id, kind, ident)
        text = (
            f"series {found.name!r} {'unlinked from' if removed else 'was not linked to'} {label}"
        )
    out.print(shown(text), highlight=False)


@series_app.command("history")
def history(
    name: Name,
    as_json: AsJson = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show a series' dated changes and who made them, oldest first."""
    from vigil.cases.history import history_of
    from vigil.cases.names import find_series
    from vigil.store.models import RecordType

    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = find_series(session, viewer, name)
        changes = history_of(session, viewer, RecordType.SERIES, found.id)
    print_history(changes, as_json)

"""`vigil share ...`: who besides the owning agency may see a case, a seizure or a bank."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from vigil.cli.common import (
    AgencyCode,
    DatabaseUrl,
    DataDir,
    NamedAgencies,
    acting,
    out,
    print_json,
    shown,
    user_session,
)
from vigil.store.models import Level, RecordType
from vigil.store.repo import DEFAULT_AGENCY_CODE

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from vigil.sharing.dissemination import Sharing
    from vigil.sharing.policy import Viewer

share_app = typer.Typer(
    help="Dissemination: who besides the owner may see a case, seizure, bank or "
    "identification record.",
    no_args_is_help=True,
)

RecordKind = Annotated[
    RecordType,
    typer.Argument(
        help="What to share: case, seizure, bank, series, victim, offender, location or "
        "missing_report.",
        metavar="KIND",
    ),
]
RecordName = Annotated[
    str,
    typer.Argument(
        help="The case's reference, the seizure's or bank's or series' name, the victim's or "
        "offender's label, the location's number or the missing-child report's reference."
    ),
]
CaseOption = Annotated[
    str | None,
    typer.Option("--case", help="A seizure's case reference, when its name is ambiguous."),
]


def _record_id(
    session: Session, viewer: Viewer, kind: RecordType, name: str, case: str | None
) -> int:
    """The id of the record the viewer names, among those it may see."""
    from vigil.cases.names import find_location, find_named
    from vigil.sharing.dissemination import DisseminationError
    from vigil.sharing.records import bank_named, find_case, find_seizure

    if kind is RecordType.LOCATION:
        return find_location(session, viewer, name).id
    if kind in (
        RecordType.SERIES,
        RecordType.VICTIM,
        RecordType.OFFENDER,
        RecordType.MISSING_REPORT,
    ):
        found: int = find_named(session, viewer, kind, name).id
        return found
    if kind is RecordType.CASE:
        return find_case(session, viewer, name).id
    if kind is RecordType.SEIZURE:
        return find_seizure(session, viewer, name, case).id
    if kind is RecordType.BANK:
        return bank_named(session, viewer, name).id
    raise DisseminationError(f"KIND: the level of a {kind.value} follows its records")


def _print(sharing: Sharing) -> None:
    named = f" with {', '.join(sharing.named)}" if sharing.named else ""
    out.print(
        shown(
            f"{sharing.record_type.value} {sharing.name}: owner {sharing.owner}, "
            f"level {sharing.level.value}{named}"
        ),
        highlight=False,
    )


@share_app.command("set")
def set_(
    kind: RecordKind,
    name: RecordName,
    level: Annotated[
        Level,
        typer.Option(
            "--level",
            help="owner (the owning agency only), named (the agencies given with --with) "
            "or all (every member agency).",
        ),
    ],
    named: NamedAgencies = None,
    case: CaseOption = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Set who may see a record the agency owns (audited)."""
    from vigil.sharing.dissemination import DisseminationError, set_level
    from vigil.sharing.policy import resolve
    from vigil.store.repo import NotFoundError

    with user_session(data_dir, database_url, DisseminationError, NotFoundError) as session:
        viewer = resolve(session, acting(agency))
        ident = _record_id(session, viewer, kind, name, case)
        sharing = set_level(session, viewer, kind, ident, level, named or ())
    _print(sharing)


@share_app.command("show")
def show(
    kind: RecordKind,
    name: RecordName,
    case: CaseOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show a record's owner and level (and, to its owner, the agencies named on it)."""
    from vigil.sharing.dissemination import DisseminationError, sharing_of
    from vigil.sharing.policy import resolve
    from vigil.store.repo import NotFoundError

    with user_session(data_dir, database_url, DisseminationError, NotFoundError) as session:
        viewer = resolve(session, acting(agency))
        sharing = sharing_of(session, viewer, kind, _record_id(session, viewer, kind, name, case))
    if as_json:
        print_json(
            {
                "record": sharing.record_type.value,
                "name": sharing.name,
                "owner": sharing.owner,
                "level": sharing.level.value,
                "named": sharing.named,
            }
        )
        return
    _print(sharing)

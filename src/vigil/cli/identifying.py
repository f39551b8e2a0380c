"""What the identification commands share (`vigil case`, `series`, `victim`, `offender`,
`location`, `missing`, `alert`, `suggest`, `stats`): acting for an agency with their refusals
in one line, the sharing options, a seizure named on the command line, tables and a record's
history."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from vigil.cli.common import acting, fail, out, print_json, shown, user_session
from vigil.store.models import Level

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from vigil.cases.history import Change
    from vigil.sharing.policy import Viewer

LevelOption = Annotated[
    Level,
    typer.Option(
        "--level",
        help="Who besides your agency may see it: owner (nobody), named (the agencies given "
        "with --with) or all (every member agency).",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print as JSON.")]
SeizureRef = Annotated[
    str, typer.Argument(help="The seizure as CASE/SEIZURE (its case reference and name).")
]


@contextmanager
def identifying(
    agency: str, data_dir: Path | None, database_url: str | None
) -> Iterator[tuple[Session, Viewer]]:
    """A session (committed on success) and the viewer acting for ``agency``; bad input,
    refused steps and the policy's refusals end the command with one line."""
    from vigil.cases.errors import IdentificationError
    from vigil.sharing.dissemination import DisseminationError
    from vigil.sharing.policy import resolve
    from vigil.store.repo import NotFoundError

    refusals = (IdentificationError, DisseminationError, NotFoundError)
    with user_session(data_dir, database_url, *refusals) as session:
        yield session, resolve(session, acting(agency))


def seizure_id_of(session: Session, viewer: Viewer, reference: str) -> int:
    """The id of the seizure ``reference`` names as CASE/SEIZURE, if ``viewer`` may see it."""
    from vigil.sharing.records import find_seizure

    case, slash, name = reference.strip().rpartition("/")
    if not slash or not case or not name:
        raise fail(f"seizure: {reference!r} is not CASE/SEIZURE (e.g. OP-2026-01/phone)")
    return find_seizure(session, viewer, name, case).id


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A table whose every cell is shown escaped (text comes from users)."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(shown("" if cell is None else str(cell)) for cell in row))
    out.print(table)


def print_fields(pairs: Sequence[tuple[str, object]]) -> None:
    """One ``name: value`` line each, values escaped."""
    for name, value in pairs:
        out.print(shown(f"{name}: {'' if value is None else value}"), highlight=False)


def print_record(
    as_json: bool,
    record: Mapping[str, object],
    pairs: Sequence[tuple[str, object]],
    changes: Sequence[Change],
) -> None:
    """A record and its history: ``record`` as JSON, or its ``pairs`` and a history table."""
    if as_json:
        print_json({**record, "history": [change.to_json() for change in changes]})
        return
    print_fields(pairs)
    print_history(changes)


def print_history(changes: Sequence[Change]) -> None:
    """A record's history, oldest first."""
    rows = [
        (c.at.isoformat(timespec="minutes"), c.action, c.by_user, c.agency, _detail(c.detail))
        for c in changes
    ]
    print_table("History", ["at", "what", "by", "agency", "detail"], rows)


def _detail(detail: dict[str, object]) -> str:
    return ", ".join(f"{key}={value}" for key, value in detail.items())

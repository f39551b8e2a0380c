"""What every command shares: the database options, the consoles and one-line errors."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text
from sqlalchemy.orm import Session

from vigil.cli.failures import classify, explain, note_database, writing
from vigil.config import DATA_DIR_ENV, DATABASE_URL_ENV, load_settings
from vigil.reports.escape import printable
from vigil.store.db import Store, StoreError
from vigil.store.models import Level

if TYPE_CHECKING:
    from vigil.sharing.actor import Actor

err = Console(stderr=True)
out = Console()

#: Names the agency a terminal acts for, when --agency is not given.
AGENCY_ENV = "VIGIL_AGENCY"

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", envvar=DATA_DIR_ENV, help="Data directory (default ./vigil-data)."),
]
Output = Annotated[
    Path | None, typer.Option("-o", "--output", help="File to write (default: stdout).")
]
AgencyCode = Annotated[
    str,
    typer.Option(
        "--agency",
        envvar=AGENCY_ENV,
        help="Code of the agency to act for: what it owns and what is shared with it.",
    ),
]
Dissemination = Annotated[
    Level,
    typer.Option(
        "--dissemination",
        help="Who besides the owning agency may see it: owner (nobody), named (the agencies "
        "given with --with) or all (every member agency).",
    ),
]
NamedAgencies = Annotated[
    list[str] | None,
    typer.Option("--with", help="An agency (code) that may see it, for named (repeatable)."),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar=DATABASE_URL_ENV,
        help="SQLAlchemy URL of the database (default: SQLite file in the data directory).",
    ),
]


def fail(message: str) -> typer.Exit:
    """Print a one-line error and return the exit to raise (code 2).

    Messages quote file names and values from seizures and banks: their control characters
    are shown escaped (a right-to-left override must not reorder the line) and brackets are
    not read as Rich markup.
    """
    line = escape(printable(message))
    err.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def shown(value: str) -> Text:
    """A table cell or line holding text from a seizure or a bank: escaped, not markup."""
    return Text(printable(value))


def print_json(data: object) -> None:
    """``data`` as indented JSON on standard output, every non-ASCII character escaped.

    Rich would print a right-to-left override in a file name as the character itself.
    """
    out.print_json(data=data, ensure_ascii=True)


def open_store(data_dir: Path | None, database_url: str | None) -> Store:
    """The store for these options, or a one-line error."""
    settings = load_settings(data_dir, database_url)
    note_database(settings)
    try:
        store = Store(settings)
    except StoreError as exc:
        # A full disk or a lost server reads better told as such; anything else the store
        # already says in its own words.
        failure = classify(exc)
        machine = failure is not None and failure.kind != "other"
        raise fail((explain(exc) if machine else None) or str(exc)) from None
    if store.migrated is not None:
        try:
            _audit_migrations(store, *store.migrated)
        except BaseException:
            store.close()
            raise
    return store


def _audit_migrations(store: Store, before: tuple[str, ...], after: tuple[str, ...]) -> None:
    """Record in the audit trail that this command migrated the database, and from what."""
    from vigil.sharing.actor import local_actor
    from vigil.sharing.audit import Action, record
    from vigil.store.retry import write_retrying

    details = {"from": list(before), "to": list(after)}
    actor = local_actor()
    write_retrying(
        store, lambda session: record(session, Action.DB_UPGRADE, "database", details, actor)
    )


def write_output(path: Path, write: Callable[[TextIO], None]) -> None:
    """Write a file Vigil produces (a report): readable by this user only (0600), all or nothing.

    The text goes to a temporary file beside ``path`` that replaces it once complete, so a
    full disk or an interruption never leaves half a report under its name. Failures of the
    file system end the command with one line naming ``path``.
    """
    if not path.parent.is_dir():
        raise fail(f"cannot write {path}: no folder {path.parent} (create it or choose another)")
    with writing(f"the file {path}"):
        try:
            handle, temporary = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".part", dir=path.parent
            )
        except OSError as exc:
            raise fail(f"cannot write {path}: {(exc.strerror or str(exc)).lower()}") from None
        try:
            with open(handle, "w", encoding="utf-8", newline="") as stream:
                write(stream)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, path)
        except BaseException as exc:
            Path(temporary).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise fail(explain(exc) or f"{path}: {exc.strerror}") from None
            raise


def acting(agency: str) -> Actor:
    """The person at the terminal acting for ``agency`` (resolved by the policy when used)."""
    from vigil.sharing.actor import local_actor

    return local_actor(agency.strip())


@contextmanager
def user_session(
    data_dir: Path | None, database_url: str | None, *user_errors: type[Exception]
) -> Iterator[Session]:
    """A session on the configured store, committed on success, the store closed after.

    ``user_errors`` are mistakes a user can make (an unknown name, a bad value): they end
    the command with their one-line message and exit code 2, never a traceback. So do the
    policy's refusals (a record not visible, an act not allowed), always.
    """
    from vigil.sharing.policy import PolicyError

    expected: tuple[type[Exception], ...] = (PolicyError, *user_errors)
    store = open_store(data_dir, database_url)
    try:
        with store.session() as session:
            yield session
    except expected as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()

"""What every command shares: the database options, the consoles and one-line errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from vigil.config import DATA_DIR_ENV, DATABASE_URL_ENV, load_settings
from vigil.store.db import Store, StoreError

err = Console(stderr=True)
out = Console()

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", envvar=DATA_DIR_ENV, help="Data directory (default ./vigil-data)."),
]
Output = Annotated[
    Path | None, typer.Option("-o", "--output", help="File to write (default: stdout).")
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
    """Print a one-line error and return the exit to raise (code 2)."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def open_store(data_dir: Path | None, database_url: str | None) -> Store:
    """The store for these options, or a one-line error."""
    try:
        return Store(load_settings(data_dir, database_url))
    except StoreError as exc:
        raise fail(str(exc)) from None


@contextmanager
def user_session(
    data_dir: Path | None, database_url: str | None, *user_errors: type[Exception]
) -> Iterator[Session]:
    """A session on the configured store, committed on success, the store closed after.

    ``user_errors`` are mistakes a user can make (an unknown name, a bad value): they end
    the command with their one-line message and exit code 2, never a traceback.
    """
    store = open_store(data_dir, database_url)
    try:
        with store.session() as session:
            yield session
    except user_errors as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()

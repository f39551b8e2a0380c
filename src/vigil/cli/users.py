"""`vigil user ...`: the people who act for an agency, their roles and passwords."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from vigil.cli.common import DatabaseUrl, DataDir, fail, out, print_json, shown, user_session
from vigil.store.models import User

user_app = typer.Typer(help="Users, their roles and passwords.", no_args_is_help=True)

ROLE_HELP = "A role (repeat for several): viewer, analyst, supervisor, admin or auditor."
Username = Annotated[str, typer.Argument(help="The user's login name.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print as JSON.")]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input instead of a prompt.",
    ),
]
Roles = Annotated[list[str], typer.Option("--role", help=ROLE_HELP)]


def when(moment: datetime | None) -> str:
    """A stored moment as the CLI shows it, in UTC."""
    from vigil.sharing.clock import as_utc

    return f"{as_utc(moment):%Y-%m-%d %H:%M} UTC" if moment is not None else "never"


def read_password(from_stdin: bool) -> str:
    """A new password: from standard input's first line, or typed twice at a hidden prompt.

    Never a command-line argument: those are visible to every user of the machine (ps) and
    kept in shell histories.
    """
    if from_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        if not password:
            raise fail("--password-stdin: standard input held no password on its first line")
        return password
    typed: str = typer.prompt(
        "New password", hide_input=True, confirmation_prompt="Repeat the password"
    )
    return typed


def user_json(user: User) -> dict[str, Any]:
    """A user as the JSON the CLI prints (never the password hash)."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "agency": user.agency.code,
        "roles": list(user.roles),
        "active": user.active,
        "has_password": user.password_hash is not None,
        "created_at": user.created_at.isoformat(),
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
    }


@user_app.command("create")
def create(
    username: Username,
    roles: Roles,
    agency: Annotated[
        str, typer.Option("--agency", help="Code of the agency the user acts for.")
    ] = "LOCAL",
    name: Annotated[
        str | None, typer.Option("--name", help="Display name (default: the username).")
    ] = None,
    password_stdin: PasswordStdin = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Add a user; the password is asked for (hidden) or read with --password-stdin."""
    from vigil.sharing.accounts import create_user, parse_roles
    from vigil.sharing.agencies import find_agency
    from vigil.sharing.errors import AccountError

    # Checked before the password is typed, so that a typo costs no retyping.
    try:
        chosen = parse_roles(roles)
    except AccountError as exc:
        raise fail(str(exc)) from None
    password = read_password(password_stdin)
    with user_session(data_dir, database_url, AccountError) as session:
        user = create_user(
            session, find_agency(session, agency), username, name or username, chosen, password
        )
        code = user.agency.code
    out.print(
        shown(f"user {user.username} created for {code} ({', '.join(user.roles)})"),
        highlight=False,
    )


@user_app.command("list")
def list_(
    agency: Annotated[
        str | None, typer.Option("--agency", help="Only the users of this agency.")
    ] = None,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List users with their agency, roles and last login."""
    from vigil.sharing.accounts import list_users
    from vigil.sharing.agencies import find_agency
    from vigil.sharing.errors import AccountError

    with user_session(data_dir, database_url, AccountError) as session:
        users = list_users(session, find_agency(session, agency) if agency else None)
        rows = [user_json(user) for user in users]
    if as_json:
        print_json(rows)
        return
    table = Table(title="Users")
    for column in ("username", "name", "agency", "roles", "active", "last login"):
        table.add_column(column)
    for user, row in zip(users, rows, strict=True):
        table.add_row(
            user.username,
            shown(user.display_name),
            row["agency"],
            ", ".join(user.roles),
            "yes" if user.active else "no",
            when(user.last_login_at),
        )
    out.print(table)


@user_app.command("show")
def show(
    username: Username,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show a user: agency, roles, whether active, last login."""
    from vigil.sharing.accounts import find_user
    from vigil.sharing.errors import AccountError

    with user_session(data_dir, database_url, AccountError) as session:
        user = find_user(session, username)
        row = user_json(user)
    if as_json:
        print_json(row)
        return
    lines = [
        f"{user.username} — {user.display_name}",
        f"agency: {row['agency']}",
        f"roles: {', '.join(user.roles)}",
        f"active: {'yes' if user.active else 'no'}",
        f"password: {'set' if row['has_password'] else 'not set'}",
        f"created: {when(user.created_at)}",
        f"last login: {when(user.last_login_at)}",
    ]
    for line in lines:
        out.print(shown(line), highlight=False)


@user_app.command("set-roles")
def set_roles(
    username: Username,
    roles: Roles,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Replace a user's roles with those given."""
    from vigil.sharing.accounts import parse_roles
    from vigil.sharing.accounts import set_roles as set_user_roles
    from vigil.sharing.errors import AccountError

    with user_session(data_dir, database_url, AccountError) as session:
        user = set_user_roles(session, username, parse_roles(roles))
    out.print(f"user {user.username} now holds: {', '.join(user.roles)}", highlight=False)


def _set_active(
    username: str, active: bool, data_dir: Path | None, database_url: str | None
) -> None:
    from vigil.sharing.accounts import set_active
    from vigil.sharing.errors import AccountError

    with user_session(data_dir, database_url, AccountError) as session:
        user = set_active(session, username, active)
    state = "active" if active else "inactive: it can neither log in nor use its tokens"
    out.print(f"user {user.username} is {state}", highlight=False)


@user_app.command("deactivate")
def deactivate(
    username: Username, data_dir: DataDir = None, database_url: DatabaseUrl = None
) -> None:
    """Stop a user from logging in or using their tokens (nothing is deleted)."""
    _set_active(username, False, data_dir, database_url)


@user_app.command("activate")
def activate(
    username: Username, data_dir: DataDir = None, database_url: DatabaseUrl = None
) -> None:
    """Let a deactivated user log in and use their tokens again."""
    _set_active(username, True, data_dir, database_url)


@user_app.command("set-password")
def set_password(
    username: Username,
    password_stdin: PasswordStdin = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Give a user a new password (asked for hidden, or read with --password-stdin)."""
    from vigil.sharing.accounts import find_user
    from vigil.sharing.accounts import set_password as set_user_password
    from vigil.sharing.errors import AccountError

    # The user is looked up first, so that nobody types a password for a misspelt name.
    with user_session(data_dir, database_url, AccountError) as session:
        find_user(session, username)
    password = read_password(password_stdin)
    with user_session(data_dir, database_url, AccountError) as session:
        user = set_user_password(session, username, password)
    out.print(f"password of {user.username} changed", highlight=False)

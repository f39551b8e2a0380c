"""`vigil token ...`: API tokens, shown once when made, revocable."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from vigil.cli.common import DatabaseUrl, DataDir, err, out, print_json, shown, user_session
from vigil.cli.users import when
from vigil.store.models import ApiToken, utcnow

token_app = typer.Typer(help="API tokens: scoped, expiring, revocable.", no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help="Print as JSON.")]


def token_json(token: ApiToken, status: str) -> dict[str, Any]:
    """A token as the JSON the CLI prints: never its secret, nor the hash of it."""
    return {
        "prefix": token.prefix,
        "user": token.user.username,
        "name": token.name,
        "scopes": list(token.scopes),
        "status": status,
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


@token_app.command("create")
def create(
    user: Annotated[str, typer.Option("--user", help="Username the token acts as.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for, e.g. hma-bridge.")],
    scopes: Annotated[
        list[str],
        typer.Option("--scope", help="A scope (repeat for several): read, write, lookup, admin."),
    ],
    expires_in: Annotated[
        int, typer.Option("--expires-in", help="Days until the token expires (1-366).")
    ] = 90,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Make a token and print it once: store it now, Vigil keeps only its hash."""
    from vigil.sharing.accounts import find_user
    from vigil.sharing.errors import AccountError
    from vigil.sharing.tokens import create_token, parse_scopes

    with user_session(data_dir, database_url, AccountError) as session:
        issued = create_token(
            session,
            find_user(session, user),
            name,
            parse_scopes(scopes),
            utcnow(),
            lifetime=timedelta(days=expires_in),
        )
        username = issued.token.user.username
    token = issued.token
    err.print(
        shown(
            f"token {token.prefix} for {username} ({', '.join(token.scopes)}), "
            f"expires {when(token.expires_at)}; shown once, store it now:"
        ),
        highlight=False,
    )
    # Alone on standard output, so that a script can capture it.
    typer.echo(issued.secret)


@token_app.command("list")
def list_(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's tokens.")] = None,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List tokens by prefix, with their scopes, status and last use (never the secrets)."""
    from vigil.sharing.accounts import find_user
    from vigil.sharing.errors import AccountError
    from vigil.sharing.tokens import list_tokens, token_status

    now = utcnow()
    with user_session(data_dir, database_url, AccountError) as session:
        tokens = list_tokens(session, find_user(session, user) if user else None)
        rows = [token_json(token, token_status(token, now)) for token in tokens]
    if as_json:
        print_json(rows)
        return
    table = Table(title="API tokens")
    for column in ("prefix", "user", "name", "scopes", "status", "expires", "last used"):
        table.add_column(column)
    for token, row in zip(tokens, rows, strict=True):
        table.add_row(
            token.prefix,
            row["user"],
            shown(token.name),
            ", ".join(token.scopes),
            row["status"],
            when(token.expires_at),
            when(token.last_used_at),
        )
    out.print(table)


@token_app.command("revoke")
def revoke(
    prefix: Annotated[str, typer.Argument(help="The token's prefix, as vigil token list shows.")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a token for good: it is refused from now on."""
    from vigil.sharing.errors import AccountError
    from vigil.sharing.tokens import revoke_token

    with user_session(data_dir, database_url, AccountError) as session:
        token = revoke_token(session, prefix, utcnow())
    out.print(f"token {token.prefix} revoked", highlight=False)

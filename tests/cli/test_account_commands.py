"""`vigil agency ...`, `vigil user ...` and `vigil token ...` as an administrator runs them."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
import typer.main
from argon2 import PasswordHasher
from typer.core import TyperOption
from typer.testing import CliRunner

from tests.cli.test_documented import commands
from tests.sharing.hashing import use_cheap_hashing
from vigil.cli.main import app
from vigil.config import Settings
from vigil.sharing.accounts import authenticate
from vigil.sharing.tokens import verify_token
from vigil.store.db import Store

runner = CliRunner()
PASSWORD = "a passphrase of five words"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    return use_cheap_hashing(monkeypatch)


def vigil(settings: Settings, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    where = ["--data-dir", str(settings.data_dir), "--database-url", settings.database_url]
    result = runner.invoke(app, [*args, *where], input=stdin, env={"VIGIL_USER": "tester"})
    return result.exit_code, result.stdout, result.stderr


def one_line_error(result: tuple[int, str, str], *fragments: str) -> None:
    code, _, stderr = result
    assert code == 2
    assert stderr.startswith("error: ")
    assert stderr.count("\n") == 1, stderr
    for fragment in fragments:
        assert fragment in stderr


def test_agency_commands(settings: Settings) -> None:
    created = vigil(
        settings,
        *("agency", "create", "ncb-ph", "--name", "NCB Manila", "--kind", "ncb"),
        *("--country", "ph", "--contact", "duty desk"),
    )
    assert created[0] == 0, created
    assert "agency NCB-PH created (ncb, PH (Philippines))" in created[1]
    one_line_error(
        vigil(
            settings, "agency", "create", "NCB-X", "--name", "X", "--kind", "ncb", "--country", "QQ"
        ),
        "country",
        "'QQ'",
    )
    one_line_error(
        vigil(settings, "agency", "create", "X", "--name", "X", "--kind", "embassy"), "kind"
    )
    assert vigil(settings, "agency", "update", "NCB-PH", "--contact", "night desk")[0] == 0
    code, stdout, _ = vigil(settings, "agency", "show", "ncb-ph", "--json")
    assert code == 0
    shown = json.loads(stdout)
    assert (shown["kind"], shown["country"], shown["country_name"], shown["contact"]) == (
        "ncb",
        "PH",
        "Philippines",
        "night desk",
    )
    code, stdout, _ = vigil(settings, "agency", "show", "LOCAL")
    assert "country: not set" in stdout
    assert "vigil agency update LOCAL --country CC" in stdout
    code, stdout, _ = vigil(settings, "agency", "list", "--json")
    assert [a["code"] for a in json.loads(stdout)] == ["LOCAL", "NCB-PH"]
    assert "NCB Manila" in vigil(settings, "agency", "list")[1]
    one_line_error(vigil(settings, "agency", "show", "NCB-ZZ"), "no agency 'NCB-ZZ'")


def test_user_commands_never_take_a_password_on_the_command_line(settings: Settings) -> None:
    # The hidden prompt: typed twice, never echoed.
    code, stdout, stderr = vigil(
        settings,
        *("user", "create", "Alice", "--role", "analyst", "--role", "supervisor"),
        *("--name", "Alice A."),
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert code == 0, stderr
    assert "user alice created for LOCAL (analyst, supervisor)" in stdout
    assert PASSWORD not in stdout + stderr
    # From standard input, for scripts.
    code, _, stderr = vigil(
        settings,
        *("user", "create", "bob", "--role", "viewer", "--agency", "local", "--password-stdin"),
        stdin=f"{PASSWORD}\n",
    )
    assert code == 0, stderr
    one_line_error(
        vigil(
            settings, "user", "create", "carol", "--role", "viewer", "--password-stdin", stdin="x\n"
        ),
        "password:",
        "at least 12",
    )
    one_line_error(
        vigil(settings, "user", "create", "dave", "--role", "chief", "--password-stdin"), "'chief'"
    )
    flags = {
        flag
        for name, command in commands(typer.main.get_command(app))
        if name.startswith("vigil user ")
        for parameter in command.params
        if isinstance(parameter, TyperOption)
        for flag in parameter.opts
    }
    assert "--password-stdin" in flags
    assert not {flag for flag in flags if flag.startswith("--pass")} - {"--password-stdin"}

    code, stdout, _ = vigil(settings, "user", "list", "--json")
    users = {u["username"]: u for u in json.loads(stdout)}
    assert users["alice"]["roles"] == ["analyst", "supervisor"]
    assert users["alice"]["agency"] == "LOCAL"
    assert "password_hash" not in users["alice"]
    assert vigil(settings, "user", "set-roles", "alice", "--role", "admin")[0] == 0
    assert vigil(settings, "user", "deactivate", "bob")[0] == 0
    code, stdout, _ = vigil(settings, "user", "show", "bob", "--json")
    assert json.loads(stdout)["active"] is False
    assert "active: no" in vigil(settings, "user", "show", "bob")[1]
    assert vigil(settings, "user", "activate", "bob")[0] == 0
    assert "roles: admin" in vigil(settings, "user", "show", "alice")[1]
    new = "another long passphrase"
    code, _, stderr = vigil(
        settings, "user", "set-password", "alice", "--password-stdin", stdin=new + "\n"
    )
    assert code == 0, stderr
    one_line_error(vigil(settings, "user", "set-password", "zed", stdin="x\n"), "no user 'zed'")
    store = Store(settings)
    try:
        with store.session() as session:
            assert authenticate(session, "alice", new, "cli", datetime.now(UTC)).active
    finally:
        store.close()


def test_token_commands_show_the_secret_once(settings: Settings) -> None:
    created = vigil(
        settings,
        "user",
        "create",
        "bridge",
        "--role",
        "viewer",
        "--password-stdin",
        stdin=f"{PASSWORD}\n",
    )
    assert created[0] == 0
    code, stdout, stderr = vigil(
        settings,
        *("token", "create", "--user", "bridge", "--name", "hma"),
        *("--scope", "lookup", "--scope", "read", "--expires-in", "30"),
    )
    assert code == 0, stderr
    secret = stdout.strip()
    assert secret.startswith("vigil_")
    assert "shown once" in stderr
    prefix = secret.split("_")[1]
    assert prefix in stderr

    code, listed, _ = vigil(settings, "token", "list", "--json")
    (token,) = json.loads(listed)
    assert (token["prefix"], token["user"], token["scopes"], token["status"]) == (
        prefix,
        "bridge",
        ["lookup", "read"],
        "active",
    )
    table = vigil(settings, "token", "list", "--user", "bridge")[1]
    digest = hashlib.sha256(secret.encode()).hexdigest()
    for output in (listed, table, vigil(settings, "user", "show", "bridge")[1]):
        assert secret not in output
        assert digest not in output
        assert secret.split("_", 2)[2] not in output

    store = Store(settings)
    try:
        with store.session() as session:
            assert verify_token(session, secret, datetime.now(UTC)).user.username == "bridge"
    finally:
        store.close()

    one_line_error(
        vigil(settings, "token", "create", "--user", "bridge", "--name", "x", "--scope", "all"),
        "scope: 'all'",
    )
    assert vigil(settings, "token", "revoke", prefix)[0] == 0
    code, listed, _ = vigil(settings, "token", "list", "--json")
    assert json.loads(listed)[0]["status"] == "revoked"
    one_line_error(vigil(settings, "token", "revoke", "nope"), "no token 'nope'")

"""`vigil demo users`: two demo agencies, a user each, random passwords shown once."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from tests.sharing.hashing import use_cheap_hashing
from vigil.cli.main import app
from vigil.config import Settings
from vigil.sharing.accounts import authenticate, find_user, user_roles
from vigil.sharing.errors import AuthenticationError
from vigil.store.db import Store
from vigil.store.models import Role

runner = CliRunner()
LOGIN = re.compile(r"^\s+(DEMO-[AB]): (demo-[ab]) / (\S+)$", re.MULTILINE)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    return use_cheap_hashing(monkeypatch)


def demo_users(settings: Settings, *extra: str) -> tuple[int, str, str]:
    where = ["--data-dir", str(settings.data_dir), "--database-url", settings.database_url]
    result = runner.invoke(app, ["demo", "users", *extra, *where], env={"VIGIL_USER": "make"})
    return result.exit_code, result.stdout, result.stderr


def test_demo_users_log_in_with_the_printed_passwords(settings: Settings) -> None:
    code, stdout, _ = demo_users(settings)
    assert code == 0
    logins = LOGIN.findall(stdout)
    assert [(agency, user) for agency, user, _ in logins] == [
        ("DEMO-A", "demo-a"),
        ("DEMO-B", "demo-b"),
    ]
    assert "demo only" in stdout
    store = Store(settings)
    try:
        with store.session() as session:
            for agency, username, password in logins:
                user = authenticate(session, username, password, "test", NOW)
                assert user.agency.code == agency
                assert user_roles(user) == {Role.ANALYST, Role.SUPERVISOR}
                assert password not in (user.password_hash or "")
    finally:
        store.close()
    # Random: a second database gets other passwords.
    assert logins[0][2] != logins[1][2]


def test_demo_users_refuse_to_run_twice_unless_reset(settings: Settings) -> None:
    first = LOGIN.findall(demo_users(settings)[1])
    code, _, stderr = demo_users(settings)
    assert code == 2
    assert "demo users already exist (demo-a, demo-b)" in stderr
    assert "--reset" in stderr
    code, stdout, _ = demo_users(settings, "--reset")
    assert code == 0
    second = LOGIN.findall(stdout)
    store = Store(settings)
    try:
        with store.session() as session:
            old_password = first[0][2]
            with pytest.raises(AuthenticationError):
                authenticate(session, "demo-a", old_password, "test", NOW)
        with store.session() as session:
            assert authenticate(session, "demo-a", second[0][2], "test", NOW).username == "demo-a"
            assert find_user(session, "demo-b").active
    finally:
        store.close()

"""The cache of verified API tokens: how long a revoked token or an inactive user lasts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.web.network import BASE_URL, ROLE_USERS, Network
from vigil.config import Settings
from vigil.sharing.accounts import set_active
from vigil.sharing.actor import Actor
from vigil.sharing.tokens import revoke_token
from vigil.store.models import Scope, utcnow
from vigil.web.app import create_app
from vigil.web.auth import TOKEN_CACHE_ENV, TokenCache
from vigil.web.config import ConfigError

ANALYST = ROLE_USERS["analyst"]
ADMIN = ROLE_USERS["admin"]


class Ticks:
    """Monotonic seconds the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Now:
    """The application's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


def _client(
    network: Network, ticks: Ticks, seconds: float = 5.0, clock: Now | None = None
) -> tuple[TestClient, TokenCache]:
    cache = TokenCache(seconds, ticks)
    app = create_app(network.store, clock=clock or Now(), token_cache=cache)
    return TestClient(app, base_url=BASE_URL), cache


def test_a_revoked_token_works_until_its_cache_entry_lapses(network: Network) -> None:
    ticks = Ticks()
    client, cache = _client(network, ticks)
    token, prefix = network.token_for(ADMIN, [Scope.READ, Scope.ADMIN])
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/agencies", headers=auth).status_code == 200
    assert len(cache) == 1
    # Revoked by another server process (here: the domain function, as `vigil token revoke`
    # does); this process's own revocations clear its cache at once (test_sessions.py).
    with network.store.session() as session:
        revoke_token(session, prefix, utcnow(), Actor("admin elsewhere"))
    ticks.now += 4.9
    assert client.get("/api/agencies", headers=auth).status_code == 200  # remembered
    ticks.now += 0.1
    refused = client.get("/api/agencies", headers=auth)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    assert len(cache) == 0
    ticks.now += 60
    assert client.get("/api/agencies", headers=auth).status_code == 401


def test_a_deactivated_user_is_refused_once_the_cache_entry_lapses(network: Network) -> None:
    ticks = Ticks()
    client, _ = _client(network, ticks, seconds=2)
    token, _ = network.token_for(ANALYST, [Scope.READ])
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=auth).status_code == 200
    with network.store.session() as session:
        set_active(session, ANALYST, False)
    ticks.now += 1.5
    assert client.get("/api/me", headers=auth).status_code == 200
    ticks.now += 0.5
    assert client.get("/api/me", headers=auth).status_code == 401


def test_a_refusal_is_not_remembered(network: Network) -> None:
    ticks = Ticks()
    client, cache = _client(network, ticks)
    token, _ = network.token_for(ANALYST, [Scope.READ])
    auth = {"Authorization": f"Bearer {token}"}
    with network.store.session() as session:
        set_active(session, ANALYST, False)
    assert client.get("/api/me", headers=auth).status_code == 401
    assert len(cache) == 0
    with network.store.session() as session:
        set_active(session, ANALYST, True)
    assert client.get("/api/me", headers=auth).status_code == 200  # at once, same tick


def test_a_token_expiring_is_refused_at_once_though_cached(network: Network) -> None:
    ticks = Ticks()
    clock = Now()
    client, cache = _client(network, ticks, seconds=60, clock=clock)
    token, _ = network.token_for(ANALYST, [Scope.READ])
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=auth).status_code == 200
    assert len(cache) == 1
    clock.now += timedelta(days=91)  # tokens live 90 days by default
    assert client.get("/api/me", headers=auth).status_code == 401


def test_another_token_of_the_same_user_is_verified_on_its_own(network: Network) -> None:
    ticks = Ticks()
    client, cache = _client(network, ticks)
    token, _ = network.token_for(ANALYST, [Scope.READ])
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert client.get("/api/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    assert len(cache) == 1


def test_entries_lapse_and_zero_seconds_remembers_nothing(network: Network) -> None:
    ticks = Ticks()
    client, _ = _client(network, ticks)
    token, _ = network.token_for(ANALYST, [Scope.READ])
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=auth).status_code == 200
    cache = TokenCache(3, ticks)
    remembered: TokenCache = client.app.state.token_cache  # type: ignore[attr-defined]
    principal = remembered.get(token, utcnow())
    assert principal is not None
    assert principal.username == ANALYST
    expires = utcnow() + timedelta(days=1)
    cache.put(token, principal, expires)
    assert cache.get(token, utcnow()) is principal
    assert cache.get(token + "x", utcnow()) is None
    ticks.now += 3
    assert cache.get(token, utcnow()) is None
    off = TokenCache(0, ticks)
    off.put(token, principal, expires)
    assert off.get(token, utcnow()) is None
    assert len(off) == 0


@pytest.mark.parametrize(("text", "seconds"), [("", 5.0), ("0", 0.0), (" 2.5 ", 2.5)])
def test_the_seconds_come_from_the_environment(text: str, seconds: float) -> None:
    assert TokenCache.from_env({TOKEN_CACHE_ENV: text}).seconds == seconds


@pytest.mark.parametrize("text", ["soon", "-1", "3601"])
def test_a_bad_setting_names_the_variable(text: str) -> None:
    with pytest.raises(ConfigError, match=TOKEN_CACHE_ENV):
        TokenCache.from_env({TOKEN_CACHE_ENV: text})


def test_serve_refuses_a_bad_token_cache_setting_in_one_line(settings: Settings) -> None:
    from typer.testing import CliRunner

    from vigil.cli.main import app

    where = ["--data-dir", str(settings.data_dir), "--database-url", settings.database_url]
    result = CliRunner().invoke(app, ["serve", *where], env={TOKEN_CACHE_ENV: "-2"})
    assert result.exit_code == 2
    assert result.stderr == f"error: {TOKEN_CACHE_ENV}: '-2' must be 0-3600 seconds\n"

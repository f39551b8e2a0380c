"""API tokens: shown once, stored hashed, scoped, expiring, revocable."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text

from tests.sharing.hashing import use_cheap_hashing
from vigil.sharing.accounts import create_user, find_user, set_active
from vigil.sharing.agencies import find_agency
from vigil.sharing.audit import AuditQuery, event_json, find_events
from vigil.sharing.clock import as_utc
from vigil.sharing.errors import AccountError, TokenError
from vigil.sharing.tokens import (
    TOKEN_REFUSED,
    TokenStatus,
    create_token,
    find_token,
    list_tokens,
    parse_scopes,
    revoke_token,
    token_status,
    verify_token,
)
from vigil.store.db import Store
from vigil.store.models import ApiToken, Role, Scope

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    return use_cheap_hashing(monkeypatch)


@pytest.fixture
def partner(store: Store) -> Store:
    with store.session() as session:
        create_user(
            session,
            find_agency(session, "LOCAL"),
            "hma-bridge",
            "Platform bridge",
            [Role.VIEWER],
            "a long enough password",
        )
    return store


def issue(
    store: Store, scopes: list[Scope], lifetime: timedelta = timedelta(days=30)
) -> tuple[str, str]:
    """A new token of hma-bridge: (its prefix, the secret shown once)."""
    with store.session() as session:
        issued = create_token(
            session, find_user(session, "hma-bridge"), "lookups", scopes, NOW, lifetime
        )
        return issued.token.prefix, issued.secret


def check(store: Store, presented: str, now: datetime) -> tuple[str, frozenset[Scope]] | str:
    try:
        with store.session() as session:
            grant = verify_token(session, presented, now)
            return grant.user.username, grant.scopes
    except TokenError as exc:
        return str(exc)


def test_a_token_is_stored_only_as_a_hash_of_its_secret(partner: Store) -> None:
    prefix, secret = issue(partner, [Scope.LOOKUP, Scope.READ])
    assert secret.startswith(f"vigil_{prefix}_")
    assert len(secret) >= 6 + 12 + 1 + 43
    with partner.engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM api_token")).mappings().one()
    assert row["secret_sha256"] == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(str(value) for value in row.values())
    assert secret not in stored
    assert secret.split("_", 2)[2] not in stored
    # Two tokens never share a secret or a prefix.
    other_prefix, other_secret = issue(partner, [Scope.READ])
    assert (other_prefix, other_secret) != (prefix, secret)


def test_a_valid_token_gives_its_user_and_scopes_and_notes_its_use(partner: Store) -> None:
    _, secret = issue(partner, [Scope.LOOKUP, Scope.READ])
    assert check(partner, secret, NOW) == ("hma-bridge", {Scope.LOOKUP, Scope.READ})
    with partner.session() as session:
        (token,) = list_tokens(session)
        first_use = token.last_used_at
        assert first_use is not None
    # Within a minute the use is not written again (no write per API request) ...
    check(partner, secret, NOW + timedelta(seconds=30))
    with partner.session() as session:
        assert list_tokens(session)[0].last_used_at == first_use
    # ... a minute on it is.
    check(partner, secret, NOW + timedelta(minutes=2))
    with partner.session() as session:
        last = list_tokens(session)[0].last_used_at
        assert last is not None
        assert last != first_use


def test_every_refusal_gives_the_same_message(partner: Store) -> None:
    prefix, secret = issue(partner, [Scope.READ], lifetime=timedelta(days=1))
    tampered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert check(partner, tampered, NOW) == TOKEN_REFUSED
    assert check(partner, f"vigil_{'0' * 12}_{secret[-43:]}", NOW) == TOKEN_REFUSED
    assert check(partner, "not a token", NOW) == TOKEN_REFUSED
    assert check(partner, prefix, NOW) == TOKEN_REFUSED
    # Expired at its expiry time, valid just before.
    expiry = NOW + timedelta(days=1)
    assert check(partner, secret, expiry - timedelta(seconds=1)) != TOKEN_REFUSED
    assert check(partner, secret, expiry) == TOKEN_REFUSED
    # An inactive user's tokens are refused until the user is active again.
    with partner.session() as session:
        set_active(session, "hma-bridge", False)
    assert check(partner, secret, NOW) == TOKEN_REFUSED
    with partner.session() as session:
        set_active(session, "hma-bridge", True)
    assert check(partner, secret, NOW) != TOKEN_REFUSED


def test_a_revoked_token_is_refused_for_good(partner: Store) -> None:
    prefix, secret = issue(partner, [Scope.READ])
    kept_prefix, kept = issue(partner, [Scope.READ])
    with partner.session() as session:
        revoke_token(session, prefix, NOW)
        revoke_token(session, secret, NOW + timedelta(hours=1))  # again, by the whole token
    assert check(partner, secret, NOW + timedelta(minutes=1)) == TOKEN_REFUSED
    assert check(partner, kept, NOW + timedelta(minutes=1)) != TOKEN_REFUSED
    with partner.session() as session:
        revoked = find_token(session, prefix)
        assert revoked.revoked_at is not None
        assert as_utc(revoked.revoked_at) == NOW  # the first revocation stands
        statuses = {t.prefix: token_status(t, NOW) for t in list_tokens(session)}
    assert statuses == {prefix: TokenStatus.REVOKED, kept_prefix: TokenStatus.ACTIVE}
    with partner.session() as session:
        events = [event_json(e) for e in reversed(find_events(session, AuditQuery(user=None)))]
    made = [(e["action"], e["object"]) for e in events if str(e["action"]).startswith("token")]
    assert made == [
        ("token.create", f"token:{prefix}"),
        ("token.create", f"token:{kept_prefix}"),
        ("token.revoke", f"token:{prefix}"),  # once: revoking again changed nothing
    ]
    assert secret.split("_", 2)[2] not in json.dumps(events)
    assert kept.split("_", 2)[2] not in json.dumps(events)


def test_token_mistakes_are_one_line_naming_the_field(partner: Store) -> None:
    with partner.session() as session:
        user = find_user(session, "hma-bridge")
        for call, message in [
            (lambda: parse_scopes(["everything"]), r"^scope: 'everything' is not a scope"),
            (lambda: parse_scopes([]), "^scope: give at least one"),
            (
                lambda: create_token(session, user, "x", [Scope.READ], NOW, timedelta(days=400)),
                "^lifetime: 400 days",
            ),
            (lambda: create_token(session, user, " ", [Scope.READ], NOW), "^name:"),
            (lambda: find_token(session, "abc"), "^token: no token 'abc'"),
        ]:
            with pytest.raises(AccountError, match=message) as caught:
                call()
            assert "\n" not in str(caught.value)
        set_active(session, "hma-bridge", False)
        with pytest.raises(AccountError, match=r"^user: hma-bridge is inactive"):
            create_token(session, user, "x", [Scope.READ], NOW)
        assert session.scalar(select(func.count()).select_from(ApiToken)) == 0

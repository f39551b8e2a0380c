"""Users, roles and passwords: argon2id hashes, the password policy, logging in."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import func, select

from tests.sharing.hashing import use_cheap_hashing
from vigil.sharing import passwords
from vigil.sharing.accounts import (
    LOGIN_FAILED,
    authenticate,
    create_user,
    find_user,
    list_users,
    parse_roles,
    set_active,
    set_password,
    set_roles,
    user_roles,
)
from vigil.sharing.actor import Actor, login_name
from vigil.sharing.agencies import create_agency, find_agency
from vigil.sharing.audit import AuditQuery, event_json, find_events
from vigil.sharing.errors import AccountError, AuthenticationError
from vigil.store.db import Store
from vigil.store.models import AgencyKind, LoginFailure, Role, User

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    return use_cheap_hashing(monkeypatch)


def add_user(store: Store, username: str = "alice", password: str = PASSWORD) -> None:
    with store.session() as session:
        create_user(
            session, find_agency(session, "LOCAL"), username, "Alice A.", [Role.ANALYST], password
        )


def login(store: Store, username: str, password: str, address: str = "10.0.0.1") -> User:
    with store.session() as session:
        return authenticate(session, username, password, address, NOW)


def test_users_belong_to_an_agency_and_hold_several_roles(store: Store) -> None:
    with store.session() as session:
        ncb = create_agency(session, "NCB-FR", "NCB Paris", AgencyKind.NCB, "FR")
        create_user(
            session,
            ncb,
            "Marie.D",
            "Marie D.",
            parse_roles(["supervisor", "analyst", "analyst"]),
            PASSWORD,
        )
        create_user(session, find_agency(session, "LOCAL"), "bob", "Bob", [Role.VIEWER], PASSWORD)
    with store.session() as session:
        marie = find_user(session, "MARIE.D")
        assert marie.username == "marie.d"
        assert marie.agency.code == "NCB-FR"
        assert marie.roles == ["analyst", "supervisor"]
        assert user_roles(marie) == {Role.ANALYST, Role.SUPERVISOR}
        assert marie.active
        assert marie.last_login_at is None
        assert [u.username for u in list_users(session)] == ["bob", "marie.d"]
        assert [u.username for u in list_users(session, find_agency(session, "NCB-FR"))] == [
            "marie.d"
        ]
        set_roles(session, "bob", [Role.AUDITOR, Role.ADMIN])
    with store.session() as session:
        assert find_user(session, "bob").roles == ["admin", "auditor"]


def test_account_mistakes_are_one_line_naming_the_field(store: Store) -> None:
    add_user(store)
    with store.session() as session:
        local = find_agency(session, "LOCAL")
        cases = [
            (lambda: create_user(session, local, "alice", "A", [Role.VIEWER], PASSWORD), "^user"),
            (lambda: create_user(session, local, "a b", "A", [Role.VIEWER], PASSWORD), "^user"),
            (lambda: create_user(session, local, "carol", " ", [Role.VIEWER], PASSWORD), "^disp"),
            (lambda: parse_roles(["boss"]), r"^role: 'boss' is not a role \(choose viewer"),
            (lambda: parse_roles([]), "^role: give at least one"),
            (lambda: find_user(session, "nobody"), "^user: no user 'nobody'"),
        ]
        for call, message in cases:
            with pytest.raises(AccountError, match=message) as caught:
                call()
            assert "\n" not in str(caught.value)


def test_passwords_are_stored_as_argon2id_hashes_never_in_clear(store: Store) -> None:
    add_user(store)
    with store.session() as session:
        stored = find_user(session, "alice").password_hash
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert passwords.verify_password(stored, PASSWORD)
    assert not passwords.verify_password(stored, PASSWORD + "!")


def test_the_real_parameters_are_argon2id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # this test alone pays for the real parameters
    assert passwords.HASHER.type is Type.ID
    stored = passwords.hash_password(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,")
    assert not passwords.needs_rehash(stored)


def test_password_policy_refuses_short_passwords_and_the_username(store: Store) -> None:
    with store.session() as session:
        local = find_agency(session, "LOCAL")
        for password, reason in [
            ("short pass", "10 characters, at least 12"),
            ("x" * 1025, "at most 1024"),
            ("dmitri.petrov", "contains the username"),
            ("my name is DMITRI.PETROV!", "contains the username"),
        ]:
            with pytest.raises(AccountError, match=reason) as caught:
                create_user(session, local, "dmitri.petrov", "D", [Role.VIEWER], password)
            assert str(caught.value).startswith("password:")
            assert password not in str(caught.value).replace("'dmitri.petrov'", "")
    add_user(store)
    with store.session() as session, pytest.raises(AccountError, match="at least 12"):
        set_password(session, "alice", "too short")


def test_login_succeeds_with_the_password_and_records_the_time(store: Store) -> None:
    add_user(store)
    user = login(store, " Alice ", PASSWORD)
    assert user.username == "alice"
    with store.session() as session:
        assert find_user(session, "alice").last_login_at is not None


def test_unknown_user_wrong_password_and_inactive_user_get_the_same_error(store: Store) -> None:
    add_user(store)
    messages = set()
    for username, password in [("alice", "wrong password here"), ("mallory", PASSWORD)]:
        with pytest.raises(AuthenticationError) as caught:
            login(store, username, password)
        messages.add(str(caught.value))
    with store.session() as session:
        set_active(session, "alice", False)
    with pytest.raises(AuthenticationError) as caught:
        login(store, "alice", PASSWORD)
    messages.add(str(caught.value))
    assert messages == {LOGIN_FAILED}
    with store.session() as session:
        set_active(session, "alice", True)
    assert login(store, "alice", PASSWORD).username == "alice"


def test_a_failed_login_is_kept_though_the_caller_rolls_back(store: Store) -> None:
    add_user(store)
    with pytest.raises(AuthenticationError):
        login(store, "alice", "wrong password here")
    with store.session() as session:
        failures = session.scalars(select(LoginFailure)).all()
        assert [(f.username, f.address) for f in failures] == [("alice", "10.0.0.1")]


def test_new_password_replaces_the_old_one(store: Store) -> None:
    add_user(store)
    with store.session() as session:
        set_password(session, "alice", "a brand new passphrase")
    with pytest.raises(AuthenticationError):
        login(store, "alice", PASSWORD)
    assert login(store, "alice", "a brand new passphrase").username == "alice"


def test_a_hash_with_old_parameters_is_replaced_at_login(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(store)
    with store.session() as session:
        before = find_user(session, "alice").password_hash
    assert before is not None
    assert ",t=1," in before
    stronger = PasswordHasher(time_cost=2, memory_cost=8, parallelism=1, type=Type.ID)
    monkeypatch.setattr(passwords, "HASHER", stronger)
    login(store, "alice", PASSWORD)
    with store.session() as session:
        after = find_user(session, "alice").password_hash
    assert after is not None
    assert after.startswith("$argon2id$")
    assert ",t=2," in after
    # A failed login leaves the hash alone; the new one still opens the account.
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=3, memory_cost=8, parallelism=1)
    )
    with pytest.raises(AuthenticationError):
        login(store, "alice", "wrong password here")
    with store.session() as session:
        assert find_user(session, "alice").password_hash == after


def test_no_built_in_account_exists(store: Store) -> None:
    # Accounts exist only once someone creates them: a fresh database has none, and the
    # usual guesses open nothing.
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
    for username in ("admin", "root", "vigil", "local"):
        for password in ("admin", "password", "vigil", "changeme", username):
            with pytest.raises(AuthenticationError, match=r"^login failed"):
                login(store, username, password, address=f"10.9.{len(password)}.{len(username)}")


def test_logins_and_changes_to_users_are_audited_without_passwords(store: Store) -> None:
    add_user(store)
    login(store, "alice", PASSWORD, address="198.51.100.4")
    for username, password in [("alice", "wrong password here"), ("Mallory", PASSWORD)]:
        with pytest.raises(AuthenticationError):
            login(store, username, password)
    with store.session() as session:
        set_roles(session, "alice", [Role.SUPERVISOR], actor=Actor("root-admin"))
        set_password(session, "alice", "a brand new passphrase")
        events = [event_json(event) for event in reversed(find_events(session, AuditQuery()))]
    seen = [(e["action"], e["object"], e["user"], e["agency"], e["details"]) for e in events]
    assert seen == [
        (
            "user.create",
            "user:alice",
            login_name(),
            "LOCAL",
            {"agency": "LOCAL", "display_name": "Alice A.", "roles": ["analyst"]},
        ),
        ("login", "user:alice", "alice", "LOCAL", {"address": "198.51.100.4"}),
        (
            "login.failed",
            "user:alice",
            "alice",
            "LOCAL",
            {"address": "10.0.0.1", "reason": "wrong password"},
        ),
        (
            "login.failed",
            "user:mallory",
            "mallory",
            "-",
            {"address": "10.0.0.1", "reason": "unknown user"},
        ),
        ("user.change", "user:alice", "root-admin", "LOCAL", {"roles": ["supervisor"]}),
        ("user.change", "user:alice", login_name(), "LOCAL", {"password": "changed"}),
    ]
    assert events[1]["occurred_at"] == NOW.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    text = json.dumps(events)
    assert PASSWORD not in text
    assert "brand new" not in text

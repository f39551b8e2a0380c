"""Failed logins lock an account and an address out, for longer each time, on a fake clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from tests.sharing.hashing import use_cheap_hashing
from vigil.sharing.accounts import LOGIN_FAILED, authenticate, create_user
from vigil.sharing.agencies import find_agency
from vigil.sharing.audit import Action, AuditQuery, find_events
from vigil.sharing.errors import AuthenticationError
from vigil.sharing.throttle import ACCOUNT_POLICY, ADDRESS_POLICY, locked_until
from vigil.store.db import Store
from vigil.store.models import LoginFailure, Role

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
WRONG = "not the password at all"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    return use_cheap_hashing(monkeypatch)


@pytest.fixture
def accounts(store: Store) -> Store:
    with store.session() as session:
        local = find_agency(session, "LOCAL")
        for username in ("alice", "bob"):
            create_user(session, local, username, username, [Role.ANALYST], PASSWORD)
    return store


def attempt(store: Store, username: str, password: str, address: str, now: datetime) -> str:
    """``ok`` on success, else the error's message."""
    try:
        with store.session() as session:
            authenticate(session, username, password, address, now)
    except AuthenticationError as exc:
        return str(exc)
    return "ok"


def fail_times(store: Store, username: str, times: list[datetime], address: str = "a") -> None:
    for moment in times:
        assert attempt(store, username, WRONG, address, moment) == LOGIN_FAILED


def minutes(*values: float) -> list[datetime]:
    return [T0 + timedelta(minutes=value) for value in values]


def test_five_failures_lock_the_account_from_any_address_until_the_lockout_ends(
    accounts: Store,
) -> None:
    # Five wrong guesses from five addresses within the window.
    for index, moment in enumerate(minutes(0, 1, 2, 3, 4)):
        assert attempt(accounts, "alice", WRONG, f"10.0.0.{index}", moment) == LOGIN_FAILED
    locked = attempt(accounts, "alice", PASSWORD, "192.0.2.7", T0 + timedelta(minutes=5))
    assert locked.startswith("login refused: too many failed attempts")
    assert "2026-03-01 09:09 UTC" in locked  # the last failure (09:04) + 5 minutes
    # Another account from those addresses is not affected.
    assert attempt(accounts, "bob", PASSWORD, "10.0.0.1", T0 + timedelta(minutes=5)) == "ok"
    # Guesses while locked are refused unchecked and do not prolong the lock.
    wrong = attempt(accounts, "alice", WRONG, "10.0.0.9", T0 + timedelta(minutes=8))
    assert wrong.startswith("login refused")
    end = T0 + ACCOUNT_POLICY.first_lockout + timedelta(minutes=4)
    assert attempt(accounts, "alice", PASSWORD, "10.0.0.1", end - timedelta(seconds=1)) != "ok"
    assert attempt(accounts, "alice", PASSWORD, "10.0.0.1", end) == "ok"


def test_each_further_failure_doubles_the_lockout(accounts: Store) -> None:
    fail_times(accounts, "alice", minutes(0, 1, 2, 3, 4))  # locked 09:04 + 5 min
    fail_times(accounts, "alice", minutes(9))  # 6th: locked 09:09 + 10 min
    assert attempt(accounts, "alice", PASSWORD, "a", T0 + timedelta(minutes=18)) != "ok"
    fail_times(accounts, "alice", minutes(19))  # 7th: locked 09:19 + 20 min
    assert attempt(accounts, "alice", PASSWORD, "a", T0 + timedelta(minutes=38)) != "ok"
    assert attempt(accounts, "alice", PASSWORD, "a", T0 + timedelta(minutes=39)) == "ok"
    # Success forgets the account's failures: the next lock-out starts from 5 minutes again.
    fail_times(accounts, "alice", minutes(40, 41, 42, 43, 44))
    assert attempt(accounts, "alice", PASSWORD, "b", T0 + timedelta(minutes=48)) != "ok"
    assert attempt(accounts, "alice", PASSWORD, "b", T0 + timedelta(minutes=49)) == "ok"


def test_failures_spread_wider_than_the_window_do_not_lock(accounts: Store) -> None:
    fail_times(accounts, "alice", minutes(0, 4, 8, 12, 16))  # 16 minutes > the 15 of the window
    assert attempt(accounts, "alice", PASSWORD, "a", T0 + timedelta(minutes=16.5)) == "ok"


def test_failures_older_than_the_memory_are_forgotten(accounts: Store) -> None:
    fail_times(accounts, "alice", minutes(0, 1, 2, 3, 4))
    later = T0 + ACCOUNT_POLICY.memory + timedelta(minutes=5)
    # Were the first five still counted, this one failure would lock for 10 minutes.
    fail_times(accounts, "alice", [later])
    assert attempt(accounts, "alice", PASSWORD, "a", later + timedelta(seconds=1)) == "ok"


def test_an_address_is_locked_after_its_own_limit_whatever_names_it_tries(
    accounts: Store,
) -> None:
    # One address trying one guess for each of many names (most of them unknown).
    for index in range(ADDRESS_POLICY.limit):
        moment = T0 + timedelta(seconds=20 * index)
        assert attempt(accounts, f"user{index}", WRONG, "203.0.113.5", moment) == LOGIN_FAILED
    soon = T0 + timedelta(minutes=7)
    locked = attempt(accounts, "alice", PASSWORD, "203.0.113.5", soon)
    assert locked.startswith("login refused: too many failed attempts")
    # The accounts themselves are not locked: from elsewhere the right password works.
    assert attempt(accounts, "alice", PASSWORD, "198.51.100.1", soon) == "ok"


def test_a_lockout_looks_the_same_for_a_name_that_does_not_exist(accounts: Store) -> None:
    fail_times(accounts, "alice", minutes(0, 1, 2, 3, 4), address="x")
    fail_times(accounts, "nobody", minutes(0, 1, 2, 3, 4), address="y")
    moment = T0 + timedelta(minutes=5)
    known = attempt(accounts, "alice", WRONG, "z", moment)
    unknown = attempt(accounts, "nobody", WRONG, "w", moment)
    assert known.startswith("login refused")
    assert known == unknown
    # The audit trail, which only auditors read, says why.
    with accounts.session() as session:
        refused = find_events(session, AuditQuery(action=Action.LOGIN_FAILED))
        reasons = [(event.object, json.loads(event.details)["reason"]) for event in refused[:2]]
    assert reasons == [("user:nobody", "locked out"), ("user:alice", "locked out")]


def test_concurrent_processes_share_the_count(accounts: Store) -> None:
    # Two servers: two stores on the same database, failing in turn.
    other = Store(accounts.settings)
    try:
        for index, moment in enumerate(minutes(0, 1, 2, 3, 4)):
            server = accounts if index % 2 else other
            assert attempt(server, "alice", WRONG, f"10.1.0.{index}", moment) == LOGIN_FAILED
        moment = T0 + timedelta(minutes=5)
        assert attempt(other, "alice", PASSWORD, "10.2.0.1", moment).startswith("login refused")
        assert attempt(accounts, "alice", PASSWORD, "10.2.0.1", moment).startswith("login refused")
    finally:
        other.close()


def test_only_failures_within_the_memory_count_towards_a_lockout(store: Store) -> None:
    # Rows as a server that never pruned them would leave: five that once locked the
    # account, and one a day later. Counted all, the last would lock for 10 minutes.
    later = T0 + ACCOUNT_POLICY.memory + timedelta(minutes=1)
    with store.session() as session:
        for moment in [*minutes(0, 1, 2, 3, 4), later]:
            session.add(LoginFailure(username="alice", address=f"{moment:%H%M}", at=moment))
    with store.session() as session:
        assert locked_until(session, "alice", "elsewhere", later + timedelta(minutes=1)) is None
        # Within the memory, the same rows do lock.
        session.add(LoginFailure(username="carol", address="c", at=T0))
        for moment in minutes(1, 2, 3, 4, 9):
            session.add(LoginFailure(username="carol", address="c", at=moment))
        assert locked_until(session, "carol", "elsewhere", T0 + timedelta(minutes=10)) == (
            T0 + timedelta(minutes=19)
        )

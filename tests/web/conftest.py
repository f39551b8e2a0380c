"""Fixtures of the web tests: cheap password hashing, and a network of agencies."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from tests.sharing.hashing import use_cheap_hashing
from tests.web.network import Network, build_network
from vigil.store.db import Store


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    return use_cheap_hashing(monkeypatch)


@pytest.fixture
def network(store: Store) -> Network:
    """Three agencies and the central unit, a user per role, records of each level."""
    return build_network(store)

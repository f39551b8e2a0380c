"""Cheap argon2id parameters for tests that hash many passwords.

The real parameters (64 MiB, 3 passes) cost a quarter of a second per hash; tests that log in
dozens of times use these instead, and one test checks the real ones.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type

from vigil.sharing import passwords

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)


def use_cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    """Make every password hash of this test use ``CHEAP``; returns it."""
    monkeypatch.setattr(passwords, "HASHER", CHEAP)
    return CHEAP

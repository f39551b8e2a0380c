"""Passwords: the policy a new one must meet, and argon2id hashes of them.

Hashes are argon2-cffi's PHC strings (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``), so
each one carries the parameters it was made with, and a hash made with older parameters is
recognised and replaced at the next successful login.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from vigil.sharing.errors import AccountError

MIN_LENGTH = 12
# argon2 takes any length; the cap keeps a megabyte "password" from costing the server.
MAX_LENGTH = 1024
# Usernames at least this long may not occur anywhere in the password.
USERNAME_IN_PASSWORD = 4

# argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile: 64 MiB, 3 passes).
# Read at every call, so that tests may use cheaper parameters and check rehashing.
HASHER = PasswordHasher(type=Type.ID)


def _normalised(password: str) -> str:
    # The same password typed on two keyboards can reach us composed or decomposed.
    return unicodedata.normalize("NFC", password)


def check_password_policy(password: str, username: str) -> None:
    """Refuse a password that is too short, too long, or the username (or contains it).

    The message never quotes the password.
    """
    length = len(_normalised(password))
    if length < MIN_LENGTH:
        raise AccountError(
            f"password: {length} characters, at least {MIN_LENGTH} needed "
            "(a few words make a long password easy to remember)"
        )
    if length > MAX_LENGTH:
        raise AccountError(f"password: {length} characters, at most {MAX_LENGTH} allowed")
    name = username.strip().casefold()
    typed = _normalised(password).casefold()
    # A short username (say "jo") may well occur by chance inside a good passphrase.
    if typed == name or (len(name) >= USERNAME_IN_PASSWORD and name in typed):
        raise AccountError(f"password: contains the username {username!r}; choose another")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (a PHC string), with a fresh random salt."""
    return HASHER.hash(_normalised(password))


@cache
def _decoy(hasher: PasswordHasher) -> str:
    # A hash nobody's password matches, made with the current parameters.
    return hasher.hash("not a password: verified so that unknown users take as long")


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash.

    With no stored hash (an unknown user, or one without a password) a decoy hash is checked
    all the same, so that the answer takes as long as for a real user.
    """
    hasher = HASHER
    try:
        return hasher.verify(stored or _decoy(hasher), _normalised(password)) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with other parameters (or another argon2 type) than now."""
    try:
        return HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True

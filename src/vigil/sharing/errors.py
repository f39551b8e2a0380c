"""What can go wrong with agencies and accounts, each error one line for the user."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar


class AccountError(ValueError):
    """A value a user gave is refused (a bad country, a weak password, an unknown name).

    The message names the field and the value, and says what to do.
    """


class AuthenticationError(Exception):
    """A login was refused.

    The message is the same for an unknown user, a wrong password and an inactive user, so
    that it never tells which names exist; only a lock-out says so, and it says it for any
    name that was tried, known or not.
    """


class TokenError(Exception):
    """An API token was refused: unknown, wrong, expired, revoked, or its user inactive.

    One message for all of these, for the same reason as AuthenticationError.
    """


E = TypeVar("E", bound=StrEnum)


def parse_choices(kind: type[E], values: Iterable[str], field: str, empty: str) -> list[E]:
    """``values`` as members of ``kind`` (case and spaces ignored), sorted, without repeats.

    AccountError naming ``field`` and the value for one that is not a member, and saying
    ``empty`` when none is given.
    """
    chosen: set[E] = set()
    for value in values:
        try:
            chosen.add(kind(value.strip().lower()))
        except ValueError:
            choices = ", ".join(member.value for member in kind)
            raise AccountError(f"{field}: {value!r} is not a {field} (choose {choices})") from None
    if not chosen:
        raise AccountError(f"{field}: {empty}")
    return sorted(chosen)

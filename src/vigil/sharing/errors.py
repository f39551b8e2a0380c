"""What can go wrong with agencies and accounts, each error one line for the user."""

from __future__ import annotations


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

"""The domain's own refusals, answered in the API's one error shape.

Domain functions raise errors of their own (a bad bank file, a referral's status, a level
that cannot be set); a route says which of them mean what for a caller::

    with refused(422, DisseminationError, field="agencies"):
        set_level(...)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from vigil.web.errors import ApiError


def field_in(message: str) -> str | None:
    """The field a message names when it reads ``field: ...``."""
    head, sep, _ = message.partition(":")
    name = head.strip()
    return name if sep and name.replace("_", "").isalnum() else None


@contextmanager
def refused(status: int, *errors: type[Exception], field: str | None = None) -> Iterator[None]:
    """Answer ``errors`` raised inside with ``status``, their message and ``field`` (else the
    field their message names)."""
    try:
        yield
    except errors as exc:
        message = str(exc)
        raise ApiError(status, message, field or field_in(message)) from None

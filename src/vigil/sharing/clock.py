"""Moments in UTC, whichever database they came back from."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime.

    SQLite hands back the naive UTC datetimes it stored; a caller's clock may be in another
    zone. A naive ``moment`` is taken to be UTC, as Vigil stores only UTC.
    """
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)

"""The links of a seizure: every match tying one of its media to a bank entry or other media.

A link between two seizures' media is stored once, by whichever seizure was matched later
(matching skips a pair already found the other way round), so from the earlier seizure's
side it is a match whose *other* media is this seizure's. Everything that reads a seizure's
matches — the triage report, ``vigil match list``, reviews — reads them here, so that each
sees the same links from either side and a link a reviewer cannot see never counts.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from vigil.store.models import Bank, BankEntry, Match, Sighting


@dataclass(frozen=True, slots=True)
class Link:
    """One match, seen from the seizure's media it concerns."""

    match_id: int
    #: The seizure's media.
    media_id: int
    signal: str
    verdict: str
    distance: int | None
    #: Which of the querying picture's PDQ variants matched: the other media's when reverse.
    variant: str | None
    #: vPDQ: share of this media's frames found in the other, and of the other's in this.
    query_share: float | None
    target_share: float | None
    #: The bank entry matched and its bank; None for a link to other media.
    entry: BankEntry | None
    bank: Bank | None
    #: The other media linked; None for a bank match.
    other_media_id: int | None
    #: Stored when the other media's seizure was matched, after this one.
    reverse: bool


def _of_seizure(
    own: InstrumentedAttribute[Any], seizure_id: int, verdicts: Collection[str] | None
) -> list[ColumnElement[bool]]:
    """Matches whose ``own`` side is one of the seizure's media (with one of ``verdicts``)."""
    in_seizure = select(Sighting.media_id).where(Sighting.seizure_id == seizure_id)
    conditions: list[ColumnElement[bool]] = [own.in_(in_seizure)]
    if verdicts is not None:
        conditions.append(Match.verdict.in_(sorted(verdicts)))
    return conditions


# What a link reads of a match: columns, not ORM objects, since a seizure may have millions.
_COLUMNS = (
    Match.id,
    Match.media_id,
    Match.signal,
    Match.verdict,
    Match.distance,
    Match.variant,
    Match.query_share,
    Match.target_share,
    Match.other_media_id,
)


def seizure_links(
    session: Session, seizure_id: int, verdicts: Collection[str] | None = None
) -> list[Link]:
    """Every link of the seizure's media, whichever side found it (only ``verdicts`` if given).

    A link between two media both in the seizure is given once from each.
    """
    found = session.execute(
        select(*_COLUMNS, BankEntry, Bank)
        .outerjoin(BankEntry, Match.bank_entry_id == BankEntry.id)
        .outerjoin(Bank, BankEntry.bank_id == Bank.id)
        .where(*_of_seizure(Match.media_id, seizure_id, verdicts))
        .order_by(Match.id)
    )
    links = [
        Link(
            row.id,
            row.media_id,
            row.signal,
            row.verdict,
            row.distance,
            row.variant,
            row.query_share,
            row.target_share,
            row.BankEntry,
            row.Bank,
            row.other_media_id,
            reverse=False,
        )
        for row in found
    ]
    # Found when the other media's seizure was matched: read from this side, the two media
    # and the two shares swap places.
    found_back = session.execute(
        select(*_COLUMNS)
        .where(*_of_seizure(Match.other_media_id, seizure_id, verdicts))
        .order_by(Match.id)
    )
    links += [
        Link(
            row.id,
            row.other_media_id,
            row.signal,
            row.verdict,
            row.distance,
            row.variant,
            row.target_share,
            row.query_share,
            None,
            None,
            row.media_id,
            reverse=True,
        )
        for row in found_back
    ]
    return links

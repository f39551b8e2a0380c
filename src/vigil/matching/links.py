"""The links of a seizure: every match tying one of its media to a bank entry or other media.

A link between two seizures' media is stored once, by whichever seizure was matched later
(matching skips a pair already found the other way round), so from the earlier seizure's
side it is a match whose *other* media is this seizure's. Everything that reads a seizure's
matches — the triage report, ``vigil match list``, reviews — reads them here, so that each
sees the same links from either side and a link a reviewer cannot see never counts.

Links are read for a viewer: only those whose other side the viewer may see (the policy
decides), each with the verdict of the viewer's agency (open when it has not reviewed).
A link to something hidden is not a link for this viewer: it is a hit
(``vigil.sharing.policy.hidden_hits``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from vigil.sharing.policy import Viewer, match_condition
from vigil.store.models import Bank, BankEntry, Match, MatchReview, Sighting


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


def verdict_column() -> ColumnElement[str]:
    """The reviewing agency's verdict (``open`` when none); needs :func:`with_reviews`."""
    return func.coalesce(MatchReview.verdict, "open")


def with_reviews(query: Any, agency_id: int) -> Any:
    """``query`` (over Match) joined to the reviews of ``agency_id``'s agency only."""
    return query.outerjoin(
        MatchReview, and_(MatchReview.match_id == Match.id, MatchReview.agency_id == agency_id)
    )


def _of_seizure(
    viewer: Viewer,
    own: InstrumentedAttribute[Any],
    seizure_id: int,
    verdicts: Collection[str] | None,
) -> list[ColumnElement[bool]]:
    """Visible matches whose ``own`` side is one of the seizure's media (with ``verdicts``)."""
    in_seizure = select(Sighting.media_id).where(Sighting.seizure_id == seizure_id)
    conditions: list[ColumnElement[bool]] = [own.in_(in_seizure), match_condition(viewer)]
    if verdicts is not None:
        conditions.append(verdict_column().in_(sorted(verdicts)))
    return conditions


# What a link reads of a match: columns, not ORM objects, since a seizure may have millions.
_COLUMNS = (
    Match.id,
    Match.media_id,
    Match.signal,
    verdict_column().label("verdict"),
    Match.distance,
    Match.variant,
    Match.query_share,
    Match.target_share,
    Match.other_media_id,
)


def seizure_links(
    session: Session, viewer: Viewer, seizure_id: int, verdicts: Collection[str] | None = None
) -> list[Link]:
    """Every link of the seizure's media that the viewer may see, whichever side found it
    (only ``verdicts`` of the viewer's agency if given).

    A link between two media both in the seizure is given once from each. The caller has
    checked that the viewer may see the seizure.
    """
    found = session.execute(
        with_reviews(select(*_COLUMNS, BankEntry, Bank), viewer.agency_id)
        .outerjoin(BankEntry, Match.bank_entry_id == BankEntry.id)
        .outerjoin(Bank, BankEntry.bank_id == Bank.id)
        .where(*_of_seizure(viewer, Match.media_id, seizure_id, verdicts))
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
        with_reviews(select(*_COLUMNS), viewer.agency_id)
        .where(*_of_seizure(viewer, Match.other_media_id, seizure_id, verdicts))
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

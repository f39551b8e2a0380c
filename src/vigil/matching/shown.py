"""One match, and one media, as a reviewer is shown them: both sides, where each was seen, the
bank entry matched, and the viewer's agency's verdict — as far as the viewer may see.

The match review page and the media page read these; the seizures, cases, banks and series
named are only those the policy lets the viewer see (a case it may not see is
``UNSHARED_CASE``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.banks.formats.categories import SCHEMES
from vigil.matching.links import verdict_column, with_reviews
from vigil.sharing.policy import (
    Viewer,
    check_match,
    check_media,
    match_target_condition,
    media_condition,
    seizure_condition,
    series_condition,
)
from vigil.sharing.records import bank_label, case_shown
from vigil.store.models import (
    Bank,
    BankEntry,
    Case,
    Match,
    MatchReview,
    Media,
    Seizure,
    Series,
    SeriesMedia,
    Sighting,
)

#: At most this many sightings of one media are listed.
SEEN_SHOWN = 50


@dataclass(frozen=True)
class Seen:
    """A file the media was seen as, in a seizure the viewer may see."""

    case: str
    seizure: str
    seizure_id: int
    run_id: int
    path: str


@dataclass(frozen=True)
class EntryShown:
    """The bank entry a match found: its bank (as the viewer names it), category, series."""

    entry_id: int
    bank: str
    category: str | None
    category_label: str | None
    series: str | None
    victim_identified: bool | None


@dataclass(frozen=True)
class MatchShown:
    """A match with both of its sides."""

    id: int
    signal: str
    distance: int | None
    variant: str | None
    query_share: float | None
    target_share: float | None
    #: The viewer's agency's verdict (``open`` when it has not reviewed), and by whom.
    verdict: str
    note: str | None
    reviewed_by: str | None
    media_id: int
    media_seen: list[Seen]
    other_media_id: int | None
    other_seen: list[Seen]
    entry: EntryShown | None


@dataclass(frozen=True)
class MatchOfMedia:
    """A match of one media, seen from that media."""

    match_id: int
    signal: str
    distance: int | None
    verdict: str
    #: The other side in words: a bank entry, or other media.
    other: str


@dataclass(frozen=True)
class MediaShown:
    """A media: its facts, where the viewer may see it, its matches and its series."""

    id: int
    kind: str
    format: str
    size: int
    width: int | None
    height: int | None
    duration: float | None
    sha256: str
    sha1: str
    md5: str
    pdq: str | None
    seen: list[Seen]
    matches: list[MatchOfMedia]
    #: (series id, name) of the series it belongs to that the viewer may see.
    series: list[tuple[int, str]]


def where_seen(session: Session, viewer: Viewer, media_id: int) -> list[Seen]:
    """The files ``media_id`` was seen as in seizures the viewer may see (the first few)."""
    rows = session.execute(
        select(case_shown(viewer), Seizure.name, Seizure.id, Sighting.ingest_run_id, Sighting.path)
        .join(Seizure, Sighting.seizure_id == Seizure.id)
        .join(Case, Seizure.case_id == Case.id)
        .where(Sighting.media_id == media_id, seizure_condition(viewer))
        .order_by(Sighting.id)
        .limit(SEEN_SHOWN)
    )
    return [Seen(*row) for row in rows]


def _entry(viewer: Viewer, entry: BankEntry, bank: Bank) -> EntryShown:
    scheme = SCHEMES.get(bank.category_scheme)
    label = None
    if scheme is not None and entry.category is not None:
        label = scheme.labels.get(entry.category)
    return EntryShown(
        entry.id,
        bank_label(viewer, bank),
        entry.category,
        label,
        entry.series,
        entry.victim_identified,
    )


def match_shown(session: Session, viewer: Viewer, match_id: int) -> MatchShown:
    """The match with both sides; NotVisibleError unless the viewer may see it."""
    check_match(session, viewer, match_id)
    row = session.execute(
        with_reviews(
            select(Match, verdict_column(), MatchReview.note, MatchReview.reviewed_by),
            viewer.agency_id,
        ).where(Match.id == match_id)
    ).one()
    match, verdict, note, reviewed_by = row
    entry = None
    if match.bank_entry_id is not None:
        found = session.execute(
            select(BankEntry, Bank)
            .join(Bank, BankEntry.bank_id == Bank.id)
            .where(BankEntry.id == match.bank_entry_id)
        ).one()
        entry = _entry(viewer, found[0], found[1])
    other = match.other_media_id
    return MatchShown(
        id=match.id,
        signal=match.signal,
        distance=match.distance,
        variant=match.variant,
        query_share=match.query_share,
        target_share=match.target_share,
        verdict=verdict,
        note=note,
        reviewed_by=reviewed_by,
        media_id=match.media_id,
        media_seen=where_seen(session, viewer, match.media_id),
        other_media_id=other,
        other_seen=[] if other is None else where_seen(session, viewer, other),
        entry=entry,
    )


def _matches_of(session: Session, viewer: Viewer, media_id: int) -> list[MatchOfMedia]:
    forward = session.execute(
        with_reviews(select(Match, verdict_column()), viewer.agency_id)
        .where(Match.media_id == media_id, match_target_condition(viewer))
        .order_by(Match.id)
    )
    backward = session.execute(
        with_reviews(select(Match, verdict_column()), viewer.agency_id)
        .where(Match.other_media_id == media_id, media_condition(viewer, Match.media_id))
        .order_by(Match.id)
    )
    found = []
    for match, verdict in forward:
        if match.bank_entry_id is not None:
            other = f"bank entry {match.bank_entry_id}"
        else:
            other = f"media {match.other_media_id}"
        found.append(MatchOfMedia(match.id, match.signal, match.distance, verdict, other))
    for match, verdict in backward:
        found.append(
            MatchOfMedia(match.id, match.signal, match.distance, verdict, f"media {match.media_id}")
        )
    return sorted(found, key=lambda shown: shown.match_id)


def media_shown(session: Session, viewer: Viewer, media_id: int) -> MediaShown:
    """The media with where it was seen, its matches and series; NotVisibleError unless the
    viewer may see it."""
    check_media(session, viewer, media_id)
    media = session.get_one(Media, media_id)
    series = session.execute(
        select(Series.id, Series.name)
        .join(SeriesMedia, SeriesMedia.series_id == Series.id)
        .where(SeriesMedia.media_id == media_id, series_condition(viewer))
        .order_by(Series.name)
    )
    return MediaShown(
        id=media.id,
        kind=media.kind,
        format=media.format,
        size=media.size,
        width=media.width,
        height=media.height,
        duration=media.duration,
        sha256=media.sha256,
        sha1=media.sha1,
        md5=media.md5,
        pdq=media.pdq,
        seen=where_seen(session, viewer, media_id),
        matches=_matches_of(session, viewer, media_id),
        series=list(series),
    )

"""Matching a seizure against what is known: every bank, and media of other seizures.

Exact matches join on md5 / sha1 / sha256. Pictures are matched by PDQ within a Hamming
radius, each queried with all its variants (rotations, mirrors, borders trimmed) so that a
turned or letterboxed copy is found, and the variant that matched is recorded. Videos are
matched by vPDQ: candidates come from a frame index, then both shares (this video's frames
found in the other, the other's found in this) are measured, so a clip cut from a longer
video shows as a partial copy. Hashes below the quality threshold are never used for fuzzy
matching, and how many were skipped is counted. Matching is idempotent: running it again
adds only what is new, so an interrupted ingest simply matches again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from vigil.banks.staging import visible_entries
from vigil.index.pdq import PdqIndex, codes_from_hex
from vigil.matching.indexes import SignalIndexes
from vigil.signals import vpdq
from vigil.signals.pdq_variants import UNLETTERBOXED, PdqVariants
from vigil.signals.registry import EXACT, PDQ, VPDQ
from vigil.store.insert import insert_ignoring_duplicates
from vigil.store.models import BankEntry, Match, Media, Seizure, Sighting

EXACT_SIGNALS = tuple(s.name for s in EXACT)
# Pictures read and matched at a time, so a seizure of millions never sits in memory at once.
_CHUNK = 5000


@dataclass(frozen=True)
class MatchSettings:
    """Thresholds of fuzzy matching (defaults: Meta's recommended values)."""

    pdq_radius: int = PDQ.default_threshold
    quality_threshold: int = PDQ.quality_floor
    vpdq_share: float = VPDQ.default_threshold

    def __post_init__(self) -> None:
        if not 0 <= self.pdq_radius <= 128:
            raise ValueError(f"PDQ radius must be between 0 and 128, not {self.pdq_radius}")
        if not 0 <= self.quality_threshold <= 100:
            raise ValueError(f"quality threshold must be 0..100, not {self.quality_threshold}")
        if not 0 < self.vpdq_share <= 1:
            raise ValueError(f"vPDQ share must be in (0, 1], not {self.vpdq_share}")


@dataclass
class MatchStats:
    """What one matching pass found (new findings only) and what it could not use."""

    exact: int = 0
    pdq: int = 0
    vpdq: int = 0
    #: Pictures and video frames whose PDQ quality is below the threshold (not matched on).
    low_quality_pictures: int = 0
    low_quality_frames: int = 0


def _in_seizure(seizure_id: int) -> ColumnElement[bool]:
    return exists().where(Sighting.media_id == Media.id, Sighting.seizure_id == seizure_id)


def _in_other_seizure(seizure_id: int) -> ColumnElement[bool]:
    return exists().where(Sighting.media_id == Media.id, Sighting.seizure_id != seizure_id)


def _store(session: Session, rows: Sequence[dict[str, Any]], finder: int) -> None:
    """Insert the findings not yet stored (a finding is stored once, however often found),
    as found by agency ``finder`` (verdicts on them are per agency)."""
    for start in range(0, len(rows), 1000):
        session.execute(
            insert_ignoring_duplicates(session, Match.__table__),
            [{**row, "agency_id": finder} for row in rows[start : start + 1000]],
        )


def _added(session: Session, work: Callable[[], None]) -> int:
    """How many matches ``work`` stored that were not stored before."""
    before = _count(session)
    work()
    return _count(session) - before


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count(Match.id))) or 0)


def _finding(
    media_id: int, signal: str, *, entry: int | None = None, media: int | None = None, **values: Any
) -> dict[str, Any]:
    target_key = f"bank_entry:{entry}" if entry is not None else f"media:{media}"
    return {
        "media_id": media_id,
        "target_key": target_key,
        "bank_entry_id": entry,
        "other_media_id": media,
        "signal": signal,
        "distance": values.get("distance"),
        "variant": values.get("variant"),
        "query_share": values.get("query_share"),
        "target_share": values.get("target_share"),
    }


def _exact_findings(session: Session, seizure_id: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for signal in EXACT_SIGNALS:
        pairs = session.execute(
            select(Media.id, BankEntry.id)
            .join(BankEntry, getattr(BankEntry, signal) == getattr(Media, signal))
            .where(_in_seizure(seizure_id), visible_entries())
        )
        rows.extend(
            _finding(media_id, signal, entry=entry_id, distance=0) for media_id, entry_id in pairs
        )
    return rows


class PictureHashes(Protocol):
    """What matching reads of a picture: a Media row, or just these columns of it."""

    @property
    def id(self) -> int: ...
    @property
    def pdq(self) -> str | None: ...
    @property
    def pdq_quality(self) -> int | None: ...
    @property
    def pdq_variants(self) -> dict[str, Any] | None: ...


def queries(media: PictureHashes, quality_threshold: int) -> list[tuple[str, str]]:
    """The PDQ hashes a picture is looked up with, each labelled with its variant.

    A picture too flat to match on may still hold a detailed picture inside uniform borders:
    then only the trimmed picture's hashes are used.
    """
    fit = (media.pdq_quality or 0) >= quality_threshold
    if not media.pdq_variants:
        return [("original", media.pdq)] if media.pdq and fit else []
    labelled = PdqVariants.from_json(media.pdq_variants).queries(min_quality=quality_threshold)
    return labelled if fit else [q for q in labelled if q[0].startswith(UNLETTERBOXED)]


def _fit(media: PictureHashes, quality_threshold: int) -> bool:
    """Whether :func:`queries` gives the picture any hash, told without parsing its hashes."""
    if (media.pdq_quality or 0) >= quality_threshold:
        return bool(media.pdq)
    trimmed = (media.pdq_variants or {}).get(UNLETTERBOXED)
    return isinstance(trimmed, dict) and int(trimmed.get("quality") or 0) >= quality_threshold


def _best_hits(
    index: PdqIndex, labelled: Sequence[tuple[int, str, str]], radius: int
) -> dict[tuple[int, int], tuple[int, str]]:
    """For each (picture, target) the closest (distance, variant); the original wins ties.

    ``labelled`` holds (media id, variant label, hex) queries, each picture's original first.
    """
    if not labelled or not len(index):
        return {}
    hits = index.search_many(codes_from_hex([hex_digits for _, _, hex_digits in labelled]), radius)
    best: dict[tuple[int, int], tuple[int, str]] = {}
    for (media_id, label, _), found in zip(labelled, hits, strict=True):
        for target, distance in found:
            key = (media_id, target)
            if key not in best or distance < best[key][0]:
                best[key] = (distance, label)
    return best


def _others_seen(session: Session, seizure_id: int) -> bool:
    """Whether any picture outside this seizure is stored: else a picture hit links nothing."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    Sighting.seizure_id != seizure_id,
                    Sighting.media_id == Media.id,
                    Media.pdq.is_not(None),
                )
            )
        )
    )


def _seen_only_here(session: Session, seizure_id: int) -> set[int]:
    """Media of this seizure seen in no other: a hit on one of them links to nothing."""
    return set(
        session.scalars(
            select(Media.id).where(_in_seizure(seizure_id), ~_in_other_seizure(seizure_id))
        )
    )


def _linked_from_elsewhere(session: Session, seizure_id: int, signal: str) -> set[tuple[int, int]]:
    """(this seizure's media, other media) pairs already found the other way round.

    When a later seizure's media matched this one's, matching this seizure again must not
    record the same link a second time from this side.
    """
    rows = session.execute(
        select(Match.other_media_id, Match.media_id).where(
            Match.signal == signal,
            Match.other_media_id.in_(
                select(Sighting.media_id).where(Sighting.seizure_id == seizure_id)
            ),
        )
    )
    return {(own, other) for own, other in rows if own is not None}


def _pdq_findings(
    session: Session,
    seizure_id: int,
    settings: MatchSettings,
    indexes: SignalIndexes,
    stats: MatchStats,
    finder: int,
) -> None:
    """Store the seizure's PDQ matches (found by agency ``finder``), reading its pictures a
    chunk at a time."""
    local = _seen_only_here(session, seizure_id)
    known = _linked_from_elsewhere(session, seizure_id, PDQ.name)
    others = _others_seen(session, seizure_id)
    columns = (Media.id, Media.pdq, Media.pdq_quality, Media.pdq_variants)
    pictures = select(*columns).where(Media.pdq.is_not(None), _in_seizure(seizure_id))
    if not (len(indexes.banks) or others):
        # Nothing to find: only count what could not have been matched. A picture of the
        # quality needed is fit whatever its variants: only the others' are read.
        below = func.coalesce(Media.pdq_quality, 0) < settings.quality_threshold
        unfit = session.execute(pictures.where(below).execution_options(yield_per=_CHUNK))
        stats.low_quality_pictures += sum(
            1 for row in unfit if not _fit(row, settings.quality_threshold)
        )
        return
    for chunk in session.execute(pictures.execution_options(yield_per=_CHUNK)).partitions():
        labelled = []
        for row in chunk:
            found = queries(row, settings.quality_threshold)
            if not found:
                stats.low_quality_pictures += 1
            labelled += [(row.id, label, hex_digits) for label, hex_digits in found]
        rows = [
            _finding(media_id, PDQ.name, entry=entry_id, distance=distance, variant=label)
            for (media_id, entry_id), (distance, label) in _best_hits(
                indexes.banks, labelled, settings.pdq_radius
            ).items()
        ]
        if others:
            rows += [
                _finding(media_id, PDQ.name, media=other, distance=distance, variant=label)
                for (media_id, other), (distance, label) in _best_hits(
                    indexes.pictures, labelled, settings.pdq_radius
                ).items()
                if other != media_id and other not in local and (media_id, other) not in known
            ]
        _store(session, rows, finder)


def _reliable_frames(frames: list[vpdq.VpdqFrame], quality_threshold: int) -> list[vpdq.VpdqFrame]:
    return [f for f in frames if f.quality >= quality_threshold]


def _vpdq_findings(
    session: Session,
    seizure_id: int,
    settings: MatchSettings,
    indexes: SignalIndexes,
    stats: MatchStats,
) -> list[dict[str, Any]]:
    videos = list(
        session.scalars(select(Media).where(Media.kind == "video", _in_seizure(seizure_id)))
    )
    local = _seen_only_here(session, seizure_id)
    known = _linked_from_elsewhere(session, seizure_id, VPDQ.name)
    rows = []
    for video in videos:
        all_frames = vpdq.from_json(video.vpdq or [])
        frames = _reliable_frames(all_frames, settings.quality_threshold)
        stats.low_quality_frames += len(all_frames) - len(frames)
        if not frames or not len(indexes.frames):
            continue
        hits = indexes.frames.search_many(
            codes_from_hex([f.pdq_hex for f in frames]), settings.pdq_radius
        )
        candidates = {other for found in hits for other, _ in found} - {video.id} - local
        candidates -= {other for own, other in known if own == video.id}
        for other in sorted(candidates):
            other_frames = vpdq.from_json(session.get_one(Media, other).vpdq or [])
            shares = vpdq.compare(
                frames,
                _reliable_frames(other_frames, settings.quality_threshold),
                pdq_threshold=settings.pdq_radius,
                quality_threshold=0,
            )
            if max(shares) >= settings.vpdq_share:
                rows.append(
                    _finding(
                        video.id,
                        VPDQ.name,
                        media=other,
                        query_share=round(shares.a_in_b, 4),
                        target_share=round(shares.b_in_a, 4),
                    )
                )
    return rows


def match_seizure(
    session: Session,
    seizure_id: int,
    settings: MatchSettings | None = None,
    indexes: SignalIndexes | None = None,
) -> MatchStats:
    """Match every media of the seizure against all banks and all other seizures' media.

    ``indexes`` are refreshed from the store first; without them, fresh ones are built.
    """
    settings = settings or MatchSettings()
    if indexes is None or indexes.quality_threshold != settings.quality_threshold:
        indexes = SignalIndexes(settings.quality_threshold)
    indexes.refresh(session)
    stats = MatchStats()
    # What this run stores is found by the seizure's agency.
    finder = session.get_one(Seizure, seizure_id).agency_id
    stats.exact = _added(
        session, lambda: _store(session, _exact_findings(session, seizure_id), finder)
    )
    stats.pdq = _added(
        session, lambda: _pdq_findings(session, seizure_id, settings, indexes, stats, finder)
    )
    stats.vpdq = _added(
        session,
        lambda: _store(
            session, _vpdq_findings(session, seizure_id, settings, indexes, stats), finder
        ),
    )
    return stats

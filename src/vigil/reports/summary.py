"""The headline numbers of a seizure, read back from the store."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from vigil.sharing.policy import Viewer, check_seizure
from vigil.store.models import IngestError, Media, Sighting


@dataclass(frozen=True)
class SeizureSummary:
    """Files, distinct media by type, duplicates within the seizure and errors by reason."""

    files: int
    bytes: int
    media: int
    media_by_kind: dict[str, int]
    media_by_format: dict[str, int]
    duplicates: int
    errors: int
    errors_by_reason: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable form."""
        return asdict(self)


def _counts(session: Session, query: Select[str, int]) -> dict[str, int]:
    return {str(row[0]): int(row[1]) for row in session.execute(query)}


def summarize_seizure(session: Session, viewer: Viewer, seizure_id: int) -> SeizureSummary:
    """Count what the store holds for one seizure: NotVisibleError unless the viewer may
    see it (hidden and missing alike)."""
    check_seizure(session, viewer, seizure_id)
    in_seizure = Sighting.seizure_id == seizure_id
    sightings, size = session.execute(
        select(func.count(Sighting.id), func.coalesce(func.sum(Sighting.size), 0)).where(in_seizure)
    ).one()
    # Kinds and formats in one pass over the seizure's media (each a count of both).
    by_kind: Counter[str] = Counter()
    by_format: Counter[str] = Counter()
    kinds_and_formats = session.execute(
        select(Media.kind, Media.format, func.count())
        .where(Media.id.in_(select(Sighting.media_id).where(in_seizure)))
        .group_by(Media.kind, Media.format)
    )
    for kind, fmt, count in kinds_and_formats:
        by_kind[kind] += count
        by_format[fmt] += count
    errors_by_reason = _counts(
        session,
        select(IngestError.stage + ": " + IngestError.reason, func.count())
        .where(IngestError.seizure_id == seizure_id)
        .group_by(IngestError.stage, IngestError.reason),
    )
    distinct_media = sum(by_kind.values())
    return SeizureSummary(
        files=sightings + sum(errors_by_reason.values()),
        bytes=int(size),
        media=distinct_media,
        media_by_kind=dict(sorted(by_kind.items())),
        media_by_format=dict(sorted(by_format.items())),
        duplicates=sightings - distinct_media,
        errors=sum(errors_by_reason.values()),
        errors_by_reason=dict(sorted(errors_by_reason.items())),
    )

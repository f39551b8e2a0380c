"""The headline numbers of a seizure, read back from the store."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

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


def summarize_seizure(session: Session, seizure_id: int) -> SeizureSummary:
    """Count what the store holds for one seizure."""
    in_seizure = Sighting.seizure_id == seizure_id
    sightings, size = session.execute(
        select(func.count(Sighting.id), func.coalesce(func.sum(Sighting.size), 0)).where(in_seizure)
    ).one()
    distinct_media = (
        session.scalar(select(func.count(distinct(Sighting.media_id))).where(in_seizure)) or 0
    )
    media_ids = select(Sighting.media_id).where(in_seizure).distinct().subquery()
    joined = select(Media).join(media_ids, media_ids.c.media_id == Media.id).subquery()
    by_kind = dict(
        session.execute(select(joined.c.kind, func.count()).group_by(joined.c.kind)).tuples()
    )
    by_format = dict(
        session.execute(select(joined.c.format, func.count()).group_by(joined.c.format)).tuples()
    )
    error_rows = session.execute(
        select(IngestError.stage, IngestError.reason, func.count())
        .where(IngestError.seizure_id == seizure_id)
        .group_by(IngestError.stage, IngestError.reason)
    ).tuples()
    errors_by_reason = {f"{stage}: {reason}": count for stage, reason, count in error_rows}
    errors = sum(errors_by_reason.values())
    return SeizureSummary(
        files=sightings + errors,
        bytes=int(size),
        media=distinct_media,
        media_by_kind=dict(sorted(by_kind.items())),
        media_by_format=dict(sorted(by_format.items())),
        duplicates=sightings - distinct_media,
        errors=errors,
        errors_by_reason=dict(sorted(errors_by_reason.items())),
    )

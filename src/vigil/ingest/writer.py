"""The single writer: stores a batch of worker results in one transaction.

A batch is all-or-nothing, so a run killed mid-batch leaves no half-written file behind and
the resumed run simply does that batch again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.ingest.records import FileResult, display_path
from vigil.store.insert import insert_ignoring_duplicates
from vigil.store.models import IngestError, Media, Sighting

_CHUNK = 400


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _media_ids(session: Session, hashes: Sequence[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in _chunks(hashes):
        rows = session.execute(select(Media.sha256, Media.id).where(Media.sha256.in_(chunk)))
        ids.update({sha256: media_id for sha256, media_id in rows})
    return ids


def write_results(
    session: Session,
    seizure_id: int,
    run_id: int,
    results: Sequence[FileResult],
    replacing: Collection[bytes] = (),
) -> None:
    """Store media, sightings and errors for ``results`` (the caller commits).

    ``replacing`` are relative paths whose stored error these results replace (files tried
    again after they crashed a worker in an earlier run): those rows are deleted first.
    """
    for chunk in _chunks(list(replacing)):
        session.execute(
            delete(IngestError).where(
                IngestError.seizure_id == seizure_id, IngestError.path_raw.in_(chunk)
            )
        )
    media_rows: dict[str, dict[str, Any]] = {}
    for result in results:
        if result.media is not None:
            # Core inserts take column names: MediaRecord's fields are named after them. A
            # shallow copy: asdict's deep copy of every metadata dict showed in profiles.
            media_rows.setdefault(result.media.sha256, dict(vars(result.media)))
    if media_rows:
        for chunk in _chunks(list(media_rows.values())):
            session.execute(insert_ignoring_duplicates(session, Media.__table__), list(chunk))
    ids = _media_ids(session, list(media_rows))
    sightings = [
        {
            "media_id": ids[result.media.sha256],
            "seizure_id": seizure_id,
            "ingest_run_id": run_id,
            "path": display_path(result.task.relpath),
            "path_raw": result.task.relpath,
            "size": result.task.size,
            "mtime": result.task.mtime,
            "extension_mismatch": result.extension_mismatch,
        }
        for result in results
        if result.media is not None
    ]
    errors = [
        {
            "seizure_id": seizure_id,
            "ingest_run_id": run_id,
            "path": display_path(result.task.relpath),
            "path_raw": result.task.relpath,
            "stage": result.error_stage,
            "reason": result.error_reason,
            "size": result.task.size,
            "sha256": result.sha256,
        }
        for result in results
        if result.media is None
    ]
    for table, rows in ((Sighting.__table__, sightings), (IngestError.__table__, errors)):
        for chunk in _chunks(rows):
            session.execute(insert_ignoring_duplicates(session, table), list(chunk))


def done_paths(session: Session, seizure_id: int) -> set[bytes]:
    """Relative paths of the seizure already stored as a sighting or an error."""
    seen = set(session.scalars(select(Sighting.path_raw).where(Sighting.seizure_id == seizure_id)))
    seen.update(
        session.scalars(select(IngestError.path_raw).where(IngestError.seizure_id == seizure_id))
    )
    return seen


def crashed_paths(session: Session, seizure_id: int) -> set[bytes]:
    """Relative paths of the seizure stored as an error because they crashed a worker."""
    return set(
        session.scalars(
            select(IngestError.path_raw).where(
                IngestError.seizure_id == seizure_id, IngestError.stage == "crash"
            )
        )
    )

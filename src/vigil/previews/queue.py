"""Which media of a seizure still need a preview, most urgent first, and where their files are.

The order puts first what an investigator must look at first: media behind a missing-child
alert, then media nothing matched (new material), then near-duplicates (PDQ / vPDQ matches,
or identical to another seizure's media), and last media an exact hash in a bank already
knows. Media whose preview is made are left out, so an interrupted pass resumes where it
stopped; those that failed are tried again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import IntEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.previews.vault import PreviewKind
from vigil.signals.registry import EXACT
from vigil.store.models import (
    Alert,
    AlertKind,
    IngestRun,
    Match,
    Media,
    Preview,
    PreviewState,
    Sighting,
)

#: Media kinds that have a preview, and the kind of preview each has.
PREVIEW_KIND_OF: dict[str, PreviewKind] = {"image": "thumb", "video": "strip"}
_EXACT_SIGNALS = tuple(signal.name for signal in EXACT)


class Urgency(IntEnum):
    """Why a media's preview comes when it does: lower first."""

    MISSING_CHILD = 0
    NEW = 1
    NEAR_DUPLICATE = 2
    KNOWN = 3


@dataclass(frozen=True)
class PreviewTask:
    """One media whose preview is to be made, from one file of the seizure."""

    media_id: int
    sha256: str
    kind: PreviewKind
    #: The file, absolute (the ingest run's root joined with the sighting's path).
    path: str
    urgency: Urgency


@dataclass(frozen=True)
class PreviewCounts:
    """A seizure's previews: made, failed, and not yet tried, of its pictures and videos."""

    made: int
    failed: int
    missing: int

    @property
    def total(self) -> int:
        """Pictures and videos of the seizure."""
        return self.made + self.failed + self.missing


def preview_counts(session: Session, seizure_id: int) -> PreviewCounts:
    """How many of the seizure's pictures and videos have a preview made, failed or none."""
    media = select(Sighting.media_id).where(Sighting.seizure_id == seizure_id)
    rows = {
        state: count
        for state, count in session.execute(
            select(Preview.state, func.count())
            .join(Media, Media.id == Preview.media_id)
            .where(Preview.media_id.in_(media), Media.kind.in_(tuple(PREVIEW_KIND_OF)))
            .group_by(Preview.state)
        )
    }
    total = session.scalar(
        select(func.count())
        .select_from(Media)
        .where(Media.id.in_(media), Media.kind.in_(tuple(PREVIEW_KIND_OF)))
    )
    made = rows.get(PreviewState.MADE.value, 0)
    failed = rows.get(PreviewState.FAILED.value, 0)
    return PreviewCounts(made=made, failed=failed, missing=(total or 0) - made - failed)


def _urgencies(session: Session, seizure_id: int, media_ids: list[int]) -> dict[int, Urgency]:
    """Each media's urgency (see :class:`Urgency`); the most urgent reason wins."""
    missing_child = set(
        session.scalars(
            select(Alert.media_id).where(
                Alert.seizure_id == seizure_id, Alert.kind == AlertKind.MISSING_CHILD.value
            )
        )
    )
    known: set[int] = set()
    matched: set[int] = set()
    for media_id, signal, entry in session.execute(
        select(Match.media_id, Match.signal, Match.bank_entry_id).where(
            Match.media_id.in_(select(Sighting.media_id).where(Sighting.seizure_id == seizure_id))
        )
    ):
        matched.add(media_id)
        if entry is not None and signal in _EXACT_SIGNALS:
            known.add(media_id)
    urgency: dict[int, Urgency] = {}
    for media_id in media_ids:
        if media_id in missing_child:
            urgency[media_id] = Urgency.MISSING_CHILD
        elif media_id in known:
            urgency[media_id] = Urgency.KNOWN
        elif media_id in matched:
            urgency[media_id] = Urgency.NEAR_DUPLICATE
        else:
            urgency[media_id] = Urgency.NEW
    return urgency


def preview_queue(session: Session, seizure_id: int) -> list[PreviewTask]:
    """The seizure's pictures and videos without a made preview, most urgent first.

    Each is read from one of its files in this seizure (the first stored); ties keep the
    media's order of arrival.
    """
    made = select(Preview.media_id).where(Preview.state == PreviewState.MADE.value)
    rows = session.execute(
        select(
            Media.id,
            Media.sha256,
            Media.kind,
            IngestRun.root_path,
            Sighting.path_raw,
        )
        .join(Sighting, Sighting.media_id == Media.id)
        .join(IngestRun, IngestRun.id == Sighting.ingest_run_id)
        .where(
            Sighting.seizure_id == seizure_id,
            Media.kind.in_(tuple(PREVIEW_KIND_OF)),
            Media.id.not_in(made),
        )
        .order_by(Media.id, Sighting.id)
    )
    first: dict[int, tuple[str, str, str, bytes]] = {}
    for media_id, sha256, kind, root, relative in rows:
        first.setdefault(media_id, (sha256, kind, root, relative))
    urgency = _urgencies(session, seizure_id, list(first))
    tasks = [
        PreviewTask(
            media_id=media_id,
            sha256=sha256,
            kind=PREVIEW_KIND_OF[kind],
            path=os.fsdecode(os.path.join(os.fsencode(root), relative)),
            urgency=urgency[media_id],
        )
        for media_id, (sha256, kind, root, relative) in first.items()
    ]
    tasks.sort(key=lambda task: (task.urgency, task.media_id))
    return tasks


def failed_previews(session: Session, seizure_id: int) -> list[str]:
    """The seizure's failed previews as ``PATH: ERROR``, named by this seizure's own paths.

    The error stored on a media's row names no file: the same media may be in seizures of
    other agencies, whose paths are theirs.
    """
    rows = session.execute(
        select(Preview.media_id, Sighting.path, Preview.error)
        .join(Sighting, Sighting.media_id == Preview.media_id)
        .where(Sighting.seizure_id == seizure_id, Preview.state == PreviewState.FAILED.value)
        .order_by(Preview.media_id, Sighting.id)
    )
    first: dict[int, str] = {}
    for media_id, path, error in rows:
        first.setdefault(media_id, f"{path}: {error or 'no reason recorded'}")
    return list(first.values())

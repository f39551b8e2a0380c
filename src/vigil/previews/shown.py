"""Showing previews: the blurred one to whoever may see the media, the clear one on a reveal.

Both check the media's visibility through the sharing policy first, so a media the viewer may
not see is "no media" exactly like a missing one. A reveal is an act: one ``preview.reveal``
event in the audit trail and one more reveal on the user's exposure counter, in the same
transaction as the read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.previews.exposure import count_reveal
from vigil.previews.queue import PREVIEW_KIND_OF
from vigil.previews.vault import PreviewKind, PreviewVault
from vigil.sharing.audit import Action, record
from vigil.sharing.policy import Viewer, check_media
from vigil.store.models import Media, Preview, PreviewState


class PreviewNotMadeError(Exception):
    """The media has no preview yet (the pass has not reached it, or its file failed)."""


@dataclass(frozen=True)
class StoredPreview:
    """Where a visible media's preview is kept, and whether it is made."""

    media_id: int
    sha256: str
    #: The clear preview's kind (thumb, strip); None for media that have none.
    kind: PreviewKind | None
    made: bool


def stored_preview(session: Session, viewer: Viewer, media_id: int) -> StoredPreview:
    """The media's preview record; NotVisibleError when the viewer may not see the media."""
    check_media(session, viewer, media_id)
    sha256, kind, state = session.execute(
        select(Media.sha256, Media.kind, Preview.state)
        .outerjoin(Preview, Preview.media_id == Media.id)
        .where(Media.id == media_id)
    ).one()
    clear = PREVIEW_KIND_OF.get(kind)
    made = clear is not None and state == PreviewState.MADE.value
    return StoredPreview(media_id, sha256, clear, made)


def blurred_preview(
    session: Session, viewer: Viewer, vault: PreviewVault, media_id: int
) -> bytes | None:
    """The media's blurred greyscale JPEG, or None while none is made.

    NotVisibleError when the viewer may not see the media.
    """
    found = stored_preview(session, viewer, media_id)
    return vault.get(found.sha256, "blur") if found.made else None


def reveal_preview(
    session: Session,
    viewer: Viewer,
    vault: PreviewVault,
    *,
    user_id: int,
    media_id: int,
    day: date,
) -> bytes:
    """The media's clear JPEG, the reveal audited and counted on ``day`` (in ``session``).

    NotVisibleError when the viewer may not see the media; PreviewNotMadeError (nothing
    audited or counted) when its preview is not made.
    """
    found = stored_preview(session, viewer, media_id)
    clear = vault.get(found.sha256, found.kind) if found.made and found.kind else None
    if clear is None or found.kind is None:
        raise PreviewNotMadeError(f"media {media_id}: no preview is made yet")
    count_reveal(session, viewer, user_id, day)
    details = {"media": media_id, "kind": found.kind}
    record(session, Action.PREVIEW_REVEAL, f"media:{found.sha256}", details, viewer.actor)
    return clear

"""Records written as ingest stores them, for tests of who may see what."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.store.models import Agency, IngestRun, Media, Seizure, Sighting
from vigil.store.repo import case_by_reference, seizure_by_name


def add_media(session: Session, tag: str) -> Media:
    """A picture whose hashes are made from ``tag`` (distinct tags, distinct media)."""
    digest = tag.encode().hex().ljust(64, "0")[:64]
    media = Media(
        sha256=digest,
        sha1=digest[:40],
        md5=digest[:32],
        size=1,
        kind="image",
        format="jpeg",
        mime="image/jpeg",
    )
    session.add(media)
    session.flush()
    return media


def add_seizure(session: Session, agency_code: str, case: str, media: Media) -> Seizure:
    """Agency ``agency_code``'s seizure "phone" of case ``case``, holding ``media`` as
    ``CASE.jpg`` (one complete ingest run)."""
    owner = session.scalars(select(Agency).where(Agency.code == agency_code)).one()
    seizure = seizure_by_name(session, case_by_reference(session, owner, case), "phone")
    run = IngestRun(
        seizure_id=seizure.id, root_path="/x", status="complete", pdq_mode="fast", workers=1
    )
    session.add(run)
    session.flush()
    path = f"{case}.jpg"
    session.add(
        Sighting(
            media_id=media.id,
            seizure_id=seizure.id,
            ingest_run_id=run.id,
            path=path,
            path_raw=path.encode(),
            size=1,
            mtime=0.0,
        )
    )
    session.flush()
    return seizure

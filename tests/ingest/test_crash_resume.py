"""A file recorded as having crashed its worker in an earlier run is tried again on resume."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.imagegen import make_jpeg
from vigil.ingest.pipeline import IngestRequest, ingest
from vigil.store.db import Store
from vigil.store.models import IngestError, IngestRun, Media, Sighting

# What Vigil recorded before crashed files were tried again (a worker killed from outside).
OLD_REASON = "worker died reading this file (exit None)"


def test_resume_retries_a_crash_error_and_stores_the_media(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "phone"
    root.mkdir()
    for seed in range(3):
        make_jpeg(root / f"IMG_{seed}.jpg", seed=seed, size=(80, 60))
    first = ingest(store, IngestRequest(root=root, case_reference="OP-1", workers=1))
    # Make the store what an interrupted run whose worker was killed on IMG_1.jpg left.
    with store.session() as session:
        sighting = session.scalars(select(Sighting).where(Sighting.path == "IMG_1.jpg")).one()
        session.add(
            IngestError(
                seizure_id=sighting.seizure_id,
                ingest_run_id=first.run_id,
                path=sighting.path,
                path_raw=sighting.path_raw,
                stage="crash",
                reason=OLD_REASON,
                size=sighting.size,
            )
        )
        session.delete(sighting)
        session.get_one(IngestRun, first.run_id).status = "interrupted"

    outcome = ingest(store, IngestRequest(root=root, case_reference="OP-1", workers=1))

    assert outcome.resumed
    assert outcome.processed == 1
    assert outcome.summary.files == 3
    assert outcome.summary.errors == 0
    with store.session() as session:
        assert session.scalars(select(IngestError)).all() == []
        retried = session.scalars(select(Sighting).where(Sighting.path == "IMG_1.jpg")).one()
        assert session.get_one(Media, retried.media_id).kind == "image"

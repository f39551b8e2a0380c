"""Ingest end to end on SQLite and PostgreSQL: media, sightings, errors, summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.ingest.seizuregen import build_bad, build_good, build_odd_but_fine
from vigil.ingest.pipeline import IngestInputError, IngestRequest, ingest
from vigil.store.db import Store
from vigil.store.models import IngestError, IngestRun, Media, Sighting


@pytest.fixture
def seizure_dir(tmp_path: Path) -> Path:
    root = tmp_path / "phone"
    build_good(root)
    return root


def test_ingest_stores_every_file_once(store: Store, seizure_dir: Path) -> None:
    outcome = ingest(store, IngestRequest(root=seizure_dir, case_reference="OP-1", workers=2))

    summary = outcome.summary
    assert summary.files == 8
    assert summary.media_by_kind == {"image": 5, "other": 1, "video": 1}
    assert summary.duplicates == 1
    assert summary.errors == 0
    with store.session() as session:
        images = session.scalars(select(Media).where(Media.kind == "image")).all()
        assert all(len(m.pdq or "") == 64 and m.pdq_quality is not None for m in images)
        assert {(m.width, m.height) for m in images} == {(160, 120), (120, 90)}
        video = session.scalars(select(Media).where(Media.kind == "video")).one()
        assert video.vpdq
        assert video.duration == pytest.approx(2.0, abs=0.2)
        copy = session.scalars(select(Sighting).where(Sighting.path == "Backup/copy.jpg")).one()
        original = session.scalars(
            select(Sighting).where(Sighting.path == "DCIM/IMG_0000.jpg")
        ).one()
        assert copy.media_id == original.media_id
        run = session.get_one(IngestRun, outcome.run_id)
        assert run.status == "completed"
        assert run.files_total == 8


def test_bad_input_is_recorded_and_the_run_goes_on(store: Store, seizure_dir: Path) -> None:
    expected = build_bad(seizure_dir)
    fine = build_odd_but_fine(seizure_dir)

    outcome = ingest(store, IngestRequest(root=seizure_dir, case_reference="OP-2", workers=2))

    with store.session() as session:
        errors = {e.path_raw: e for e in session.scalars(select(IngestError))}
        sightings = {s.path_raw: s for s in session.scalars(select(Sighting))}
        for bad in expected:
            assert bad.relpath in errors, f"{bad.relpath!r} not recorded as an error"
            error = errors[bad.relpath]
            assert error.stage == bad.stage, (bad.relpath, error.stage, error.reason)
            assert bad.reason in error.reason, (bad.relpath, error.reason)
        assert len(errors) == len(expected)
        for relpath, fmt in fine.items():
            assert sightings[relpath].media.format == fmt
        assert sightings[b"lying.jpg"].extension_mismatch == "jpg"
        assert sightings[b"DCIM/IMG_0001.jpg"].extension_mismatch is None
        assert sightings[b"caf\xe9-latin1.jpg"].path == "caf\\xe9-latin1.jpg"
    assert outcome.summary.errors == len(expected)
    assert outcome.summary.media_by_kind["image"] == 7


def test_ingesting_again_adds_nothing(store: Store, seizure_dir: Path) -> None:
    request = IngestRequest(root=seizure_dir, case_reference="OP-3", workers=1)
    first = ingest(store, request)
    second = ingest(store, request)
    assert second.processed == 0
    assert second.summary == first.summary


def test_missing_folder_is_an_input_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(IngestInputError, match="no such folder"):
        ingest(store, IngestRequest(root=tmp_path / "absent", case_reference="OP-4"))

"""The demo seizure ingests to exactly what its manifest says it holds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from vigil.demo.build import build_demo_seizure
from vigil.demo.manifest import DemoManifest
from vigil.ingest.pipeline import IngestRequest, ingest
from vigil.store.db import Store
from vigil.store.models import IngestError, Sighting


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return build_demo_seizure(tmp_path_factory.mktemp("demo") / "seizure")


def test_demo_seizure_ingests_as_its_manifest_says(store: Store, demo: DemoManifest) -> None:
    outcome = ingest(store, IngestRequest(root=demo.root, case_reference="DEMO-1", workers=2))

    summary = outcome.summary
    assert summary.media_by_kind["image"] + summary.media_by_kind["video"] == demo.distinct_media
    assert summary.media_by_kind["other"] == len(demo.non_media)
    assert summary.duplicates == len(demo.duplicates)
    assert summary.errors == len(demo.bad_files) + len(demo.symlink_loops)
    assert summary.files == demo.file_count + len(demo.symlink_loops)
    with store.session() as session:
        failed = {os.fsdecode(e.path_raw) for e in session.scalars(select(IngestError))}
        formats = {
            os.fsdecode(s.path_raw): s.media.format for s in session.scalars(select(Sighting))
        }
    assert failed == {str(p) for p in [b.path for b in demo.bad_files] + list(demo.symlink_loops)}
    assert {str(p) for p in demo.videos} <= {
        path for path, fmt in formats.items() if fmt in {"mp4", "avi", "mkv", "webm", "mov"}
    }
    for misnamed in demo.misnamed:
        assert Path(misnamed).suffix.lstrip(".") not in formats[str(misnamed)]

"""A file whose name claims a media type its content is not has its sighting record the lie."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.imagegen import make_jpeg, make_png
from vigil.ingest.pipeline import IngestRequest, ingest
from vigil.store.db import Store
from vigil.store.models import Sighting


def test_every_lying_extension_is_recorded(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "card"
    root.mkdir()
    (root / "notes.jpg").write_text("meeting on tuesday\n")  # text named as a photo
    (root / "invoice.mp4").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")  # PDF named as a video
    make_png(root / "holiday.jpg")  # one picture format named as another
    make_jpeg(root / "photo.txt")  # a picture named as text
    make_jpeg(root / "honest.jpg")
    (root / "honest.txt").write_text("nothing to hide\n")

    ingest(store, IngestRequest(root=root, case_reference="OP-7", workers=1))

    with store.session() as session:
        recorded = {s.path: s.extension_mismatch for s in session.scalars(select(Sighting))}
    assert recorded == {
        "notes.jpg": "jpg",
        "invoice.mp4": "mp4",
        "holiday.jpg": "jpg",
        "photo.txt": "txt",
        "honest.jpg": None,
        "honest.txt": None,
    }

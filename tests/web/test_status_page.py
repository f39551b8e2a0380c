"""The status page and its API list ingest runs with their headline numbers."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.imagegen import make_jpeg
from vigil.ingest.pipeline import IngestRequest, ingest
from vigil.store.db import Store
from vigil.web.app import create_app


def test_status_page_lists_ingest_runs(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "usb-stick"
    folder.mkdir()
    for seed in range(3):
        make_jpeg(folder / f"{seed}.jpg", seed=seed)
    ingest(store, IngestRequest(root=folder, case_reference="OP-WEB", workers=1))
    client = TestClient(create_app(store))

    runs = client.get("/api/ingest-runs").json()
    assert [(r["case"], r["seizure"], r["status"]) for r in runs] == [
        ("OP-WEB", "usb-stick", "completed")
    ]
    assert runs[0]["summary"]["media_by_kind"] == {"image": 3}

    page = client.get("/")
    assert page.status_code == 200
    assert "OP-WEB" in page.text
    assert "usb-stick" in page.text


def test_status_page_without_runs_says_how_to_start(store: Store) -> None:
    page = TestClient(create_app(store)).get("/")
    assert "No ingest runs yet" in page.text

"""The status page and its API list ingest runs with their headline numbers."""

from __future__ import annotations

from pathlib import Path

from tests.imagegen import make_jpeg
from tests.web.network import logged_in
from vigil.ingest.pipeline import IngestRequest, ingest
from vigil.store.db import Store
from vigil.web.app import create_app


def test_status_page_lists_ingest_runs(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "usb-stick"
    folder.mkdir()
    for seed in range(3):
        make_jpeg(folder / f"{seed}.jpg", seed=seed)
    ingest(store, IngestRequest(root=folder, case_reference="OP-WEB", workers=1))
    client = logged_in(create_app(store), store)

    runs = client.get("/api/ingest-runs").json()["items"]
    assert [(r["case"], r["seizure"], r["status"]) for r in runs] == [
        ("OP-WEB", "usb-stick", "completed")
    ]
    assert runs[0]["summary"]["media_by_kind"] == {"image": 3}

    page = client.get("/")
    assert page.status_code == 200
    assert "OP-WEB" in page.text
    assert "usb-stick" in page.text


def test_status_page_without_runs_says_how_to_start(store: Store) -> None:
    page = logged_in(create_app(store), store).get("/")
    assert "No ingest runs yet" in page.text

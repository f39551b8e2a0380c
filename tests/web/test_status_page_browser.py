"""The status page in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.imagegen import make_jpeg
from vigil.config import Settings, sqlite_url
from vigil.ingest.pipeline import IngestRequest, ingest
from vigil.store.db import Store
from vigil.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A store holding one ingest run, served by uvicorn on a free local port."""
    data_dir = tmp_path / "data"
    store = Store(Settings(data_dir=data_dir, database_url=sqlite_url(data_dir)))
    folder = tmp_path / "sd-card"
    folder.mkdir()
    for seed in range(2):
        make_jpeg(folder / f"{seed}.jpg", seed=seed)
    ingest(store, IngestRequest(root=folder, case_reference="OP-BROWSER", workers=1))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


def test_status_page_shows_the_run_in_chromium(served: str) -> None:
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not installed (Debian package chromium; make system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.goto(served)
        row = page.locator("#runs tbody tr")
        assert row.count() == 1
        cells = row.first.locator("td").all_inner_texts()
        browser.close()
    assert cells[1:4] == ["OP-BROWSER", "sd-card", "completed"]
    assert cells[4] == "2"

"""The demo site the browser tests run against: one data dir built the way ``make run``
builds it, a few users of known passwords, served by uvicorn on a free loopback port.

The demo seizure, the demo bank and the ingest come from the ``vigil`` command itself (as in
the Makefile); the users are made here with passwords the tests know:

- ``analyst-a``: analyst and supervisor of DEMO-A, the agency holding the seizure;
- ``auditor-a``: admin and auditor of DEMO-A;
- ``analyst-b``: analyst of DEMO-B; ``viewer-b``: viewer of DEMO-B.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from sqlalchemy import select

from tests.web.network import PASSWORD
from vigil.config import Settings, sqlite_url
from vigil.demo.users import create_demo_users
from vigil.previews.keys import load_key
from vigil.previews.vault import PreviewVault
from vigil.sharing.accounts import create_user
from vigil.sharing.actor import local_actor
from vigil.sharing.agencies import find_agency
from vigil.store.db import Store
from vigil.store.models import Case, IngestRun, Match, Media, Role, Seizure, Sighting
from vigil.web.app import create_app

VIGIL = Path(sys.executable).with_name("vigil")
CASE = "DEMO-1"
SEIZURE = "demo-phone"
ANALYST_A = "analyst-a"
AUDITOR_A = "auditor-a"
ANALYST_B = "analyst-b"
VIEWER_B = "viewer-b"
USERS = {
    ANALYST_A: ("DEMO-A", (Role.ANALYST, Role.SUPERVISOR)),
    AUDITOR_A: ("DEMO-A", (Role.ADMIN, Role.AUDITOR)),
    ANALYST_B: ("DEMO-B", (Role.ANALYST,)),
    VIEWER_B: ("DEMO-B", (Role.VIEWER,)),
}


@dataclass(frozen=True)
class Site:
    """The served demo: its address (ending in ``/``), its store and the demo run's ids."""

    url: str
    store: Store
    run_id: int
    seizure_id: int

    def at(self, path: str) -> str:
        """The absolute address of ``path`` (which starts with ``/``)."""
        return self.url + path.lstrip("/")

    def stored_previews(self, media_id: int) -> tuple[bytes | None, bytes | None]:
        """The vault's clear preview (thumbnail or strip) and blurred one of a media."""
        with self.store.session() as session:
            media = session.get_one(Media, media_id)
            sha256, video = media.sha256, media.kind == "video"
        vault = PreviewVault(self.store.settings.data_dir, load_key(self.store.settings.data_dir))
        return vault.get(sha256, "strip" if video else "thumb"), vault.get(sha256, "blur")

    def case_id(self) -> int:
        """The id of the demo case."""
        with self.store.session() as session:
            return session.scalars(select(Case.id).where(Case.reference == CASE)).one()

    def matched_media(self, match_id: int) -> int:
        """The seized media of a match."""
        with self.store.session() as session:
            return session.get_one(Match, match_id).media_id

    def run_matches(self) -> list[int]:
        """The ids of the demo run's matches, oldest first."""
        with self.store.session() as session:
            return list(
                session.scalars(
                    select(Match.id)
                    .join(Sighting, Sighting.media_id == Match.media_id)
                    .where(Sighting.ingest_run_id == self.run_id)
                    .distinct()
                    .order_by(Match.id)
                )
            )


def _vigil(*args: str, cwd: Path) -> None:
    """Run the ``vigil`` command; its output is shown when it fails."""
    done = subprocess.run([str(VIGIL), *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"vigil {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


def build_demo(folder: Path) -> Settings:
    """The Makefile's ``run`` target up to ``serve``, in ``folder``, plus the test users."""
    data_dir = folder / "vigil-data"
    where = ("--data-dir", str(data_dir))
    _vigil("demo", "build", "demo-seizure", "--bank", "demo-seizure-bank.json", cwd=folder)
    bank = ("demo-seizure-bank.json", "--bank", "demo-known", "--create", "--agency", "DEMO-A")
    settings = Settings(data_dir=data_dir, database_url=sqlite_url(data_dir))
    store = Store(settings)
    try:
        with store.session() as session:
            create_demo_users(session, local_actor())
            for username, (code, roles) in USERS.items():
                agency = find_agency(session, code)
                create_user(session, agency, username, username.title(), roles, PASSWORD)
    finally:
        store.close()
    _vigil("bank", "import", *bank, *where, cwd=folder)
    ingest = ("demo-seizure", "--case", CASE, "--seizure", SEIZURE, "--agency", "DEMO-A")
    _vigil("ingest", *ingest, "--workers", "1", *where, cwd=folder)
    return settings


def demo_ids(store: Store) -> tuple[int, int]:
    """The demo seizure's id and its ingest run's."""
    with store.session() as session:
        seizure_id = session.scalars(select(Seizure.id).where(Seizure.name == SEIZURE)).one()
        run_id = session.scalars(
            select(IngestRun.id).where(IngestRun.seizure_id == seizure_id)
        ).one()
    return seizure_id, run_id


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(store: Store) -> Iterator[str]:
    """``store`` served by uvicorn in a thread on a free loopback port until the block ends;
    the base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start within 20 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def served(settings: Settings) -> Iterator[Site]:
    """The demo store of ``settings`` served until the block ends."""
    store = Store(settings)
    seizure_id, run_id = demo_ids(store)
    try:
        with serving(store) as base_url:
            yield Site(base_url, store, run_id, seizure_id)
    finally:
        store.close()

"""The triage page of a 100,000-media seizure: one page of 200 tiles, and its 200 previews.

Writes a synthetic store with the ORM's tables (no file is decoded): agency A's seizure of
``--media`` media (5% videos) in 100 folders, a tenth of them known exactly to a bank of
A's, a twentieth by near-duplicate (categories 1-3), a fifth with capture facts, and a
hundredth also held in agency B's restricted seizure; then 200 encrypted previews (thumbnail
and blurred) in the preview vault for the media of the grid's first page. A logged-in
analyst of A then GETs, through the app in-process (FastAPI's TestClient):

* the triage page (first page, no filter), ``--rounds`` times;
* the page with filters (has match, a folder) and the last page of the grid;
* the page followed by its first screen of previews (35) and by all 200 of them, one
  request after the other (a browser asks for several at once), ``--rounds`` times;
* then, as a browser loads it from ``vigil serve`` (1 and 2 worker processes, over real
  HTTP on a loopback port): the page, then its 200 previews over six connections at once
  (Chromium's limit per host), ``--rounds`` times.

and the median and 95th percentile of each are printed, with the median CPU time of the
process (what a request costs whatever else the machine runs). Target: page + previews < 1 s.

    .venv/bin/python bench/triage_page.py [--media 100000] [--rounds 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import http.client
import io
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.orm import Session

from vigil.banks.catalog import DEFAULT_CATEGORY_SCHEME
from vigil.config import Settings, sqlite_url
from vigil.demo.samples import load_sample_photo
from vigil.previews.keys import load_key
from vigil.previews.make import blurred
from vigil.previews.vault import PreviewVault
from vigil.sharing.accounts import create_user, find_user
from vigil.sharing.actor import Actor
from vigil.sharing.agencies import create_agency
from vigil.sharing.policy import resolve
from vigil.store.db import Store
from vigil.store.models import (
    Agency,
    AgencyKind,
    Bank,
    BankEntry,
    IngestRun,
    Match,
    Media,
    MediaCapture,
    Preview,
    PreviewState,
    Role,
    Sighting,
    utcnow,
)
from vigil.store.repo import case_by_reference, seizure_by_name
from vigil.web.app import create_app
from vigil.web.auth import CSRF_HEADER, SESSION_COOKIE, start_session
from vigil.web.config import WebConfig
from vigil.web.pages.previews import PENDING_HEADER

A = Actor("bench", "NCB-A")
B = Actor("bench", "NCB-B")
USER = "triage-bench"
PASSWORD = "a long bench password, never used to log in"
CHUNK = 10_000


def _run(session: Session, actor: Actor, case: str, name: str) -> tuple[int, int]:
    viewer = resolve(session, actor)
    agency = session.get_one(Agency, viewer.agency_id)
    seizure = seizure_by_name(session, case_by_reference(session, agency, case), name)
    run = IngestRun(
        seizure_id=seizure.id, root_path="/bench", status="completed", pdq_mode="fast", workers=1
    )
    session.add(run)
    session.flush()
    return seizure.id, run.id


def _media(start: int, stop: int, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for i in range(start, stop):
        digest = f"{i:064x}"
        video = i % 20 == 0
        rows.append(
            {
                "id": i,
                "sha256": digest,
                "sha1": digest[:40],
                "md5": digest[:32],
                "size": 1000,
                "kind": "video" if video else "image",
                "format": "mp4" if video else "jpeg",
                "mime": "video/mp4" if video else "image/jpeg",
                "pdq": None if video else f"{rng.getrandbits(256):064x}",
                "pdq_quality": None if video else 100,
                "media_metadata": {},
            }
        )
    return rows


def _path(i: int) -> str:
    return f"DCIM/{i % 100:03d}/IMG_{i:07d}.jpg"


def _sightings(seizure: int, run: int, media: range, folder: Callable[[int], str]) -> Any:
    return [
        {
            "media_id": m,
            "seizure_id": seizure,
            "ingest_run_id": run,
            "path": folder(m),
            "path_raw": folder(m).encode(),
            "size": 1000,
            "mtime": 0.0,
        }
        for m in media
    ]


def build(store: Store, n: int) -> int:
    """The synthetic store; the id of the big seizure's run."""
    rng = random.Random(12)
    with store.session() as session:
        fr = create_agency(session, A.agency, "Agency A", AgencyKind.NCB, "FR", "desk a")
        create_agency(session, B.agency, "Agency B", AgencyKind.NCB, "DE", "desk b")
        create_user(session, fr, USER, "Bench", [Role.ANALYST], PASSWORD)
    with store.session() as session:
        big, big_run = _run(session, A, "A-BIG", "phone")
        hidden, hidden_run = _run(session, B, "B-SECRET", "laptop")
        for start in range(1, n + 1, CHUNK):
            stop = min(start + CHUNK, n + 1)
            session.execute(insert(Media), _media(start, stop, rng))
            session.execute(insert(Sighting), _sightings(big, big_run, range(start, stop), _path))
        held = range(1, n + 1, 100)
        session.execute(
            insert(Sighting), _sightings(hidden, hidden_run, held, lambda m: f"b/{m}.jpg")
        )
        bank = Bank(
            name="A-BANK",
            agency_id=resolve(session, A).agency_id,
            dissemination="owner",
            category_scheme=DEFAULT_CATEGORY_SCHEME,
        )
        session.add(bank)
        session.flush()
        exact = list(range(3, n + 1, 10))
        near = list(range(7, n + 1, 20))
        known = exact + near
        session.execute(
            insert(BankEntry),
            [
                {"id": k + 1, "bank_id": bank.id, "md5": f"{m:032x}", "category": str(1 + m % 3)}
                for k, m in enumerate(known)
            ],
        )
        session.execute(
            insert(Match),
            [
                {
                    "media_id": m,
                    "target_key": f"bank_entry:{k + 1}",
                    "bank_entry_id": k + 1,
                    "signal": "md5" if k < len(exact) else "pdq",
                    "distance": 0 if k < len(exact) else 14,
                }
                for k, m in enumerate(known)
            ],
        )
        session.execute(
            insert(MediaCapture),
            [
                {
                    "media_id": m,
                    "camera": f"Acme|Snap {m % 7}|SN-{m % 50}",
                    "taken_at": f"2025-{1 + m % 12:02d}-{1 + m % 28:02d}T12:00:00",
                }
                for m in range(2, n + 1, 5)
            ],
        )
        return big_run


def store_previews(store: Store, data_dir: Path, media_ids: list[int]) -> None:
    """A thumbnail and a blurred preview of a sample photograph for each media, in the
    vault, and the preview pass's record of each (made)."""
    picture = load_sample_photo("coffee")
    picture.thumbnail((256, 256))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    clear = buffer.getvalue()
    blur = blurred(clear)
    vault = PreviewVault(data_dir, load_key(data_dir))
    for media_id in media_ids:
        digest = f"{media_id:064x}"
        vault.put(digest, "thumb", clear)
        vault.put(digest, "blur", blur)
    with store.session() as session:
        session.execute(
            insert(Preview),
            [{"media_id": m, "kind": "thumb", "state": PreviewState.MADE.value} for m in media_ids],
        )


def _timed(call: Callable[[], Any], rounds: int) -> tuple[float, float, float]:
    """Median and 95th percentile of the wall time of ``rounds`` calls, and the median CPU
    time of this process (the app runs in it): the CPU figure is what the request costs,
    whatever else the machine is running."""
    times, cpu = [], []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, statistics.median(cpu)


#: Connections a browser opens to one host at once (Chromium, HTTP/1.1).
BROWSER_CONNECTIONS = 6


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def served_rounds(
    data: Path, url: str, ids: list[int], secret: str, workers: int, rounds: int
) -> tuple[float, float]:
    """Median and 95th percentile of the page and its previews loaded as a browser loads
    them, from ``vigil serve --workers N`` over the store in ``data``: the page, then the
    previews over ``BROWSER_CONNECTIONS`` kept-alive connections at once."""
    port = _free_port()
    command = [sys.executable, "-m", "vigil", "serve", "--data-dir", str(data)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    headers = {"Cookie": f"{SESSION_COOKIE}={secret}"}
    local = threading.local()

    def get(path: str) -> None:
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local.connection.request("GET", path, headers=headers)
        answer = local.connection.getresponse()
        answer.read()
        if answer.status != 200:
            raise RuntimeError(f"GET {path} answered {answer.status}")

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=5).request("GET", "/login")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("vigil serve did not start") from None
                time.sleep(0.2)
        with ThreadPoolExecutor(BROWSER_CONNECTIONS) as pool:
            # Every worker warmed up (its first requests open the vault and the database).
            list(pool.map(get, [f"/media/{ids[0]}/preview"] * 8 * workers))

            def load() -> None:
                get(url)
                list(pool.map(get, [f"/media/{m}/preview" for m in ids]))

            median, p95, _ = _timed(load, rounds)
            return median, p95
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=int, default=100_000, help="Media in the seizure.")
    parser.add_argument("--rounds", type=int, default=20, help="Timed requests of each kind.")
    parser.add_argument("--database-url", help="Database (default: a new SQLite file).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        store = Store(Settings(data, args.database_url or sqlite_url(data)))
        started = time.perf_counter()
        run_id = build(store, args.media)
        print(f"built {args.media:,} media in {time.perf_counter() - started:.1f} s")
        client = TestClient(create_app(store, WebConfig()), base_url="https://testserver")
        with store.session() as session:
            secret, row = start_session(
                session, find_user(session, USER), "127.0.0.1", utcnow(), WebConfig()
            )
            client.cookies.set(SESSION_COOKIE, secret)
            client.headers[CSRF_HEADER] = row.csrf_token
        url = f"/runs/{run_id}"
        first = client.get(url)
        first.raise_for_status()
        ids = [
            int(i) for i in re.findall(r'<li class="tile[^"]*"[^>]*data-media="(\d+)"', first.text)
        ]
        print(f"page: {len(ids)} tiles, {len(first.text) // 1024} KiB")
        store_previews(store, data, ids)
        preview = client.get(f"/media/{ids[0]}/preview")
        previews_served = preview.status_code == 200 and PENDING_HEADER not in preview.headers

        def page(query: str = "") -> None:
            client.get(f"{url}{query}").raise_for_status()

        def page_and_previews(count: int) -> None:
            page()
            for media_id in ids[:count]:
                client.get(f"/media/{media_id}/preview").raise_for_status()

        last = ((args.media - 1) // 200) * 200
        cases: list[tuple[str, Callable[[], None]]] = [
            ("page (200 tiles, new first)", page),
            ("page, has match + folder filter", lambda: page("?has_match=yes&folder=DCIM/043/")),
            ("page, camera + date filter", lambda: page("?camera=snap 3&taken_from=2025-03-01")),
            (f"last page (offset {last:,})", lambda: page(f"?offset={last}")),
        ]
        if previews_served:
            # The tiles start as lazy images: a browser at 1366x768 first asks for the few
            # in view (five rows of seven), the rest as the grid scrolls.
            cases.append(("page + first screen (35 previews)", lambda: page_and_previews(35)))
            cases.append(("page + all 200 previews", lambda: page_and_previews(200)))
        else:
            print(
                f"GET /media/N/preview answered {preview.status_code} (or a placeholder): not timed"
            )
        print(f"{'request':<36}{'median':>10}{'p95':>10}{'cpu':>10}")
        for label, call in cases:
            median, p95, cpu = _timed(call, args.rounds)
            print(f"{label:<36}{median * 1000:>7.0f} ms{p95 * 1000:>7.0f} ms{cpu * 1000:>7.0f} ms")
        if previews_served and not args.database_url:
            secret = client.cookies[SESSION_COOKIE]
            for workers in (1, 2):
                median, p95 = served_rounds(data, url, ids, secret, workers, args.rounds)
                label = f"served, {workers} worker(s): page + 200"
                print(f"{label:<36}{median * 1000:>7.0f} ms{p95 * 1000:>7.0f} ms{'':>10}")
        store.close()


if __name__ == "__main__":
    main()

"""Raising the alerts of a large seizure: the set-based queries at 100,000 media.

Writes a synthetic store with the ORM's tables (no pictures are decoded): agency A's seizure
``big`` of ``--media`` pictures, every one with a camera body serial and a GPS position
(scattered over a few places); agency B's seizure of another case sharing a tenth of the
files, taken with one of the same cameras and near one of the places; a series of A's
holding a hundredth of the files and matched (PDQ) by a twentieth, its victim identified;
a missing-child report whose reference seizure shares a few files. Then times
``raise_alerts`` on ``big`` twice (the second raises nothing) and prints the figures.

    .venv/bin/python bench/alerts.py [--media 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from vigil.cases.alerts import list_alerts, raise_alerts
from vigil.config import Settings, sqlite_url
from vigil.sharing.actor import Actor
from vigil.sharing.agencies import create_agency
from vigil.sharing.policy import resolve
from vigil.store.db import Store
from vigil.store.models import (
    Agency,
    AgencyKind,
    Alert,
    IngestRun,
    Match,
    Media,
    MissingChildReport,
    RecordType,
    Seizure,
    Series,
    SeriesLink,
    SeriesMedia,
    Sighting,
    Victim,
)
from vigil.store.repo import case_by_reference, seizure_by_name

A = Actor("bench", "NCB-A")
B = Actor("bench", "NCB-B")
PLACES = [(48.85, 2.35), (52.52, 13.40), (41.90, 12.49), (40.41, -3.70), (59.33, 18.06)]


def _seizure(session: Session, actor: Actor, case: str, name: str) -> tuple[int, int]:
    viewer = resolve(session, actor)
    agency = session.get_one(Agency, viewer.agency_id)
    seizure = seizure_by_name(session, case_by_reference(session, agency, case), name)
    run = IngestRun(
        seizure_id=seizure.id, root_path="/bench", status="completed", pdq_mode="fast", workers=1
    )
    session.add(run)
    session.flush()
    return seizure.id, run.id


def _media_rows(
    start: int, count: int, rng: random.Random, place: int | None
) -> list[dict[str, Any]]:
    rows = []
    for i in range(start, start + count):
        lat, lon = PLACES[place if place is not None else i % len(PLACES)]
        digest = f"{i:064x}"
        rows.append(
            {
                "id": i,
                "sha256": digest,
                "sha1": digest[:40],
                "md5": digest[:32],
                "size": 1000,
                "kind": "image",
                "format": "jpeg",
                "mime": "image/jpeg",
                "pdq": f"{rng.getrandbits(256):064x}",
                "pdq_quality": 100,
                "media_metadata": {
                    "exif": {
                        "make": "Acme",
                        "model": "Snap",
                        "serial_number": f"SN-{i % 50}",
                        "gps": {
                            "lat": lat + rng.uniform(-0.01, 0.01),
                            "lon": lon + rng.uniform(-0.01, 0.01),
                        },
                    }
                },
            }
        )
    return rows


def _sightings(seizure: int, run: int, media: range, prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "media_id": m,
            "seizure_id": seizure,
            "ingest_run_id": run,
            "path": f"{prefix}/{m:07d}.jpg",
            "path_raw": f"{prefix}/{m:07d}.jpg".encode(),
            "size": 1000,
            "mtime": 0.0,
        }
        for m in media
    ]


def build(store: Store, n: int) -> int:
    """The synthetic store; the id of the big seizure."""
    rng = random.Random(7)
    with store.session() as session:
        create_agency(session, A.agency, "Agency A", AgencyKind.NCB, "FR", "desk a")
        create_agency(session, B.agency, "Agency B", AgencyKind.NCB, "DE", "desk b")
    with store.session() as session:
        big, big_run = _seizure(session, A, "A-BIG", "big")
        other, other_run = _seizure(session, B, "B-OTHER", "laptop")
        # Shared with every member: A's alerts name it (a hidden one would be a hit notice).
        session.get_one(Seizure, other).dissemination = "all"
        reference, reference_run = _seizure(session, B, "MISSING-R1", "reference")
        for start in range(1, n + 1, 10_000):
            count = min(10_000, n + 1 - start)
            session.execute(insert(Media), _media_rows(start, count, rng, None))
        extra = n + 1
        session.execute(insert(Media), _media_rows(extra, n // 10, rng, 0))
        session.execute(insert(Sighting), _sightings(big, big_run, range(1, n + 1), "big"))
        shared = range(1, n // 10 + 1)
        session.execute(insert(Sighting), _sightings(other, other_run, shared, "other"))
        own = range(extra, extra + n // 10)
        session.execute(insert(Sighting), _sightings(other, other_run, own, "other-own"))
        session.execute(insert(Sighting), _sightings(reference, reference_run, range(1, 6), "ref"))
        agency_a = resolve(session, A).agency_id
        series = Series(name="BENCH-SERIES", agency_id=agency_a, dissemination="all")
        session.add(series)
        victim = Victim(
            label="BENCH-CHILD",
            agency_id=agency_a,
            status="identified",
            identified_by_agency_id=agency_a,
            identified_on=date(2025, 1, 1),
        )
        session.add(victim)
        session.flush()
        session.add(
            SeriesLink(
                series_id=series.id,
                record_type=RecordType.VICTIM.value,
                record_id=victim.id,
                linked_by="bench",
            )
        )
        members = range(extra, extra + n // 100)
        session.execute(
            insert(SeriesMedia),
            [{"series_id": series.id, "media_id": m, "assigned_by": "bench"} for m in members],
        )
        session.execute(
            insert(Match),
            [
                {
                    "media_id": m,
                    "target_key": f"media:{extra + (m % (n // 100))}",
                    "other_media_id": extra + (m % (n // 100)),
                    "signal": "pdq",
                    "distance": 10,
                    "variant": "original",
                }
                for m in range(1, n // 20 + 1)
            ],
        )
        session.add(
            MissingChildReport(
                reference="R1",
                agency_id=resolve(session, B).agency_id,
                country="DE",
                child_label="BENCH-MISSING",
                missing_since=date(2026, 1, 1),
                seizure_id=reference,
            )
        )
        return big


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=int, default=100_000, help="Pictures in the seizure.")
    parser.add_argument("--database-url", help="Database (default: a new SQLite file).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        store = Store(Settings(data, args.database_url or sqlite_url(data)))
        started = time.perf_counter()
        seizure_id = build(store, args.media)
        print(f"built {args.media:,} media in {time.perf_counter() - started:.1f} s")
        for attempt in ("first", "again"):
            started = time.perf_counter()
            with store.session() as session:
                raised = raise_alerts(session, resolve(session, A), seizure_id)
                count = len(raised)
            print(f"raise ({attempt}): {count} new alerts in {time.perf_counter() - started:.2f} s")
        with store.session() as session:
            alerts = list_alerts(session, resolve(session, A), seizure_id)
            total = session.scalar(select(func.count()).select_from(Alert))
            seizures = session.scalar(select(func.count()).select_from(Seizure))
        print(f"{total} alerts stored over {seizures} seizures; on the big seizure:")
        for alert in alerts[:6]:
            print(f"  {alert.priority} {alert.headline()} | {alert.evidence_line()}")
        if len(alerts) > 6:
            print(f"  ... {len(alerts) - 6} more")
        store.close()


if __name__ == "__main__":
    main()

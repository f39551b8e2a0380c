"""Suggested series for a large seizure: time, memory, and pairwise precision and recall of
the grouping against planted groups.

Writes a synthetic SQLite store (Media and Sighting rows made directly: no picture is
decoded, so this measures the grouping, not hashing) holding one seizure of ``--media``
pictures. Every picture has a random PDQ hash; most belong to planted groups of 2-8, each
tied by one kind of evidence (or several, for "mixed" groups):

- pdq: a random base hash, each member a few bits (1-10) from it;
- camera: one body serial a group, members hours apart;
- gps: members within 30 m of a point of one 50 km x 50 km region (so groups of different
  truth can be close: GPS evidence is not meant to be perfect);
- burst: one of five popular make/models without a serial, members 10-60 s apart;
- series: each member matches (a Match row) the one media of an existing series of its own;
- mixed: pdq + camera + gps.

The rest are singletons ("noise"): a third of them with a position in the same region, a third
with a capture time and one of the popular models, so that evidence can join them wrongly.
Then ``cases.suggest.suggestions`` is timed for each kind of evidence alone, all kinds, and all
kinds with bursts across devices, each in a fresh process (its peak RSS is that run's).

    .venv/bin/python bench/suggest.py [--media 100000] [--seed 11] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import math
import multiprocessing as mp
import pstats
import random
import resource
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from vigil.cases.suggest import EvidenceKind, EvidenceSettings, suggestions
from vigil.config import Settings, sqlite_url
from vigil.sharing.actor import Actor
from vigil.sharing.policy import resolve
from vigil.store.db import Store
from vigil.store.models import IngestRun, Match, Media, Series, SeriesMedia, Sighting
from vigil.store.repo import (
    DEFAULT_AGENCY_CODE,
    case_by_reference,
    default_agency,
    seizure_by_name,
)

ACTOR = Actor("bench", DEFAULT_AGENCY_CODE)
KINDS = ("pdq", "camera", "gps", "burst", "series", "mixed")
# Share of planted groups of each kind (the rest of the media are noise).
GROUP_SHARE = {
    "pdq": 0.35,
    "camera": 0.15,
    "gps": 0.15,
    "burst": 0.15,
    "series": 0.05,
    "mixed": 0.15,
}
MODELS = [("Acme", f"Pocket {n}") for n in range(5)]
REGION = (45.70, 4.80)  # south-west corner; 50 km each way
REGION_DEGREES = (50_000 / 111_320, 50_000 / (111_320 * math.cos(math.radians(45.9))))
START = datetime(2023, 1, 1, tzinfo=UTC)


@dataclass
class Planted:
    """The synthetic seizure: its id and each media's group (noise: a group of its own)."""

    seizure_id: int
    group_of: dict[int, int]
    kind_of_group: dict[int, str]


def _flip(value: int, bits: int, rng: random.Random) -> int:
    for bit in rng.sample(range(256), bits):
        value ^= 1 << bit
    return value


def _place(rng: random.Random) -> tuple[float, float]:
    return (
        REGION[0] + rng.uniform(0, REGION_DEGREES[0]),
        REGION[1] + rng.uniform(0, REGION_DEGREES[1]),
    )


def _near(centre: tuple[float, float], metres: float, rng: random.Random) -> dict[str, float]:
    bearing, distance = rng.uniform(0, 2 * math.pi), rng.uniform(0, metres)
    dlat = distance * math.cos(bearing) / 111_320
    dlon = distance * math.sin(bearing) / (111_320 * math.cos(math.radians(centre[0])))
    return {"lat": centre[0] + dlat, "lon": centre[1] + dlon}


def _moment(rng: random.Random) -> datetime:
    return START + timedelta(seconds=rng.uniform(0, 365 * 86_400))


def _stamp(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="seconds")


def _group_exif(kind: str, group: int, size: int, rng: random.Random) -> list[dict[str, Any]]:
    """The EXIF of each member of a planted group of ``kind``."""
    if kind in ("camera", "mixed"):
        centre, moment = _place(rng), _moment(rng)
        exifs = []
        for number in range(size):
            exif: dict[str, Any] = {
                "make": "Northwind",
                "model": "NW-5",
                "serial_number": f"NW5-{group:07d}",
                "datetime_original": _stamp(moment + timedelta(hours=3 * number)),
            }
            if kind == "mixed":
                exif["gps"] = _near(centre, 30, rng)
            exifs.append(exif)
        return exifs
    if kind == "gps":
        centre = _place(rng)
        return [{"gps": _near(centre, 30, rng)} for _ in range(size)]
    if kind == "burst":
        make, model = rng.choice(MODELS)
        moment = _moment(rng)
        exifs = []
        for _ in range(size):
            moment += timedelta(seconds=rng.uniform(10, 60))
            exifs.append({"make": make, "model": model, "datetime_original": _stamp(moment)})
        return exifs
    return [{} for _ in range(size)]


def _noise_exif(rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    if roll < 1 / 3:
        return {"gps": dict(zip(("lat", "lon"), _place(rng), strict=True))}
    if roll < 2 / 3:
        make, model = rng.choice(MODELS)
        return {"make": make, "model": model, "datetime_original": _stamp(_moment(rng))}
    return {}


def _media_row(media_id: int, pdq: int, exif: dict[str, Any]) -> dict[str, Any]:
    digest = f"{media_id:064x}"
    return {
        "id": media_id,
        "sha256": digest,
        "sha1": digest[:40],
        "md5": digest[:32],
        "size": 1000,
        "kind": "image",
        "format": "jpeg",
        "mime": "image/jpeg",
        "pdq": f"{pdq:064x}",
        "pdq_quality": 100,
        "media_metadata": {"exif": exif} if exif else {},
    }


def build(store: Store, count: int, seed: int) -> Planted:
    """Write the synthetic seizure (and the series its "series" groups match)."""
    rng = random.Random(seed)
    media: list[dict[str, Any]] = []
    group_of: dict[int, int] = {}
    kind_of_group: dict[int, str] = {}
    matches: list[tuple[int, int]] = []  # (seizure media, series group)
    grouped = int(count * 0.7)
    kinds = rng.choices(KINDS, weights=[GROUP_SHARE[k] for k in KINDS], k=grouped)
    group = 0
    while len(media) < grouped:
        size = min(rng.randint(2, 8), grouped - len(media))
        kind = kinds[group]
        base = rng.getrandbits(256)
        for exif in _group_exif(kind, group, size, rng):
            media_id = len(media) + 1
            pdq = _flip(base, rng.randint(1, 10), rng) if kind in ("pdq", "mixed") else None
            media.append(_media_row(media_id, pdq or rng.getrandbits(256), exif))
            group_of[media_id] = group
            if kind == "series":
                matches.append((media_id, group))
        kind_of_group[group] = kind
        group += 1
    while len(media) < count:
        media_id = len(media) + 1
        media.append(_media_row(media_id, rng.getrandbits(256), _noise_exif(rng)))
        group_of[media_id] = group
        kind_of_group[group] = "noise"
        group += 1
    with store.session() as session:
        agency = default_agency(session)
        case = case_by_reference(session, agency, "BENCH")
        seizure = seizure_by_name(session, case, "big")
        earlier = seizure_by_name(session, case, "earlier")
        runs = []
        for target in (seizure, earlier):
            run = IngestRun(
                seizure_id=target.id, root_path="/b", status="complete", pdq_mode="fast", workers=1
            )
            session.add(run)
            session.flush()
            runs.append(run.id)
        for start in range(0, len(media), 10_000):
            session.execute(insert(Media), media[start : start + 10_000])
        sightings = [_sighting(m["id"], seizure.id, runs[0], "big") for m in media]
        for start in range(0, len(sightings), 10_000):
            session.execute(insert(Sighting), sightings[start : start + 10_000])
        # One earlier media and one series for each "series" group, matched by its members.
        series_groups = sorted({g for _, g in matches})
        known = {g: count + 1 + n for n, g in enumerate(series_groups)}
        session.execute(
            insert(Media), [_media_row(i, rng.getrandbits(256), {}) for i in known.values()]
        )
        session.execute(
            insert(Sighting), [_sighting(i, earlier.id, runs[1], "earlier") for i in known.values()]
        )
        for g, media_id in known.items():
            found = Series(name=f"S-{g}", agency_id=agency.id)
            session.add(found)
            session.flush()
            session.add(SeriesMedia(series_id=found.id, media_id=media_id, assigned_by="bench"))
        session.execute(
            insert(Match),
            [
                {
                    "media_id": m,
                    "target_key": f"media:{known[g]}",
                    "other_media_id": known[g],
                    "signal": "pdq",
                    "distance": 9,
                    "variant": "original",
                    "agency_id": agency.id,
                }
                for m, g in matches
            ],
        )
        return Planted(seizure.id, group_of, kind_of_group)


def _sighting(media_id: int, seizure_id: int, run_id: int, prefix: str) -> dict[str, Any]:
    path = f"{prefix}/{media_id:07d}.jpg"
    return {
        "media_id": media_id,
        "seizure_id": seizure_id,
        "ingest_run_id": run_id,
        "path": path,
        "path_raw": path.encode(),
        "size": 1000,
        "mtime": 0.0,
    }


def _pairs(sizes: Counter[int]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes.values())


def score(
    proposals: list[list[int]], group_of: dict[int, int], kind_of_group: dict[int, str]
) -> dict[str, float]:
    """Pairwise precision, recall, and recall within each planted kind's groups."""
    found = right = 0
    right_by_kind: Counter[str] = Counter()
    for members in proposals:
        found += len(members) * (len(members) - 1) // 2
        for g, n in Counter(group_of[m] for m in members).items():
            right += n * (n - 1) // 2
            right_by_kind[kind_of_group[g]] += n * (n - 1) // 2
    truth_by_kind: Counter[str] = Counter()
    for g, n in Counter(group_of.values()).items():
        truth_by_kind[kind_of_group[g]] += n * (n - 1) // 2
    truth = sum(truth_by_kind.values())
    out = {"precision": right / found if found else 1.0, "recall": right / truth}
    for kind in KINDS:
        out[f"recall {kind}"] = right_by_kind[kind] / truth_by_kind[kind]
    return out


def _measure(
    settings_dir: str, seizure_id: int, kinds: list[str], any_device: bool, profile: bool
) -> tuple[float, int, list[list[int]], str]:
    """One run in a fresh process: seconds, peak RSS (KiB), proposals, profile text."""
    data = Path(settings_dir)
    store = Store(Settings(data, sqlite_url(data)))
    settings = EvidenceSettings(
        kinds=frozenset(EvidenceKind(k) for k in kinds), burst_any_device=any_device
    )
    profiler = cProfile.Profile() if profile else None
    with store.session() as session:
        viewer = resolve(session, ACTOR)
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        found = suggestions(session, viewer, seizure_id, settings)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
    store.close()
    text = ""
    if profiler:
        out = Path(settings_dir) / "profile.txt"
        with out.open("w") as stream:
            pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(25)
        text = out.read_text()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return seconds, rss, [p.media_ids for p in found], text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=int, default=100_000, help="Pictures in the seizure.")
    parser.add_argument("--seed", type=int, default=11, help="Seed of the synthetic data.")
    parser.add_argument("--profile", action="store_true", help="Profile the all-kinds run.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Settings(Path(tmp), sqlite_url(Path(tmp))))
        started = time.perf_counter()
        planted = build(store, args.media, args.seed)
        store.close()
        groups = Counter(planted.kind_of_group.values())
        print(
            f"wrote {args.media:,} media in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{n:,} {kind} groups" for kind, n in sorted(groups.items()))
        )
        runs: list[tuple[str, list[str], bool]] = [
            (kind.value, [kind.value], False) for kind in EvidenceKind
        ]
        runs += [
            ("all", [k.value for k in EvidenceKind], False),
            ("all, bursts across devices", [k.value for k in EvidenceKind], True),
        ]
        context = mp.get_context("spawn")
        print(
            "| evidence | seconds | peak RSS MiB | proposals | precision | recall | "
            + " | ".join(f"recall {k}" for k in KINDS)
            + " |"
        )
        print("|---" * (6 + len(KINDS)) + "|")
        for name, kinds, any_device in runs:
            profile = args.profile and name == "all"
            # A fresh process a run (its peak RSS is that run's); one that cannot start
            # fails the bench instead of being started again and again, as a Pool would.
            with ProcessPoolExecutor(1, mp_context=context) as pool:
                seconds, rss, proposals, text = pool.submit(
                    _measure, tmp, planted.seizure_id, kinds, any_device, profile
                ).result()
            figures = score(proposals, planted.group_of, planted.kind_of_group)
            cells = [f"{figures[f'recall {k}']:.3f}" for k in KINDS]
            print(
                f"| {name} | {seconds:.1f} | {rss / 1024:.0f} | {len(proposals):,} | "
                f"{figures['precision']:.3f} | {figures['recall']:.3f} | {' | '.join(cells)} |",
                flush=True,
            )
            if text:
                print(text)


if __name__ == "__main__":
    main()

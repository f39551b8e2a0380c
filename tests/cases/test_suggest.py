"""Suggested series: the demo seizure's altered copies grouped by origin (precision and recall
against its manifest), each kind of evidence on a small made-up seizure, series the viewer
may not see never proposed, and accepting a proposal."""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from tests.sharing.hashing import use_cheap_hashing
from tests.web.network import BASE_URL, ROLE_USERS, build_network
from vigil.cases.capture import EARTH_RADIUS_METRES
from vigil.cases.errors import IdentificationError
from vigil.cases.series import create_series
from vigil.cases.suggest import (
    EvidenceKind,
    EvidenceSettings,
    Proposal,
    accept,
    find_proposal,
    proposal_id,
    split,
    suggestions,
)
from vigil.cases.suggest_evidence import Candidate, gps_edges
from vigil.cli.main import app
from vigil.config import Settings
from vigil.demo.build import build_demo_seizure
from vigil.demo.manifest import DemoManifest
from vigil.ingest.pipeline import IngestRequest, ingest
from vigil.sharing.actor import Actor
from vigil.sharing.dissemination import set_level
from vigil.sharing.policy import NotVisibleError, resolve
from vigil.signals.pdq_fast import DIHEDRAL_NAMES
from vigil.store.db import Store
from vigil.store.models import (
    Agency,
    IngestRun,
    Level,
    Match,
    Media,
    RecordType,
    Scope,
    Seizure,
    SeriesMedia,
    Sighting,
)
from vigil.store.repo import case_by_reference, seizure_by_name
from vigil.web.app import create_app

from .world import A, B, acting, add_agencies

Pair = tuple[int, int]

# ---- the demo seizure -------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return build_demo_seizure(tmp_path_factory.mktemp("demo") / "seizure")


def _pairs(groups: Iterable[Iterable[int]]) -> set[Pair]:
    return {pair for group in groups for pair in combinations(sorted(set(group)), 2)}


def _scores(found: set[Pair], truth: set[Pair]) -> tuple[float, float]:
    """Pairwise precision and recall."""
    hit = len(found & truth)
    return (hit / len(found) if found else 1.0), hit / len(truth)


def _demo_truth(session: Session, demo: DemoManifest) -> tuple[dict[int, int], dict[int, str]]:
    """Each picture of the manifest's altered copies and their originals -> its original's
    media id; each original -> its camera serial ("" when none): the ground truth."""
    media_of = {
        path: media_id
        for path, media_id in session.execute(select(Sighting.path, Sighting.media_id))
    }
    origin: dict[int, int] = {}
    for derived in demo.derived:
        if derived.path.suffix in {".mp4", ".avi", ".mkv", ".webm", ".mov"}:
            continue  # videos have no PDQ: their grouping is vPDQ's, not tested here
        source = media_of[str(derived.source)]
        origin[media_of[str(derived.path)]] = source
        origin[source] = source
    cameras = {
        source: (session.get_one(Media, source).media_metadata.get("exif") or {}).get(
            "serial_number", ""
        )
        for source in set(origin.values())
    }
    return origin, cameras


def _grouped(proposals: Sequence[Proposal], within: Iterable[int]) -> set[Pair]:
    universe = set(within)
    return _pairs([i for i in p.media_ids if i in universe] for p in proposals)


def test_demo_copies_are_grouped_by_origin(store: Store, demo: DemoManifest) -> None:
    ingest(store, IngestRequest(root=demo.root, case_reference="DEMO-1", workers=2))
    with store.session() as session:
        viewer = resolve(session, Actor("t", "LOCAL"))
        seizure_id = session.scalars(select(Seizure.id)).one()
        origin, cameras = _demo_truth(session, demo)
        by_origin: dict[int, list[int]] = defaultdict(list)
        for media_id, source in origin.items():
            by_origin[source].append(media_id)
        truth = _pairs(by_origin.values())
        by_camera: dict[str, list[int]] = defaultdict(list)
        for media_id, source in origin.items():
            by_camera[cameras[source] or f"origin {source}"].append(media_id)
        same_camera = _pairs(by_camera.values())

        def scores(kinds: Iterable[EvidenceKind], against: set[Pair]) -> tuple[float, float]:
            found = suggestions(
                session, viewer, seizure_id, EvidenceSettings(kinds=frozenset(kinds))
            )
            return _scores(_grouped(found, origin), against)

        # Near-duplicates alone never join two origins, and find 13 of the 15 pairs: all but
        # the cropped copy's (PDQ is not robust to cropping, and the copy has no EXIF).
        precision, recall = scores({EvidenceKind.PDQ}, truth)
        assert precision == 1.0
        assert recall >= 0.85
        # Every kind together finds as much; the camera also joins the originals of one
        # phone and their copies, as it should (one device, one candidate series): every pair
        # proposed is of one origin or of one camera's originals.
        precision, recall = scores(EvidenceKind, same_camera)
        assert precision == 1.0
        assert recall >= 0.8  # 19 of 23: the crop's 4 pairs
        assert scores(EvidenceKind, truth)[1] >= 0.85
        # Without PDQ most copies (which carry no EXIF) are left alone.
        assert scores(set(EvidenceKind) - {EvidenceKind.PDQ}, truth)[1] < 0.5


# ---- a small made-up seizure -----------------------------------------------------------

_RANDOM = random.Random(11)


def _hash() -> str:
    return f"{_RANDOM.getrandbits(256):064x}"


def _flip(hex_digits: str, bits: int) -> str:
    value = int(hex_digits, 16)
    for bit in _RANDOM.sample(range(256), bits):
        value ^= 1 << bit
    return f"{value:064x}"


def _variants(own: str, **named: str) -> dict[str, Any]:
    dihedral = {name: named.get(name) or _hash() for name in DIHEDRAL_NAMES[1:]}
    return {
        "version": 1,
        "original": {"pdq": own, "quality": 100, "dihedral": dihedral},
        "unletterboxed": None,
    }


def _exif(
    serial: str | None = None,
    at: str | None = None,
    where: tuple[float, float] | None = None,
    model: str = "Pocket 12",
) -> dict[str, Any]:
    exif: dict[str, Any] = {"make": "Acme", "model": model}
    if serial:
        exif["serial_number"] = serial
    if at:
        exif["datetime_original"] = at
    if where:
        exif["gps"] = {"lat": where[0], "lon": where[1]}
    return {"exif": exif}


def _seizure(
    session: Session, code: str, name: str, pictures: Sequence[dict[str, Any]]
) -> tuple[int, list[int]]:
    """Agency ``code``'s seizure ``name`` holding one picture for each dict (Media fields)."""
    owner = session.scalars(select(Agency).where(Agency.code == code)).one()
    seizure = seizure_by_name(session, case_by_reference(session, owner, f"{code}-CASE"), name)
    run = IngestRun(
        seizure_id=seizure.id, root_path="/x", status="complete", pdq_mode="fast", workers=1
    )
    session.add(run)
    session.flush()
    ids = []
    for number, fields in enumerate(pictures):
        digest = f"{_RANDOM.getrandbits(256):064x}"
        pdq = fields.get("pdq")
        media = Media(
            sha256=digest,
            sha1=digest[:40],
            md5=digest[:32],
            size=1,
            kind="image",
            format="jpeg",
            mime="image/jpeg",
            pdq=pdq,
            pdq_quality=100 if pdq else None,
            pdq_variants=fields.get("variants"),
            media_metadata=fields.get("metadata", {}),
        )
        session.add(media)
        session.flush()
        path = f"{name}/IMG_{number:04d}.jpg"
        session.add(
            Sighting(
                media_id=media.id,
                seizure_id=seizure.id,
                ingest_run_id=run.id,
                path=path,
                path_raw=path.encode(),
                size=1,
                mtime=0.0,
            )
        )
        ids.append(media.id)
    session.flush()
    return seizure.id, ids


def _only(proposals: Sequence[Proposal], kind: EvidenceKind) -> set[Pair]:
    return {(e.a, e.b) for p in proposals for e in p.edges if e.kind is kind}


def test_each_kind_of_evidence(store: Store) -> None:
    add_agencies(store)
    base, other = _hash(), _hash()
    with acting(store, A) as (session, viewer):
        seizure_id, ids = _seizure(
            session,
            A,
            "phone",
            [
                {"pdq": base},  # 0
                {"pdq": _flip(base, 12)},  # 1: near-duplicate of 0
                {"pdq": _hash(), "variants": _variants(_hash(), mirror_x=other)},  # 2
                {"pdq": other},  # 3: 2 mirrored
                {"metadata": _exif("SN-1", "2023-06-01T10:00:00")},  # 4
                {"metadata": _exif("SN-1", "2023-06-09T10:00:00")},  # 5: same body as 4, days on
                {"metadata": _exif(where=(45.7640, 4.8357))},  # 6
                {"metadata": _exif(where=(45.7645, 4.8357))},  # 7: ~56 m north of 6
                {"metadata": _exif(where=(45.7700, 4.8357))},  # 8: ~670 m away
                {"metadata": _exif(at="2023-06-01T12:00:00", model="X")},  # 9
                {"metadata": _exif(at="2023-06-01T12:01:30", model="X")},  # 10: 90 s later
                {"metadata": _exif(at="2023-06-01T12:01:40", model="Y")},  # 11: other model
                {"pdq": _hash()},  # 12: alone
            ],
        )
        found = suggestions(session, viewer, seizure_id)
        pdq = [e for p in found for e in p.edges if e.kind is EvidenceKind.PDQ]
        assert {(e.a, e.b): (e.detail["variant"], e.detail["distance"]) for e in pdq} == {
            (ids[0], ids[1]): ("original", 12),
            (ids[2], ids[3]): ("mirror_x", 0),
        }
        assert _only(found, EvidenceKind.CAMERA) == {(ids[4], ids[5])}
        assert _only(found, EvidenceKind.GPS) == {(ids[6], ids[7])}
        assert _only(found, EvidenceKind.BURST) == {(ids[9], ids[10])}
        assert sorted(p.media_ids for p in found) == sorted(
            [ids[0:2], ids[2:4], ids[4:6], ids[6:8], ids[9:11]]
        )
        # A burst across devices, when asked for, joins the other model's picture too.
        wider = suggestions(session, viewer, seizure_id, EvidenceSettings(burst_any_device=True))
        assert _only(wider, EvidenceKind.BURST) == {(ids[9], ids[10]), (ids[10], ids[11])}
        # A wider GPS distance reaches the third place; a shorter burst loses the pair.
        assert ids[6:9] in [
            p.media_ids
            for p in suggestions(session, viewer, seizure_id, EvidenceSettings(gps_metres=1000))
        ]
        assert not _only(
            suggestions(session, viewer, seizure_id, EvidenceSettings(burst_seconds=60)),
            EvidenceKind.BURST,
        )
        # Splitting the camera proposal without its camera edge leaves nothing to propose;
        # a proposal id is that of its sorted media.
        camera = next(p for p in found if p.media_ids == ids[4:6])
        assert camera.id == proposal_id(reversed(ids[4:6]))
        assert (
            split(session, viewer, seizure_id, camera.id, without_kinds={EvidenceKind.CAMERA}) == []
        )
        with pytest.raises(NotVisibleError):
            find_proposal(session, viewer, seizure_id, "0123456789ab")
        # Other agencies see nothing of an owner-only seizure.
    with acting(store, B) as (session, viewer), pytest.raises(NotVisibleError):
        suggestions(session, viewer, seizure_id)


def test_gps_links_every_close_pair_through_a_grid_across_the_antimeridian() -> None:
    """The grid finds what comparing every pair finds, wherever on Earth."""
    spots = [(0.0, 179.9995), (0.0, -179.9995), (89.9999, 0.0), (89.9999, 120.0), (10.0, 10.0)]
    candidates = [
        Candidate(i, "", "", lat=lat + _RANDOM.uniform(-2e-4, 2e-4), lon=lon)
        for i, (lat, lon) in enumerate(spots * 6)
    ]
    edges = gps_edges(candidates, 150.0)
    groups = _components(len(candidates), [(e.a, e.b) for e in edges])
    assert all(e.detail["metres"] <= 150.0 for e in edges)
    assert len(edges) == len(candidates) - len(set(groups))
    # Spots 0 and 1 are 111 m apart across the 180th meridian; 2 and 3 ~ 19 m near the pole.
    assert len(set(groups)) == 3


def test_gps_components_are_those_of_every_pair_within_the_distance() -> None:
    """Against brute force: crowded spots (hundreds of pictures a few metres apart, compared
    in numpy blocks) and scattered ones, a few tens of metres either side of the distance."""
    rng = random.Random(5)
    spots = [(48.85 + rng.uniform(0, 0.004), 2.35 + rng.uniform(0, 0.006)) for _ in range(12)]
    points = [
        (lat + rng.gauss(0, 0.00004), lon + rng.gauss(0, 0.00006))
        for lat, lon in spots
        for _ in range(rng.choice([1, 3, 150]))
    ]
    candidates = [Candidate(i, "", "", lat=lat, lon=lon) for i, (lat, lon) in enumerate(points)]
    metres = 120.0
    groups = _components(len(candidates), [(e.a, e.b) for e in gps_edges(candidates, metres)])
    close = [
        (a.media_id, b.media_id)
        for a, b in combinations(candidates, 2)
        if _haversine(a, b) <= metres
    ]
    truth = _components(len(candidates), close)
    assert _pairs_of(groups) == _pairs_of(truth)
    assert len(set(truth)) > 3  # neither all apart nor all together


def _haversine(a: Candidate, b: Candidate) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat or 0, a.lon or 0, b.lat or 0, b.lon or 0))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_METRES * math.asin(math.sqrt(h))


def _pairs_of(labels: list[int]) -> set[Pair]:
    by_label: dict[int, list[int]] = defaultdict(list)
    for node, label in enumerate(labels):
        by_label[label].append(node)
    return _pairs(by_label.values())


def _components(count: int, pairs: Iterable[Pair]) -> list[int]:
    parent = list(range(count))

    def find(node: int) -> int:
        while parent[node] != node:
            node = parent[node]
        return node

    for a, b in pairs:
        parent[find(a)] = find(b)
    return [find(i) for i in range(count)]


def _series_with(session: Session, viewer_code: str, name: str, media_ids: Sequence[int]) -> int:
    with_viewer = resolve(session, Actor(f"officer-{viewer_code.lower()}", viewer_code))
    found = create_series(session, with_viewer, name)
    session.add_all(SeriesMedia(series_id=found.id, media_id=i, assigned_by="t") for i in media_ids)
    session.flush()
    return found.id


def _match(session: Session, new: int, old: int, agency_code: str) -> None:
    agency = session.scalars(select(Agency).where(Agency.code == agency_code)).one()
    session.add(
        Match(
            media_id=new,
            target_key=f"media:{old}",
            other_media_id=old,
            signal="pdq",
            distance=4,
            variant="original",
            agency_id=agency.id,
        )
    )
    session.flush()


def test_series_seen_extend_and_hidden_ones_are_never_proposed(store: Store) -> None:
    add_agencies(store)
    known = _hash()
    with acting(store, A) as (session, viewer):
        first, (old,) = _seizure(session, A, "first", [{"pdq": known}])
        series_id = _series_with(session, A, "Lighthouse", [old])
        # B sees the earlier seizure (and so the match), but not the series.
        set_level(session, viewer, RecordType.SEIZURE, first, Level.ALL, ())
    with acting(store, B) as (session, viewer):
        seizure_id, (new, lone) = _seizure(
            session, B, "second", [{"pdq": _flip(known, 4)}, {"pdq": _hash()}]
        )
        _match(session, new, old, B)
        assert suggestions(session, viewer, seizure_id) == []
    with acting(store, A) as (session, viewer):
        set_level(session, viewer, RecordType.SERIES, series_id, Level.ALL, ())
    with acting(store, B) as (session, viewer):
        (proposal,) = suggestions(session, viewer, seizure_id)
        assert proposal.media_ids == [new]
        assert [(s.series_id, s.label) for s in proposal.extends] == [
            (series_id, f"{A}/Lighthouse")
        ]
        (edge,) = proposal.edges
        assert (edge.a, edge.b, edge.kind, edge.detail["distance"]) == (
            new,
            old,
            EvidenceKind.SERIES,
            4,
        )
        assert lone not in proposal.media_ids


def test_accept_creates_or_extends_a_series(store: Store) -> None:
    add_agencies(store)
    known, base = _hash(), _hash()
    with acting(store, A) as (session, viewer):
        _, (old,) = _seizure(session, A, "first", [{"pdq": known}])
        series_id = _series_with(session, A, "Lighthouse", [old])
        seizure_id, ids = _seizure(
            session,
            A,
            "second",
            [
                {"pdq": base},
                {"pdq": _flip(base, 3)},
                {"pdq": _flip(base, 5)},
                {"pdq": _flip(known, 2)},
            ],
        )
        _match(session, ids[3], old, A)
        found = suggestions(session, viewer, seizure_id)
        group = next(p for p in found if p.media_ids == ids[:3])
        extend = next(p for p in found if p.media_ids == ids[3:])
        with pytest.raises(IdentificationError, match="not in suggestion"):
            accept(session, viewer, seizure_id, group.id, "Harbour", [old], create=True)
        with pytest.raises(IdentificationError, match="extends none"):
            accept(session, viewer, seizure_id, group.id, None)
        made = accept(session, viewer, seizure_id, group.id, "Harbour", [ids[2]], create=True)
        assert (made.created, made.assigned) == (True, ids[:2])
        extended = accept(session, viewer, seizure_id, extend.id, None)
        assert (extended.series_id, extended.assigned) == (series_id, [ids[3]])
        members = set(
            session.scalars(
                select(SeriesMedia.media_id).where(SeriesMedia.series_id == made.series_id)
            )
        )
        assert members == set(ids[:2])
        # What is in a series now is no longer new: only the left-out copy remains, alone.
        assert suggestions(session, viewer, seizure_id) == []


# ---- the API ------------------------------------------------------------------------------


def _add_to_seizure(session: Session, seizure_id: int, pdq: str, tag: str) -> int:
    """A picture with PDQ ``pdq`` seen in the seizure (its first ingest run) as ``TAG.jpg``."""
    digest = f"{_RANDOM.getrandbits(256):064x}"
    media = Media(
        sha256=digest,
        sha1=digest[:40],
        md5=digest[:32],
        size=1,
        kind="image",
        format="jpeg",
        mime="image/jpeg",
        pdq=pdq,
        pdq_quality=100,
    )
    session.add(media)
    session.flush()
    run_id = session.scalars(
        select(IngestRun.id).where(IngestRun.seizure_id == seizure_id).limit(1)
    ).one()
    session.add(
        Sighting(
            media_id=media.id,
            seizure_id=seizure_id,
            ingest_run_id=run_id,
            path=f"{tag}.jpg",
            path_raw=f"{tag}.jpg".encode(),
            size=1,
            mtime=0.0,
        )
    )
    session.flush()
    return media.id


def test_api_lists_and_accepts_without_naming_a_restricted_series(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_cheap_hashing(monkeypatch)
    network = build_network(store)
    base, hidden = _hash(), _hash()
    with store.session() as session:
        seizure_id = network.own.seizure_id
        first = _add_to_seizure(session, seizure_id, base, "first")
        second = _add_to_seizure(session, seizure_id, _flip(base, 7), "second")
        # A copy of a picture of NCB-BR's restricted series: matched, but never proposed.
        theirs = _add_to_seizure(session, network.restricted.seizure_id, hidden, "theirs")
        session.add(
            SeriesMedia(series_id=network.restricted.series_id, media_id=theirs, assigned_by="t")
        )
        copy = _add_to_seizure(session, seizure_id, _flip(hidden, 3), "copy")
        _match(session, copy, theirs, "NCB-FR")
    client = TestClient(create_app(store), base_url=BASE_URL)
    token = network.token_for(ROLE_USERS["analyst"], [Scope.WRITE])[0]
    client.headers["Authorization"] = f"Bearer {token}"
    listed = client.get(f"/api/seizures/{seizure_id}/suggestions")
    assert listed.status_code == 200, listed.text
    assert not [m for m in network.restricted_markers if m in listed.text]
    (proposal,) = listed.json()["items"]
    assert [m["id"] for m in proposal["media"]] == [first, second]
    assert proposal["edges"] == [
        {"a": first, "b": second, "kind": "pdq", "detail": {"distance": 7, "variant": "original"}}
    ]
    url = f"/api/seizures/{seizure_id}/suggestions/{{}}/accept"
    missing = client.post(url.format("0123456789ab"), json={"new_series": "Harbour"})
    assert missing.status_code == 404
    both = client.post(url.format(proposal["id"]), json={"series": "a", "new_series": "b"})
    assert both.status_code == 422
    done = client.post(url.format(proposal["id"]), json={"new_series": "Harbour"})
    assert done.status_code == 200, done.text
    assert done.json()["assigned"] == [first, second]
    assert done.json()["created"]
    refused = client.get(f"/api/seizures/{network.restricted.seizure_id}/suggestions")
    assert refused.status_code == 404


# ---- the CLI ------------------------------------------------------------------------------


def _vigil(settings: Settings, *args: str) -> Result:
    where = ["--data-dir", str(settings.data_dir), "--database-url", settings.database_url]
    return CliRunner().invoke(app, [*args, "--agency", A, *where], env={"VIGIL_USER": "tester"})


def test_cli_lists_accepts_and_splits(store: Store, settings: Settings) -> None:
    add_agencies(store)
    base = _hash()
    with acting(store, A) as (session, _):
        _, ids = _seizure(
            session,
            A,
            "phone",
            [
                {"pdq": base, "metadata": _exif("SN-9", "2023-06-01T10:00:00")},
                {"pdq": _flip(base, 5)},
                {"metadata": _exif("SN-9", "2023-06-02T10:00:00")},
            ],
        )
    seizure = f"{A}-CASE/phone"
    listed = _vigil(settings, "suggest", seizure, "--json")
    assert listed.exit_code == 0, listed.stderr
    (proposal,) = json.loads(listed.stdout)
    assert [m["id"] for m in proposal["media"]] == ids
    assert {e["kind"] for e in proposal["edges"]} == {"pdq", "camera"}
    text = _vigil(settings, "suggest", "list", seizure).stdout
    assert f"suggestion {proposal['id']}: 3 media, a new series" in text
    assert "same camera Acme Pocket 12 serial SN-9" in text
    parts = _vigil(
        settings, "suggest", "split", seizure, proposal["id"], "--without-kind", "camera"
    )
    assert f"{ids[0]} - {ids[1]}  pdq: PDQ 5 bits (original)" in parts.stdout
    assert ": 2 media, a new series" in parts.stdout
    assert "IMG_0002" not in parts.stdout
    unknown = _vigil(settings, "suggest", "accept", seizure, "0123456789ab", "--new-series", "X")
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("error: no suggestion '0123456789ab'")
    done = _vigil(
        settings,
        *("suggest", "accept", seizure, proposal["id"], "--new-series", "Harbour"),
        *("--without", str(ids[2])),
    )
    assert done.exit_code == 0, done.stderr
    assert done.stdout.strip() == "series Harbour created: 2 media assigned"
    assert _vigil(settings, "suggest", seizure).stdout.strip() == "no suggestions"

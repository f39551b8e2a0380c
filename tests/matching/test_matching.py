"""Matching at ingest: exact and near-duplicate hits on banks, across cases, and the report.

Two small seizures of known composition, made from the sample photographs:

Categories are labels only, put on photos of objects.

* seizure A (case C1): a photo whose MD5 is in the bank; a resized, a mirrored and a
  letterboxed copy of photos whose PDQ is in the bank; a flat picture (too little detail to
  match on); a photo nobody has; a photo the bank lacks (rocket); a short video.
* seizure B (case C2), ingested after A: the same file as A's unknown photo; a resized copy
  of A's rocket; a re-encoded copy of A's video and a clip cut from it; one new photo.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image, ImageFilter, ImageOps, ImageStat
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.banks.catalog import create_bank
from vigil.banks.formats import KnownHash, ListHeader, write_hashes
from vigil.banks.transfer import import_file
from vigil.demo import videos
from vigil.demo.edits import encode
from vigil.demo.samples import load_sample_photo
from vigil.ingest.pipeline import IngestOutcome, IngestRequest, ingest
from vigil.matching.matching import MatchSettings, _fit, queries
from vigil.matching.review import ReviewError, review_match
from vigil.reports.triage import build_report
from vigil.sharing.actor import local_actor
from vigil.sharing.policy import Viewer, resolve
from vigil.signals.crypto import hash_bytes
from vigil.signals.pdq import pdq_reference
from vigil.signals.pdq_fast import DIHEDRAL_NAMES
from vigil.store.db import Store
from vigil.store.models import Match, MatchReview, Media, Seizure, Sighting

DIHEDRAL = DIHEDRAL_NAMES[1:]

CLIP_SECONDS = 4


def _viewer(session: Session) -> Viewer:
    """The person at the terminal, acting for the local agency that owns every seizure here."""
    return resolve(session, local_actor())


def _letterboxed(photo: Image.Image) -> Image.Image:
    _width, height = photo.size
    return ImageOps.expand(photo, border=(0, height // 4), fill=(0, 0, 0))


def _write(root: Path, name: str, data: bytes) -> bytes:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def _clip_frames() -> list[object]:
    return list(videos.pan_frames(load_sample_photo("chelsea"), CLIP_SECONDS))


def _seizure_a(root: Path) -> dict[str, bytes]:
    files = {
        "known.jpg": encode(load_sample_photo("china"), "JPEG", quality=90),
        "resized.jpg": encode(load_sample_photo("coffee").reduce(2), "JPEG", quality=85),
        "mirrored.jpg": encode(ImageOps.mirror(load_sample_photo("motorcycle")), "JPEG"),
        "letterboxed.jpg": encode(_letterboxed(load_sample_photo("flower")), "JPEG"),
        "flat.png": encode(Image.new("RGB", (200, 150), (90, 90, 90)), "PNG"),
        "unknown.png": encode(load_sample_photo("astronaut"), "PNG"),
        "rocket.jpg": encode(load_sample_photo("rocket"), "JPEG", quality=92),
        "clip.avi": videos.encode_video(_clip_frames(), videos.MPEG4_AVI),  # type: ignore[arg-type]
    }
    for name, data in files.items():
        _write(root, name, data)
    return files


def _seizure_b(root: Path, a: dict[str, bytes]) -> None:
    _write(root, "same_as_a.png", a["unknown.png"])
    _write(root, "rocket_small.jpg", encode(load_sample_photo("rocket").reduce(2), "JPEG"))
    _write(root, "copy.mp4", videos.reencode_video(a["clip.avi"], videos.MPEG4_MP4))
    half = _clip_frames()[: videos.FRAMES_PER_SECOND * CLIP_SECONDS // 2]
    _write(root, "cut.avi", videos.encode_video(half, videos.MPEG4_AVI))  # type: ignore[arg-type]
    _write(root, "new.jpg", encode(load_sample_photo("hubble"), "JPEG"))


def _bank_file(path: Path, a: dict[str, bytes]) -> Path:
    def pdq_of(name: str) -> str:
        return pdq_reference(load_sample_photo(name)).hex

    entries = [
        KnownHash(
            md5=hash_bytes(a["known.jpg"]).md5,
            category="1",
            series="Series A",
            victim_identified=True,
        ),
        KnownHash(pdq=pdq_of("coffee"), category="1", series="Series B", victim_identified=False),
        KnownHash(pdq=pdq_of("motorcycle"), category="2"),
        KnownHash(pdq=pdq_of("flower"), category="2", series="Series B"),
        # Flat like A's flat picture: would match it, were low-quality hashes matched on.
        KnownHash(pdq=pdq_reference(Image.new("RGB", (200, 150), (91, 91, 91))).hex),
    ]
    with path.open("wb") as out:
        write_hashes(
            entries, "vics", out, ListHeader(name="test", source="test", category_scheme=None)
        )
    return path


@pytest.fixture
def two_seizures(store: Store, tmp_path: Path) -> tuple[IngestOutcome, IngestOutcome]:
    a_root, b_root = tmp_path / "a", tmp_path / "b"
    a = _seizure_a(a_root)
    _seizure_b(b_root, a)
    with store.session() as session:
        create_bank(session, "known")
    import_file(store.session, _bank_file(tmp_path / "bank.json", a), "known")
    first = ingest(store, IngestRequest(root=a_root, case_reference="C1", workers=2))
    second = ingest(store, IngestRequest(root=b_root, case_reference="C2", workers=2))
    return first, second


def _matches_by_path(store: Store, seizure_id: int) -> dict[str, list[Match]]:
    with store.session() as session:
        rows = session.execute(
            select(Sighting.path, Match)
            .join(Match, Match.media_id == Sighting.media_id)
            .where(Sighting.seizure_id == seizure_id)
        )
        found: dict[str, list[Match]] = {}
        for path, match in rows:
            found.setdefault(path, []).append(match)
        return found


def test_seizure_a_hits_the_bank(store: Store, two_seizures: tuple[IngestOutcome, ...]) -> None:
    a, _ = two_seizures
    found = _matches_by_path(store, a.seizure_id)
    assert {m.signal for m in found["known.jpg"]} >= {"md5"}
    (resized,) = found["resized.jpg"]
    assert (resized.signal, resized.variant) == ("pdq", "original")
    assert resized.distance is not None
    assert resized.distance <= 31
    (mirrored,) = found["mirrored.jpg"]
    assert mirrored.signal == "pdq"
    assert mirrored.variant not in (None, "original")
    (letterboxed,) = found["letterboxed.jpg"]
    assert letterboxed.variant is not None
    assert letterboxed.variant.startswith("unletterboxed")
    for unmatched in ("flat.png", "unknown.png", "rocket.jpg", "clip.avi"):
        assert unmatched not in found
    assert a.matches.low_quality_pictures == 1


def test_report_of_seizure_a(store: Store, two_seizures: tuple[IngestOutcome, ...]) -> None:
    a, _ = two_seizures
    report = a.triage  # as printed at the end of A's ingest, before B existed
    assert report.media == 8
    assert report.classes == {
        "known_exact": 1,
        "known_near": 3,
        "other_cases": 0,
        "held_elsewhere": 0,
        "new": 4,
    }
    assert report.share("known_near") == pytest.approx(37.5)
    assert report.by_category == {"1": 2, "2": 2}
    assert report.by_bank == {"known": 4}
    assert [(s.name, s.media, s.victim_identified) for s in report.series] == [
        ("Series A", 1, True),
        ("Series B", 2, False),
    ]
    assert report.low_quality_pictures == 1
    assert sorted(m.path for m in report.new_media) == [
        "clip.avi",
        "flat.png",
        "rocket.jpg",
        "unknown.png",
    ]


def test_seizure_b_links_to_case_c1(store: Store, two_seizures: tuple[IngestOutcome, ...]) -> None:
    a, b = two_seizures
    assert b.triage.classes == {
        "known_exact": 0,
        "known_near": 0,
        "other_cases": 4,
        "held_elsewhere": 0,
        "new": 1,
    }
    assert b.triage.other_cases == {"C1": 4}
    assert [m.path for m in b.triage.new_media] == ["new.jpg"]
    found = _matches_by_path(store, b.seizure_id)
    (copy,) = found["copy.mp4"]
    assert copy.signal == "vpdq"
    assert copy.query_share == pytest.approx(1.0)
    assert copy.target_share == pytest.approx(1.0)
    (cut,) = found["cut.avi"]
    assert cut.query_share == pytest.approx(1.0)
    assert cut.target_share is not None
    assert cut.target_share < 0.8
    (small,) = found["rocket_small.jpg"]
    assert small.signal == "pdq"
    assert small.other_media_id is not None
    # Seen from A, the same links show once B is in: A's report now counts them.
    with store.session() as session:
        again = build_report(session, session.get_one(Seizure, a.seizure_id), _viewer(session))
    assert again.classes == {
        "known_exact": 1,
        "known_near": 3,
        "other_cases": 3,
        "held_elsewhere": 0,
        "new": 1,
    }
    assert [m.path for m in again.new_media] == ["flat.png"]


def test_rejected_match_no_longer_counts(
    store: Store, two_seizures: tuple[IngestOutcome, ...]
) -> None:
    a, _ = two_seizures
    (resized,) = _matches_by_path(store, a.seizure_id)["resized.jpg"]
    with store.session() as session:
        review_match(session, _viewer(session), resized.id, "rejected", note="different scene")
    with store.session() as session:
        report = build_report(session, session.get_one(Seizure, a.seizure_id), _viewer(session))
        stored = session.scalars(select(MatchReview).where(MatchReview.match_id == resized.id))
        assert [(r.verdict, r.reviewed_by) for r in stored] == [("rejected", local_actor().user)]
    # B's copies made A's other pictures "seen in other cases"; coffee is now new.
    assert report.classes["known_near"] == 2
    assert report.classes["new"] == 2
    with store.session() as session, pytest.raises(ReviewError, match="verdict must be"):
        review_match(session, _viewer(session), resized.id, "maybe")


def test_matching_again_adds_nothing(store: Store, two_seizures: tuple[IngestOutcome, ...]) -> None:
    from vigil.matching.matching import match_seizure

    a, _ = two_seizures
    with store.session() as session:
        stats = match_seizure(session, a.seizure_id, MatchSettings())
        # Every stored match names the agency whose matching found it (here the only one).
        finders = set(session.scalars(select(Match.agency_id).distinct()))
        assert finders == {session.get_one(Seizure, a.seizure_id).agency_id}
    assert (stats.exact, stats.pdq, stats.vpdq) == (0, 0, 0)


def test_unrelated_pictures_do_not_match(store: Store, tmp_path: Path) -> None:
    # Two cases of unrelated photos: nothing in one may match anything in the other.
    for case, names in (
        ("C8", ("astronaut", "coffee", "camera")),
        ("C9", ("rocket", "hubble", "chelsea")),
    ):
        root = tmp_path / case
        for name in names:
            _write(root, f"{name}.jpg", encode(load_sample_photo(name), "JPEG"))
        outcome = ingest(store, IngestRequest(root=root, case_reference=case, workers=2))
        assert outcome.triage.classes["new"] == 3
    with store.session() as session:
        assert list(session.scalars(select(Match))) == []
        assert len(list(session.scalars(select(Media)))) == 6


def test_radius_is_configurable(store: Store, tmp_path: Path) -> None:
    a = _seizure_a(tmp_path / "a")
    with store.session() as session:
        create_bank(session, "known")
    import_file(store.session, _bank_file(tmp_path / "bank.json", a), "known")
    strict = IngestRequest(
        root=tmp_path / "a",
        case_reference="C1",
        workers=2,
        match_settings=MatchSettings(pdq_radius=0),
    )
    outcome = ingest(store, strict)
    found = _matches_by_path(store, outcome.seizure_id)
    assert "resized.jpg" not in found  # a few bits off its original: not within 0
    assert outcome.triage.classes["known_exact"] == 1


def test_the_quick_fitness_check_agrees_with_the_queries() -> None:
    # Without banks or other seizures, matching only counts unfit pictures, with _fit.
    own = {"pdq": "a" * 64, "quality": 80, "dihedral": {n: "b" * 64 for n in DIHEDRAL}}
    trimmed = {"pdq": "c" * 64, "dihedral": {n: "d" * 64 for n in DIHEDRAL}}
    pictures = [
        SimpleNamespace(id=1, pdq="a" * 64, pdq_quality=80, pdq_variants=None),
        SimpleNamespace(id=2, pdq="a" * 64, pdq_quality=20, pdq_variants=None),
        SimpleNamespace(id=3, pdq=None, pdq_quality=None, pdq_variants=None),
    ]
    for quality, trimmed_quality in [(80, None), (20, None), (20, 70), (20, 30), (80, 30)]:
        variants = {
            "version": 1,
            "original": {**own, "quality": quality},
            "unletterboxed": None
            if trimmed_quality is None
            else {**trimmed, "quality": trimmed_quality},
        }
        pictures.append(
            SimpleNamespace(id=4, pdq="a" * 64, pdq_quality=quality, pdq_variants=variants)
        )
    verdicts = [_fit(picture, 50) for picture in pictures]
    assert verdicts == [bool(queries(picture, 50)) for picture in pictures]
    assert verdicts == [True, False, False, True, False, True, False, True]


def test_with_nothing_to_match_against_only_unfit_pictures_are_counted(
    store: Store, tmp_path: Path
) -> None:
    # No bank and no other seizure: matching only counts the pictures it could not have
    # matched, reading the variants of the low-quality ones only. A flat picture counts; a
    # detailed picture on a wide flat canvas has a low quality of its own but a fit trimmed
    # variant, so it does not.
    flat = Image.new("RGB", (200, 150), (90, 90, 90))
    soft = load_sample_photo("rocket").resize((240, 180)).filter(ImageFilter.GaussianBlur(2))
    canvas = Image.new("RGB", (900, 700), tuple(int(v) for v in ImageStat.Stat(soft).mean))
    canvas.paste(soft, (330, 260))
    _write(tmp_path / "s", "flat.png", encode(flat, "PNG"))
    _write(tmp_path / "s", "framed.png", encode(canvas, "PNG"))
    _write(tmp_path / "s", "photo.jpg", encode(load_sample_photo("astronaut"), "JPEG"))
    outcome = ingest(store, IngestRequest(root=tmp_path / "s", case_reference="C", workers=1))
    with store.session() as session:
        qualities = dict(session.execute(select(Media.size, Media.pdq_quality)).all())
    assert sorted(q < 50 for q in qualities.values()) == [False, True, True], qualities
    assert outcome.matches.low_quality_pictures == 1

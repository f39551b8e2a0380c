"""The links of a seizure are the same for the triage report and `vigil match list`.

Two seizures share a near-duplicate picture and are matched in order, A then B: the link is
stored once, from B's side. Seen from A, it must be listed (so that A's reviewer can reject
it), counted by A's report, and dropped from both once rejected.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.matching.links import seizure_links
from vigil.matching.listing import seizure_matches
from vigil.matching.matching import match_seizure
from vigil.matching.review import COUNTED, review_match
from vigil.reports.triage import build_report
from vigil.sharing.actor import local_actor
from vigil.sharing.policy import Viewer, resolve
from vigil.signals import vpdq
from vigil.signals.vpdq import VpdqFrame
from vigil.store.db import Store
from vigil.store.models import IngestRun, Match, Media, Seizure, Sighting
from vigil.store.repo import case_by_reference, default_agency, seizure_by_name

RNG = np.random.default_rng(10)


def _viewer(session: Session) -> Viewer:
    """The person at the terminal, acting for the local agency that owns every seizure here."""
    return resolve(session, local_actor())


def _pdq() -> str:
    return RNG.integers(0, 256, 32, dtype=np.uint8).tobytes().hex()


def _near(hex_digits: str, bits: int) -> str:
    """The same hash with ``bits`` bits flipped: a near-duplicate, well within the radius."""
    value = int(hex_digits, 16)
    for bit in RNG.choice(256, bits, replace=False):
        value ^= 1 << int(bit)
    return f"{value:064x}"


def _frames(hexes: list[str]) -> list[list[int | float | str]]:
    return vpdq.to_json(VpdqFrame(n, float(n), 100, h) for n, h in enumerate(hexes))


def _seizure(session: Session, case: str, name: str, files: dict[str, str | list[str]]) -> int:
    """A seizure as ingest stores it; returns its id.

    ``files`` maps a path to a picture's PDQ, or to the PDQ of a video's frames.
    """
    seizure = seizure_by_name(
        session, case_by_reference(session, default_agency(session), case), name
    )
    run = IngestRun(
        seizure_id=seizure.id, root_path=name, status="complete", pdq_mode="fast", workers=1
    )
    session.add(run)
    session.flush()
    for path, hashes in files.items():
        digest = f"{case}/{name}/{path}".encode().hex()
        media = Media(
            sha256=digest.ljust(64, "0")[:64],
            sha1=digest.ljust(40, "0")[:40],
            md5=digest.ljust(32, "0")[:32],
            size=1000,
            kind="image" if isinstance(hashes, str) else "video",
            format="jpeg" if isinstance(hashes, str) else "mp4",
            mime="image/jpeg" if isinstance(hashes, str) else "video/mp4",
            pdq=hashes if isinstance(hashes, str) else None,
            pdq_quality=100 if isinstance(hashes, str) else None,
            vpdq=None if isinstance(hashes, str) else _frames(hashes),
        )
        session.add(media)
        session.flush()
        session.add(
            Sighting(
                media_id=media.id,
                seizure_id=seizure.id,
                ingest_run_id=run.id,
                path=path,
                path_raw=path.encode(),
                size=1000,
                mtime=0.0,
            )
        )
    session.flush()
    return seizure.id


def _linked_in_report(session: Session, seizure_id: int) -> set[int]:
    """The report's media of the seizure that are not new: the ones it counts as linked."""
    report = build_report(session, session.get_one(Seizure, seizure_id), _viewer(session))
    new = {media.media_id for media in report.new_media}
    in_seizure = select(Sighting.media_id).where(Sighting.seizure_id == seizure_id)
    return set(session.scalars(in_seizure)) - new


def test_a_link_found_from_the_other_side_is_listed_counted_and_rejectable(store: Store) -> None:
    shared = _pdq()
    with store.session() as session:
        a = _seizure(session, "C1", "phone", {"DCIM/beach.jpg": shared, "DCIM/other.jpg": _pdq()})
        match_seizure(session, a)
    with store.session() as session:
        b = _seizure(session, "C2", "laptop", {"copies/beach_small.jpg": _near(shared, 6)})
        match_seizure(session, b)
    with store.session() as session:
        (stored,) = session.scalars(select(Match))
        beach = session.scalar(select(Sighting.media_id).where(Sighting.path == "DCIM/beach.jpg"))
        # Stored from B's side only: A's picture is the *other* media.
        assert (stored.other_media_id, stored.signal) == (beach, "pdq")

        links = seizure_links(session, _viewer(session), a, COUNTED)
        assert [(link.match_id, link.media_id, link.reverse) for link in links] == [
            (stored.id, beach, True)
        ]
        assert _linked_in_report(session, a) == {link.media_id for link in links}
        report = build_report(session, session.get_one(Seizure, a), _viewer(session))
        assert report.classes["other_cases"] == 1
        assert report.other_cases == {"C2": 1}

        (row,) = seizure_matches(session, _viewer(session), a)
        assert (row.match_id, row.path, row.signal) == (stored.id, "DCIM/beach.jpg", "pdq")
        assert row.found_from_other_side
        assert row.target == "case C2 seizure laptop: copies/beach_small.jpg"
        assert row.distance == stored.distance

    # A's reviewer rejects the link from A's side, by the id `vigil match list` showed.
    with store.session() as session:
        review_match(session, _viewer(session), row.match_id, "rejected")
    with store.session() as session:
        assert seizure_links(session, _viewer(session), a, COUNTED) == []
        assert _linked_in_report(session, a) == set()
        assert (
            build_report(session, session.get_one(Seizure, a), _viewer(session)).classes[
                "other_cases"
            ]
            == 0
        )
        # Still listed, as rejected, so that it can be opened again; gone from B's count too.
        assert [r.verdict for r in seizure_matches(session, _viewer(session), a)] == ["rejected"]
        assert [r.match_id for r in seizure_matches(session, _viewer(session), a, "rejected")] == [
            stored.id
        ]
        assert seizure_matches(session, _viewer(session), a, "open") == []
        assert (
            build_report(session, session.get_one(Seizure, b), _viewer(session)).classes["new"] == 1
        )


def test_a_link_reads_from_the_seizure_s_side(store: Store) -> None:
    # The same stored matches seen from each seizure: own and other media swap places, and
    # so do a video's shares (B's clip is all in A's video, which is half in the clip).
    shared = _pdq()
    frames = [_pdq() for _ in range(4)]
    with store.session() as session:
        a = _seizure(session, "C1", "phone", {"a.jpg": shared, "a.mp4": frames})
        match_seizure(session, a)
        b = _seizure(session, "C2", "laptop", {"b.jpg": _near(shared, 3), "b.mp4": frames[:2]})
        match_seizure(session, b)
        from_a = {link.signal: link for link in seizure_links(session, _viewer(session), a)}
        from_b = {link.signal: link for link in seizure_links(session, _viewer(session), b)}
        rows = {row.signal: row for row in seizure_matches(session, _viewer(session), a)}
    assert sorted(from_a) == sorted(from_b) == ["pdq", "vpdq"]
    for signal in ("pdq", "vpdq"):
        here, there = from_a[signal], from_b[signal]
        assert here.match_id == there.match_id
        assert (here.media_id, here.other_media_id) == (there.other_media_id, there.media_id)
        assert (here.reverse, there.reverse) == (True, False)
    assert from_a["pdq"].distance == from_b["pdq"].distance == 3
    assert (from_b["vpdq"].query_share, from_b["vpdq"].target_share) == (1.0, 0.5)
    assert (from_a["vpdq"].query_share, from_a["vpdq"].target_share) == (0.5, 1.0)
    assert (rows["vpdq"].path, rows["vpdq"].query_share) == ("a.mp4", 0.5)

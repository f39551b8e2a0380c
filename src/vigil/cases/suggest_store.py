"""What suggestions read from the store: a seizure's new media with their evidence, and
their counted matches to media of series the viewer may see (see ``cases.suggest``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.cases.names import label_of
from vigil.cases.suggest_evidence import Candidate, Evidence, EvidenceKind, capture_time
from vigil.matching.links import Link
from vigil.sharing.policy import Viewer, series_condition
from vigil.signals.pdq_variants import PdqVariants
from vigil.signals.registry import PDQ
from vigil.store.models import Agency, Media, Series, SeriesMedia, Sighting

#: Media of these kinds can be proposed (documents and archives cannot).
_KINDS = ("image", "video")


@dataclass(frozen=True, slots=True)
class ExtendedSeries:
    """An existing series a proposal's media match, named as the viewer is told of it."""

    series_id: int
    label: str


def new_media(
    session: Session, viewer: Viewer, seizure_id: int, links: Sequence[Link]
) -> list[Candidate]:
    """The seizure's new media with their evidence: pictures and videos seen in the seizure,
    with no counted match to a bank entry the viewer may see and in no series the viewer
    may see. ``links`` are the seizure's counted links the viewer may see."""
    known = {link.media_id for link in links if link.entry is not None}
    in_seizure = select(Sighting.media_id).where(Sighting.seizure_id == seizure_id)
    known.update(
        session.scalars(
            select(SeriesMedia.media_id)
            .join(Series, Series.id == SeriesMedia.series_id)
            .where(SeriesMedia.media_id.in_(in_seizure), series_condition(viewer))
        )
    )
    # Read through Core, not the ORM: a seizure may hold a million media.
    rows = session.connection().execute(
        select(
            Media.id,
            Media.sha256,
            Media.pdq,
            Media.pdq_quality,
            Media.pdq_variants,
            Media.media_metadata,
            Sighting.path,
        )
        .join(Sighting, Sighting.media_id == Media.id)
        .where(Sighting.seizure_id == seizure_id, Media.kind.in_(_KINDS))
        .order_by(Sighting.id)
    )
    candidates: dict[int, Candidate] = {}
    for media_id, sha256, pdq, quality, variants, metadata, path in rows:
        if media_id not in known and media_id not in candidates:
            usable = pdq is not None and (quality or 0) >= PDQ.quality_floor
            candidates[media_id] = _candidate(
                media_id, sha256, path, pdq if usable else None, variants, metadata
            )
    return sorted(candidates.values(), key=lambda c: c.media_id)


def _candidate(
    media_id: int,
    sha256: str,
    path: str,
    pdq: str | None,
    variants: dict[str, Any] | None,
    metadata: dict[str, Any] | None,
) -> Candidate:
    exif = (metadata or {}).get("exif") or {}
    gps = exif.get("gps") or {}
    lat, lon = _number(gps.get("lat")), _number(gps.get("lon"))
    placed = lat is not None and lon is not None
    return Candidate(
        media_id=media_id,
        sha256=sha256,
        path=path,
        pdq=pdq,
        variants=_variants(variants) if pdq is not None else (),
        make=_text(exif.get("make")),
        model=_text(exif.get("model")),
        serial=_text(exif.get("serial_number")),
        lat=lat if placed else None,
        lon=lon if placed else None,
        taken_at=capture_time(exif.get("datetime_original")),
    )


def _variants(value: dict[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """The picture's variant hashes but its own (unreadable variants are left out)."""
    if not value:
        return ()
    try:
        return tuple(PdqVariants.from_json(value).queries(min_quality=PDQ.quality_floor)[1:])
    except ValueError:
        return ()


def _number(value: object) -> float | None:
    if type(value) is not float and type(value) is not int:  # not bool, not text
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def series_evidence(
    session: Session, viewer: Viewer, seizure_links: Sequence[Link], new_media: set[int]
) -> tuple[list[Evidence], dict[int, ExtendedSeries]]:
    """Counted matches of the new media to media of series the viewer may see: the best
    match of each media to each series, and those series as the viewer names them."""
    links = [
        link
        for link in seizure_links
        if link.other_media_id is not None and link.media_id in new_media
    ]
    others = {link.other_media_id for link in links}
    if not others:
        return [], {}
    members = session.execute(
        select(SeriesMedia.media_id, Series.id, Series.name, Series.agency_id, Agency.code)
        .join(Series, Series.id == SeriesMedia.series_id)
        .join(Agency, Agency.id == Series.agency_id)
        .where(SeriesMedia.media_id.in_(sorted(i for i in others if i is not None)))
        .where(series_condition(viewer))
    ).all()
    series: dict[int, ExtendedSeries] = {}
    series_of: dict[int, list[int]] = {}
    for media_id, series_id, name, agency_id, code in members:
        series[series_id] = ExtendedSeries(series_id, label_of(viewer, code, agency_id, name))
        series_of.setdefault(media_id, []).append(series_id)
    best: dict[tuple[int, int], Evidence] = {}
    for link in links:
        for series_id in series_of.get(link.other_media_id or 0, ()):
            detail = {
                "series_id": series_id,
                "series": series[series_id].label,
                "match_id": link.match_id,
                "signal": link.signal,
                "distance": link.distance,
                "variant": link.variant,
            }
            edge = Evidence(link.media_id, link.other_media_id or 0, EvidenceKind.SERIES, detail)
            key = (link.media_id, series_id)
            seen = best.get(key)
            if seen is None or _closer(edge, seen):
                best[key] = edge
    return [best[key] for key in sorted(best)], series


def _closer(edge: Evidence, other: Evidence) -> bool:
    mine, theirs = edge.detail["distance"], other.detail["distance"]
    return (mine if mine is not None else -1) < (theirs if theirs is not None else -1)

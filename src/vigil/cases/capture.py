"""Camera and position facts of a seizure's pictures, and the other cases they connect to.

Each picture's EXIF (``Media.media_metadata["exif"]``: make, model, serial_number, gps) is
copied into ``MediaCapture`` so that "the same camera" and "taken near here" are indexed
queries rather than reads of every picture's metadata. A camera is ``make|model|serial``
and only when the body serial is known: make and model alone are shared by millions of
devices. Positions are compared by great-circle distance (haversine) after a latitude band
query, never all pairs: a seizure's pictures taken in one place share a grid cell.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, Select, and_, case, func, null, or_, select
from sqlalchemy.orm import Session

from vigil.cases.errors import IdentificationError
from vigil.store.insert import insert_ignoring_duplicates
from vigil.store.models import Media, MediaCapture, Sighting

GPS_METRES_ENV = "VIGIL_ALERT_GPS_METRES"
DEFAULT_GPS_METRES = 100.0
EARTH_RADIUS_METRES = 6_371_008.8
#: Metres in one degree of latitude (and of longitude at the equator).
_METRES_PER_DEGREE = math.pi * EARTH_RADIUS_METRES / 180
# Latitude bands asked for in one query (each an indexed range on MediaCapture.lat).
_BANDS_PER_QUERY = 200
_CHUNK = 5000


def gps_metres(env: Mapping[str, str] = os.environ) -> float:
    """How near two positions must be to link two cases: ``VIGIL_ALERT_GPS_METRES``
    (default 100); IdentificationError naming the variable for anything but a number > 0."""
    text = env.get(GPS_METRES_ENV, "").strip()
    if not text:
        return DEFAULT_GPS_METRES
    try:
        value = float(text)
    except ValueError:
        raise IdentificationError(f"{GPS_METRES_ENV}: {text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise IdentificationError(f"{GPS_METRES_ENV}: {text!r} must be a number of metres > 0")
    return value


def haversine_metres(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Great-circle distances in metres between positions in decimal degrees (numpy
    broadcasting: one against many, or a grid of pairs)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.subtract(lon2, lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    distance: npt.NDArray[np.float64] = (
        2 * EARTH_RADIUS_METRES * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    )
    return distance


def camera_key(make: object, model: object, serial: object) -> str | None:
    """``make|model|serial`` when the body serial is known, else None (what
    :func:`fill_captures` writes in SQL)."""
    serial_text = str(serial).strip() if serial is not None else ""
    if not serial_text:
        return None
    parts = (str(make or "").strip(), str(model or "").strip(), serial_text)
    return "|".join(parts)[:800]


def _in_seizure(seizure_id: int) -> Select[int]:
    return select(Sighting.media_id).where(Sighting.seizure_id == seizure_id)


def _camera(exif: Any) -> ColumnElement[str | None]:
    """``make|model|serial`` when the body serial is known, else NULL: :func:`camera_key`
    in SQL."""
    serial = func.trim(exif["serial_number"].as_string())
    make = func.coalesce(func.trim(exif["make"].as_string()), "")
    model = func.coalesce(func.trim(exif["model"].as_string()), "")
    key = func.substr(make + "|" + model + "|" + serial, 1, 800)
    return case((func.coalesce(serial, "") != "", key), else_=null())


def fill_captures(session: Session, seizure_id: int) -> None:
    """Record the camera and position of the seizure's pictures not recorded yet (those
    with a body serial or a position): one INSERT ... SELECT, however many there are."""
    exif = Media.media_metadata["exif"]
    lat, lon = exif["gps"]["lat"].as_float(), exif["gps"]["lon"].as_float()
    placed = and_(lat.is_not(None), lon.is_not(None))
    camera = _camera(exif)
    facts = select(
        Media.id,
        camera,
        case((placed, lat), else_=null()),
        case((placed, lon), else_=null()),
        func.substr(exif["datetime_original"].as_string(), 1, 40),
    ).where(
        Media.id.in_(_in_seizure(seizure_id)),
        Media.id.not_in(select(MediaCapture.media_id)),
        or_(camera.is_not(None), placed),
    )
    columns = ["media_id", "camera", "lat", "lon", "taken_at"]
    insert = insert_ignoring_duplicates(session, MediaCapture.__table__)
    session.execute(insert.from_select(columns, facts))


@dataclass(frozen=True)
class CameraLink:
    """Pictures of the seizure taken with a camera that also took pictures of ``seizure_id``."""

    seizure_id: int
    camera: str
    media_ids: tuple[int, ...]


def camera_links(session: Session, seizure_id: int, others: Select[int]) -> list[CameraLink]:
    """The cameras of the seizure's pictures that also took pictures in one of ``others``
    (a query of seizure ids), one link per (other seizure, camera)."""
    own = session.execute(
        select(MediaCapture.camera, MediaCapture.media_id).where(
            MediaCapture.media_id.in_(_in_seizure(seizure_id)), MediaCapture.camera.is_not(None)
        )
    )
    by_camera: dict[str, list[int]] = defaultdict(list)
    for camera, media_id in own:
        if camera is not None:
            by_camera[camera].append(media_id)
    links: list[CameraLink] = []
    cameras = sorted(by_camera)
    for start in range(0, len(cameras), 500):
        found = session.execute(
            select(MediaCapture.camera, Sighting.seizure_id)
            .join(Sighting, Sighting.media_id == MediaCapture.media_id)
            .where(
                MediaCapture.camera.in_(cameras[start : start + 500]),
                Sighting.seizure_id.in_(others),
            )
            .distinct()
        )
        links += [
            CameraLink(other, camera, tuple(sorted(by_camera[camera])))
            for camera, other in found
            if camera is not None
        ]
    return sorted(links, key=lambda link: (link.seizure_id, link.camera))


@dataclass(frozen=True)
class NearLink:
    """Pictures of the seizure taken within the distance of pictures of ``seizure_id``."""

    seizure_id: int
    #: The closest pair: this seizure's media and the distance in metres.
    closest_media_id: int
    metres: float
    media_ids: tuple[int, ...]


def _bands(lats: Iterable[float], degrees: float) -> list[tuple[float, float]]:
    """The latitude ranges within ``degrees`` of ``lats``, overlapping ones merged."""
    merged: list[tuple[float, float]] = []
    for lat in sorted(lats):
        low, high = lat - degrees, lat + degrees
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _neighbours(cell: tuple[int, int], reach: int) -> Iterator[tuple[int, int]]:
    row, column = cell
    for dr in (-1, 0, 1):
        for dc in range(-reach, reach + 1):
            yield row + dr, column + dc


def near_links(
    session: Session, seizure_id: int, others: Select[int], metres: float
) -> list[NearLink]:
    """Other seizures (of ``others``, a query of seizure ids) with pictures taken within
    ``metres`` of one of the seizure's, one link per other seizure.

    Positions are put in grid cells ``metres`` high: a position within ``metres`` of
    another is in its cell or a neighbour, so each cell of the seizure's is measured
    against its neighbours' positions only, all at once.
    """
    own_rows = session.execute(
        select(MediaCapture.media_id, MediaCapture.lat, MediaCapture.lon).where(
            MediaCapture.media_id.in_(_in_seizure(seizure_id)), MediaCapture.lat.is_not(None)
        )
    )
    # Pictures taken at one spot are measured once: by distinct position.
    at: dict[tuple[float, float], list[int]] = defaultdict(list)
    for media_id, lat, lon in own_rows:
        if lat is not None and lon is not None:
            at[(lat, lon)].append(media_id)
    if not at:
        return []
    points = list(at)
    lats = np.array([p[0] for p in points])
    lons = np.array([p[1] for p in points])
    degrees = metres / _METRES_PER_DEGREE
    widest = min(89.9, float(np.abs(lats).max()) + degrees)
    # A degree of longitude shrinks towards the poles: that many cells to either side.
    reach = math.ceil(1 / math.cos(math.radians(widest)))
    cells = _cells(lats, lons, degrees)
    found: dict[int, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for other, lat, lon in _positions_in_bands(session, _bands(lats, degrees), others):
        found[other][0].append(lat)
        found[other][1].append(lon)
    links = []
    for other, (other_lats, other_lons) in sorted(found.items()):
        theirs = (np.array(other_lats), np.array(other_lons))
        nearest = _nearest(lats, lons, cells, theirs, _cells(*theirs, degrees), reach)
        near = np.flatnonzero(nearest <= metres)
        if not len(near):
            continue
        closest = min(near, key=lambda i: (nearest[i], min(at[points[i]])))
        media = sorted({m for i in near for m in at[points[i]]})
        links.append(
            NearLink(other, min(at[points[closest]]), float(nearest[closest]), tuple(media))
        )
    return links


def _cells(
    lats: npt.NDArray[np.float64], lons: npt.NDArray[np.float64], degrees: float
) -> dict[tuple[int, int], npt.NDArray[np.intp]]:
    """The positions (by index) in each grid cell ``degrees`` wide."""
    rows = np.floor(lats / degrees).astype(np.int64)
    columns = np.floor(lons / degrees).astype(np.int64)
    members: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, cell in enumerate(zip(rows.tolist(), columns.tolist(), strict=True)):
        members[cell].append(index)
    return {cell: np.array(indices, dtype=np.intp) for cell, indices in members.items()}


def _nearest(
    lats: npt.NDArray[np.float64],
    lons: npt.NDArray[np.float64],
    cells: dict[tuple[int, int], npt.NDArray[np.intp]],
    theirs: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    their_cells: dict[tuple[int, int], npt.NDArray[np.intp]],
    reach: int,
) -> npt.NDArray[np.float64]:
    """For each of our positions, the metres to the nearest of theirs in a neighbouring
    cell (infinity when there is none)."""
    nearest = np.full(len(lats), np.inf)
    their_lats, their_lons = theirs
    for cell, ours in cells.items():
        near = [their_cells[n] for n in _neighbours(cell, reach) if n in their_cells]
        if not near:
            continue
        candidates = np.concatenate(near)
        distances = haversine_metres(
            lats[ours][:, None],
            lons[ours][:, None],
            their_lats[candidates][None, :],
            their_lons[candidates][None, :],
        )
        nearest[ours] = distances.min(axis=1)
    return nearest


def _positions_in_bands(
    session: Session, bands: Sequence[tuple[float, float]], others: Select[int]
) -> Iterator[tuple[int, float, float]]:
    """(seizure, lat, lon) of the distinct positions in ``others`` inside the bands."""
    for start in range(0, len(bands), _BANDS_PER_QUERY):
        within = or_(
            *(
                and_(MediaCapture.lat >= low, MediaCapture.lat <= high)
                for low, high in bands[start : start + _BANDS_PER_QUERY]
            )
        )
        rows = session.execute(
            select(Sighting.seizure_id, MediaCapture.lat, MediaCapture.lon)
            .join(Sighting, Sighting.media_id == MediaCapture.media_id)
            .where(within, MediaCapture.lon.is_not(None), Sighting.seizure_id.in_(others))
            .group_by(Sighting.seizure_id, MediaCapture.lat, MediaCapture.lon)
            .execution_options(yield_per=_CHUNK)
        )
        for seizure, lat, lon in rows:
            if lat is not None and lon is not None:
                yield int(seizure), float(lat), float(lon)

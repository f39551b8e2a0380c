"""The evidence that two of a seizure's new pictures belong together, found without comparing
every pair: the PDQ index for near-duplicates, a 3-D grid for GPS positions, sorting for
cameras and capture times.

Everything here works on :class:`Candidate` values already read from the store, so the
grouping can be tested and measured apart from the database (see ``cases.suggest``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from itertools import pairwise, product
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vigil.cases.capture import DEFAULT_GPS_METRES, EARTH_RADIUS_METRES, camera_key
from vigil.index.pdq import PdqIndex, codes_from_hex
from vigil.signals.pdq_variants import IDENTITY
from vigil.signals.registry import PDQ


class EvidenceKind(StrEnum):
    """Why two media are proposed together."""

    #: Their PDQ hashes (or a turned, mirrored or unletterboxed variant) are within the radius.
    PDQ = "pdq"
    #: Taken by the same camera body (EXIF make, model and serial number).
    CAMERA = "camera"
    #: Taken within the GPS distance of each other.
    GPS = "gps"
    #: Taken by the same device within the burst interval of each other.
    BURST = "burst"
    #: The media matches media of an existing series.
    SERIES = "series"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One of the seizure's new pictures, with what its evidence is read from."""

    media_id: int
    sha256: str
    path: str
    #: Its PDQ, when its quality is high enough to match on.
    pdq: str | None = None
    #: Its other PDQ variants as (label, hex): mirrored, turned, unletterboxed.
    variants: tuple[tuple[str, str], ...] = ()
    make: str | None = None
    model: str | None = None
    serial: str | None = None
    lat: float | None = None
    lon: float | None = None
    #: Capture time in seconds since the epoch (a time without offset is read as UTC).
    taken_at: float | None = None

    @property
    def camera(self) -> str | None:
        """``make|model|serial`` when the body serial is known (make and model alone are
        shared by millions of devices), as the alerts' cross-case links key it."""
        return camera_key(self.make, self.model, self.serial)

    @property
    def device(self) -> str | None:
        """``make|model|serial`` with whatever of them is known; None when none is."""
        if not (self.make or self.model or self.serial):
            return None
        return f"{self.make or ''}|{self.model or ''}|{self.serial or ''}"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One edge of the graph: media ``a`` and ``b`` (``a`` < ``b`` between seizure media;
    for a series edge ``b`` is the series' media), why, and the numbers that say how close."""

    a: int
    b: int
    kind: EvidenceKind
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """``{"a", "b", "kind", "detail"}``."""
        return {"a": self.a, "b": self.b, "kind": self.kind.value, "detail": dict(self.detail)}


@dataclass(frozen=True, slots=True)
class EvidenceSettings:
    """How close is close enough for each kind of evidence."""

    #: PDQ radius in bits: the signal registry's match threshold unless told otherwise.
    pdq_radius: int = PDQ.default_threshold
    gps_metres: float = DEFAULT_GPS_METRES
    burst_seconds: float = 120.0
    #: Link a time burst across devices (and pictures of no known device); off by default,
    #: as a seizure's unrelated pictures taken minutes apart would merge (see bench/README.md).
    burst_any_device: bool = False
    kinds: frozenset[EvidenceKind] = frozenset(EvidenceKind)

    def __post_init__(self) -> None:
        if not 0 <= self.pdq_radius <= PDQ.default_threshold:
            raise ValueError(
                f"pdq radius must be 0 to {PDQ.default_threshold} bits, not {self.pdq_radius}"
            )
        if not (math.isfinite(self.gps_metres) and self.gps_metres > 0):
            raise ValueError(f"gps metres must be a positive number, not {self.gps_metres}")
        if not (math.isfinite(self.burst_seconds) and self.burst_seconds > 0):
            raise ValueError(f"burst seconds must be a positive number, not {self.burst_seconds}")


def pdq_edges(candidates: Sequence[Candidate], radius: int) -> list[Evidence]:
    """Near-duplicate links: each picture's PDQ and its variants looked up in a PDQ index of
    the pictures' own hashes (never all pairs); one edge a pair, at its smallest distance
    (the picture's own hash preferred to a variant on a tie)."""
    hashed = [c for c in candidates if c.pdq is not None]
    if len(hashed) < 2:
        return []
    index = PdqIndex.build(
        codes_from_hex([c.pdq for c in hashed if c.pdq is not None]),
        np.fromiter((c.media_id for c in hashed), np.int64, len(hashed)),
    )
    queries: list[tuple[int, str]] = []
    hexes: list[str] = []
    for c in hashed:
        for label, hex_digits in ((IDENTITY, c.pdq), *c.variants):
            if hex_digits is not None:
                queries.append((c.media_id, label))
                hexes.append(hex_digits)
    best: dict[tuple[int, int], tuple[int, int, str]] = {}
    for (media_id, label), found in zip(
        queries, index.search_many(codes_from_hex(hexes), radius), strict=True
    ):
        rank = 0 if label == IDENTITY else 1
        for other, distance in found:
            if other == media_id:
                continue
            pair = (min(media_id, other), max(media_id, other))
            seen = best.get(pair)
            if seen is None or (distance, rank) < seen[:2]:
                best[pair] = (distance, rank, label)
    return [
        Evidence(a, b, EvidenceKind.PDQ, {"distance": distance, "variant": label})
        for (a, b), (distance, _, label) in sorted(best.items())
    ]


def camera_edges(candidates: Sequence[Candidate]) -> list[Evidence]:
    """The same camera body: each picture linked to the previous of that camera in capture
    order (a chain, not a clique)."""
    by_camera: dict[str, list[Candidate]] = defaultdict(list)
    for c in candidates:
        if c.camera is not None:
            by_camera[c.camera].append(c)
    edges: list[Evidence] = []
    for members in by_camera.values():
        members.sort(key=_capture_order)
        for first, second in pairwise(members):
            detail = {"make": first.make, "model": first.model, "serial": first.serial}
            edges.append(_edge(first, second, EvidenceKind.CAMERA, detail))
    return edges


def burst_edges(
    candidates: Sequence[Candidate], seconds: float, any_device: bool = False
) -> list[Evidence]:
    """Capture-time bursts: in time order, each picture linked to the previous picture of the
    same device (or of any, with ``any_device``) taken at most ``seconds`` before it."""
    timed = [c for c in candidates if c.taken_at is not None]
    by_device: dict[str | None, list[Candidate]] = defaultdict(list)
    for c in timed:
        key = None if any_device else c.device
        if any_device or key is not None:
            by_device[key].append(c)
    edges: list[Evidence] = []
    for members in by_device.values():
        members.sort(key=_capture_order)
        for first, second in pairwise(members):
            gap = (second.taken_at or 0.0) - (first.taken_at or 0.0)
            if gap <= seconds:
                edges.append(_edge(first, second, EvidenceKind.BURST, {"seconds": round(gap, 3)}))
    return edges


def gps_edges(candidates: Sequence[Candidate], metres: float) -> list[Evidence]:
    """GPS proximity: pictures taken at most ``metres`` apart end up connected, by a spanning
    set of edges found through a grid (never all pairs).

    Positions become points on a sphere in 3-D, bucketed in cubes of side ``metres / √3``:
    any two points of one cube are within ``metres`` (chained in id order), and two cubes are
    joined by the first pair within ``metres`` found, unless already connected. Works the same
    at the poles and across the 180th meridian.
    """
    placed = [c for c in candidates if c.lat is not None and c.lon is not None]
    side = metres / math.sqrt(3) * 0.999  # a chord shorter than the arc, with room to spare
    cells: dict[tuple[int, int, int], list[Candidate]] = defaultdict(list)
    for c in sorted(placed, key=lambda c: c.media_id):
        x, y, z = _on_sphere(c.lat or 0.0, c.lon or 0.0)
        cells[(math.floor(x / side), math.floor(y / side), math.floor(z / side))].append(c)
    groups = UnionFind()
    edges: list[Evidence] = []

    def link(first: Candidate, second: Candidate, apart: float) -> None:
        groups.union(first.media_id, second.media_id)
        edges.append(_edge(first, second, EvidenceKind.GPS, {"metres": round(apart, 1)}))

    for members in cells.values():
        for first, second in pairwise(members):
            link(first, second, _metres(first, second))
    reach = math.ceil(metres / side)
    steps = range(-reach, reach + 1)
    points = _CubePoints(cells, metres)
    for cell, members in cells.items():
        for offset in product(steps, steps, steps):
            near = (cell[0] + offset[0], cell[1] + offset[1], cell[2] + offset[2])
            if near <= cell or near not in cells:
                continue  # each pair of cubes once
            others = cells[near]
            if groups.find(members[0].media_id) == groups.find(others[0].media_id):
                continue
            closest = points.first_within(cell, near)
            if closest is not None:
                link(*closest)
    return edges


class _CubePoints:
    """The first pair within the distance between two cubes' pictures: a loop for small
    cubes, numpy blocks for crowded ones (thousands of pictures taken at one home)."""

    _LOOP_PAIRS = 256
    _BLOCK_PAIRS = 1 << 20

    def __init__(self, cells: Mapping[tuple[int, int, int], list[Candidate]], metres: float):
        self._cells = cells
        self._metres = metres
        # A chord of this length subtends an arc of ``metres``.
        self._chord = 2 * EARTH_RADIUS_METRES * math.sin(metres / (2 * EARTH_RADIUS_METRES))
        self._xyz: dict[tuple[int, int, int], NDArray[np.float64]] = {}

    def _points(self, cell: tuple[int, int, int]) -> NDArray[np.float64]:
        found = self._xyz.get(cell)
        if found is None:
            found = np.array([_on_sphere(c.lat or 0.0, c.lon or 0.0) for c in self._cells[cell]])
            self._xyz[cell] = found
        return found

    def first_within(
        self, cell: tuple[int, int, int], near: tuple[int, int, int]
    ) -> tuple[Candidate, Candidate, float] | None:
        members, others = self._cells[cell], self._cells[near]
        if len(members) * len(others) <= self._LOOP_PAIRS:
            for first in members:
                for second in others:
                    apart = _metres(first, second)
                    if apart <= self._metres:
                        return first, second, apart
            return None
        mine, theirs = self._points(cell), self._points(near)
        rows = max(1, self._BLOCK_PAIRS // len(others))
        for start in range(0, len(members), rows):
            block = mine[start : start + rows]
            squared = ((block[:, None, :] - theirs[None, :, :]) ** 2).sum(axis=2)
            hits = np.argwhere(squared <= self._chord**2)
            if hits.size:
                first, second = members[start + int(hits[0][0])], others[int(hits[0][1])]
                return first, second, min(_metres(first, second), self._metres)
        return None


def _on_sphere(lat: float, lon: float) -> tuple[float, float, float]:
    phi, lam = math.radians(lat), math.radians(lon)
    return (
        EARTH_RADIUS_METRES * math.cos(phi) * math.cos(lam),
        EARTH_RADIUS_METRES * math.cos(phi) * math.sin(lam),
        EARTH_RADIUS_METRES * math.sin(phi),
    )


def _metres(first: Candidate, second: Candidate) -> float:
    """Haversine distance between two placed pictures: the scalar twin of
    ``cases.capture.haversine_metres``, whose numpy call costs more than the sum for one pair."""
    phi1, phi2 = math.radians(first.lat or 0.0), math.radians(second.lat or 0.0)
    dphi = phi2 - phi1
    dlam = math.radians((second.lon or 0.0) - (first.lon or 0.0))
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(min(1.0, math.sqrt(h)))


def _capture_order(c: Candidate) -> tuple[float, int]:
    return (math.inf if c.taken_at is None else c.taken_at, c.media_id)


def _edge(
    first: Candidate, second: Candidate, kind: EvidenceKind, detail: Mapping[str, Any]
) -> Evidence:
    a, b = sorted((first.media_id, second.media_id))
    return Evidence(a, b, kind, detail)


def seizure_edges(candidates: Sequence[Candidate], settings: EvidenceSettings) -> list[Evidence]:
    """Every edge of the kinds ``settings`` asks for between the seizure's own pictures."""
    edges: list[Evidence] = []
    if EvidenceKind.PDQ in settings.kinds:
        edges += pdq_edges(candidates, settings.pdq_radius)
    if EvidenceKind.CAMERA in settings.kinds:
        edges += camera_edges(candidates)
    if EvidenceKind.GPS in settings.kinds:
        edges += gps_edges(candidates, settings.gps_metres)
    if EvidenceKind.BURST in settings.kinds:
        edges += burst_edges(candidates, settings.burst_seconds, settings.burst_any_device)
    return edges


class UnionFind:
    """Connected components of a graph given edge by edge (path halving, union by size)."""

    def __init__(self) -> None:
        self._parent: dict[int, int] = {}
        self._size: dict[int, int] = {}

    def find(self, node: int) -> int:
        """The representative of ``node``'s component."""
        parent = self._parent
        root = parent.setdefault(node, node)
        while root != parent[root]:
            parent[root] = parent[parent[root]]
            root = parent[root]
        return root

    def union(self, first: int, second: int) -> None:
        """Join the components of ``first`` and ``second``."""
        a, b = self.find(first), self.find(second)
        if a == b:
            return
        if self._size.get(a, 1) < self._size.get(b, 1):
            a, b = b, a
        self._parent[b] = a
        self._size[a] = self._size.get(a, 1) + self._size.get(b, 1)

    def components(self, nodes: Iterable[int]) -> Iterator[list[int]]:
        """The components of ``nodes`` (each sorted), in order of their smallest node."""
        grouped: dict[int, list[int]] = defaultdict(list)
        for node in sorted(nodes):
            grouped[self.find(node)].append(node)
        yield from grouped.values()


def capture_time(value: object) -> float | None:
    """Seconds since the epoch of an EXIF ``datetime_original`` (ISO 8601); None if unreadable.

    A time without a UTC offset is read as UTC: two pictures of one device share its clock,
    which is all a burst compares.
    """
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()

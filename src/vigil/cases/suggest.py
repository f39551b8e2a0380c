"""Suggested series for a seizure's new media: the connected groups of an evidence graph.

The graph's nodes are the seizure's *new* media — seen in the seizure, with no counted match
to a bank entry the viewer may see, and in no series the viewer may see (what is already
known or already assigned needs no suggestion) — plus one node for each existing series the
viewer may see that some of them match. Its edges are the evidence of
:mod:`vigil.cases.suggest_evidence` (near-duplicate PDQ, camera body, GPS, time bursts) and
counted matches (open or confirmed by the viewer's agency) to media of a visible series. A
group of two or more media, or one media matching a series, is a proposal; an investigator
accepts it (creating a series or extending one) or splits it.

Proposals are computed afresh on each call, never stored: a proposal's id is the first 12
hex digits of the SHA-256 of its sorted media ids, so the same evidence gives the same id.
Everything is read through the viewer: series the viewer may not see are neither nodes nor
named, so a proposal never reveals them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from vigil.cases.errors import IdentificationError
from vigil.cases.links import assign_media
from vigil.cases.names import find_series
from vigil.cases.series import create_series
from vigil.cases.suggest_evidence import (
    Evidence,
    EvidenceKind,
    EvidenceSettings,
    UnionFind,
    seizure_edges,
)
from vigil.cases.suggest_store import ExtendedSeries, new_media, series_evidence
from vigil.matching.links import seizure_links
from vigil.matching.review import COUNTED
from vigil.sharing.policy import (
    NotVisibleError,
    Permission,
    Viewer,
    check_seizure,
    require,
)
from vigil.store.models import Series

__all__ = [
    "Accepted",
    "EvidenceKind",
    "EvidenceSettings",
    "ExtendedSeries",
    "Proposal",
    "ProposedMedia",
    "accept",
    "find_proposal",
    "split",
    "split_proposal",
    "suggestions",
]


@dataclass(frozen=True, slots=True)
class ProposedMedia:
    """A media of a proposal: its id, SHA-256 and first path in the seizure."""

    media_id: int
    sha256: str
    path: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """A group of the seizure's new media that the evidence ties together."""

    id: str
    media: tuple[ProposedMedia, ...]
    edges: tuple[Evidence, ...]
    #: The existing series it would extend (empty: a new series).
    extends: tuple[ExtendedSeries, ...]

    @property
    def media_ids(self) -> list[int]:
        """The ids of its media, in order."""
        return [m.media_id for m in self.media]

    def to_json(self) -> dict[str, Any]:
        """The proposal as JSON: id, media, edges and the series it extends."""
        return {
            "id": self.id,
            "media": [{"id": m.media_id, "sha256": m.sha256, "path": m.path} for m in self.media],
            "edges": [edge.to_json() for edge in self.edges],
            "extends": [{"id": s.series_id, "name": s.label} for s in self.extends],
        }


@dataclass(frozen=True, slots=True)
class Accepted:
    """What accepting a proposal did: the series, and the media newly assigned to it."""

    series_id: int
    series: str
    created: bool
    assigned: list[int]


def proposal_id(media_ids: Iterable[int]) -> str:
    """The first 12 hex digits of the SHA-256 of the sorted media ids, comma separated."""
    text = ",".join(str(i) for i in sorted(media_ids))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def suggestions(
    session: Session,
    viewer: Viewer,
    seizure_id: int,
    settings: EvidenceSettings | None = None,
) -> list[Proposal]:
    """The proposals for the seizure's new media, largest first.

    NotVisibleError when the seizure does not exist or the viewer may not see it.
    """
    settings = settings or EvidenceSettings()
    check_seizure(session, viewer, seizure_id)
    links = seizure_links(session, viewer, seizure_id, COUNTED)
    candidates = new_media(session, viewer, seizure_id, links)
    edges = seizure_edges(candidates, settings)
    extended: dict[int, ExtendedSeries] = {}
    if EvidenceKind.SERIES in settings.kinds:
        known = {c.media_id for c in candidates}
        series_edges, extended = series_evidence(session, viewer, links, known)
        edges += series_edges
    media = {c.media_id: ProposedMedia(c.media_id, c.sha256, c.path) for c in candidates}
    return _proposals(media, edges, extended)


def find_proposal(
    session: Session,
    viewer: Viewer,
    seizure_id: int,
    wanted: str,
    settings: EvidenceSettings | None = None,
) -> Proposal:
    """The seizure's proposal ``wanted``; NotVisibleError when there is none of that id."""
    for proposal in suggestions(session, viewer, seizure_id, settings):
        if proposal.id == wanted:
            return proposal
    raise NotVisibleError(
        f"no suggestion {wanted!r} for seizure {seizure_id} "
        f"(list them with `vigil suggest`: the evidence may have changed)"
    )


def split_proposal(
    proposal: Proposal,
    without_kinds: Collection[EvidenceKind] = (),
    without_media: Collection[int] = (),
) -> list[Proposal]:
    """The proposals left when ``proposal`` loses the edges of ``without_kinds`` and the
    media ``without_media``; IdentificationError naming a media not in it."""
    _check_members(proposal, without_media, "without")
    media = {m.media_id: m for m in proposal.media if m.media_id not in without_media}
    edges = [
        e
        for e in proposal.edges
        if e.kind not in without_kinds and e.a not in without_media and e.b not in without_media
    ]
    series = {s.series_id: s for s in proposal.extends}
    return _proposals(media, edges, series)


def split(
    session: Session,
    viewer: Viewer,
    seizure_id: int,
    wanted: str,
    *,
    without_kinds: Collection[EvidenceKind] = (),
    without_media: Collection[int] = (),
    settings: EvidenceSettings | None = None,
) -> list[Proposal]:
    """The seizure's proposal ``wanted`` recomputed without some evidence kinds or media
    (see :func:`split_proposal`), so that part of it can be accepted."""
    proposal = find_proposal(session, viewer, seizure_id, wanted, settings)
    return split_proposal(proposal, without_kinds, without_media)


def accept(
    session: Session,
    viewer: Viewer,
    seizure_id: int,
    wanted: str,
    series_name: str | None,
    without: Sequence[int] = (),
    *,
    create: bool = False,
    settings: EvidenceSettings | None = None,
) -> Accepted:
    """Assign the proposal's media, but ``without``, to a series: a new one called
    ``series_name`` when ``create``, else the one ``series_name`` names, else the one series
    the proposal extends.

    IdentificationError for a media of ``without`` not in the proposal, for nothing left to
    assign, or when no series is named and the proposal extends none or several;
    NotVisibleError for an unknown proposal or series; ForbiddenError without write access.
    """
    require(viewer, Permission.WRITE)
    proposal = find_proposal(session, viewer, seizure_id, wanted, settings)
    _check_members(proposal, without, "without")
    left_out = set(without)
    chosen = [i for i in proposal.media_ids if i not in left_out]
    if not chosen:
        raise IdentificationError(
            f"without: leaves none of suggestion {wanted}'s {len(proposal.media)} media to assign"
        )
    if create:
        if not series_name:
            raise IdentificationError("series name: a new series needs a name")
        series = create_series(session, viewer, series_name)
    elif series_name:
        series = find_series(session, viewer, series_name)
    elif len(proposal.extends) == 1:
        series = _series_by_id(session, proposal.extends[0].series_id)
    else:
        extends = ", ".join(s.label for s in proposal.extends) or "none"
        raise IdentificationError(
            f"series: suggestion {wanted} extends {extends}: name the series to extend "
            f"or a new series to create"
        )
    assigned = assign_media(session, viewer, series.id, chosen)
    return Accepted(series.id, series.name, create, assigned)


def _series_by_id(session: Session, series_id: int) -> Series:
    """The series ``series_id`` (the caller found it among the visible ones)."""
    found = session.get(Series, series_id)
    if found is None:
        raise NotVisibleError(f"no series with id {series_id}")
    return found


def _by_id(series: ExtendedSeries) -> int:
    return series.series_id


def _check_members(proposal: Proposal, media_ids: Collection[int], what: str) -> None:
    outside = sorted(set(media_ids) - set(proposal.media_ids))
    if outside:
        raise IdentificationError(
            f"{what}: media {', '.join(map(str, outside))} not in suggestion {proposal.id} "
            f"(its media: {', '.join(map(str, proposal.media_ids))})"
        )


def _proposals(
    media: dict[int, ProposedMedia],
    edges: Sequence[Evidence],
    series: dict[int, ExtendedSeries],
) -> list[Proposal]:
    """The connected groups of the graph that are proposals (see the module's docstring).

    A series edge joins its media to the series' node (minus the series id), so that media
    matching one series are grouped through it.
    """
    groups = UnionFind()
    for edge in edges:
        other = -int(edge.detail["series_id"]) if edge.kind is EvidenceKind.SERIES else edge.b
        groups.union(edge.a, other)
    by_root: dict[int, list[Evidence]] = {}
    for edge in edges:
        by_root.setdefault(groups.find(edge.a), []).append(edge)
    found: list[Proposal] = []
    series_nodes = [-series_id for series_id in series]
    for component in groups.components([*media, *series_nodes]):
        members = [media[i] for i in component if i > 0]
        extends = tuple(sorted((series[-i] for i in component if i < 0), key=_by_id))
        if len(members) < 2 and not (members and extends):
            continue
        ids = [m.media_id for m in members]
        found.append(
            Proposal(
                proposal_id(ids),
                tuple(members),
                tuple(by_root.get(groups.find(ids[0]), ())),
                extends,
            )
        )
    found.sort(key=lambda p: (-len(p.media), p.media[0].media_id))
    return found

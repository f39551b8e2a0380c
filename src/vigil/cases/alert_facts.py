"""What raises an alert on a seizure: the facts found in its sightings, matches, series
and capture facts, each grouped by the record it is about and the signal.

Every fact is found by a few set-based queries over the seizure's sightings and matches,
whatever its size: never a query per media. Matches the seizure's agency rejected count
for nothing. One finding per (record, signal) names its files: the first one, how many,
the first of their paths; the closest match's distance and variant.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, exists, literal, null, select, union
from sqlalchemy.orm import Session

from vigil.cases.capture import camera_links, fill_captures, gps_metres, near_links
from vigil.store.models import (
    Agency,
    AlertKind,
    Bank,
    BankEntry,
    Match,
    MatchReview,
    MissingChildReport,
    MissingStatus,
    RecordType,
    Seizure,
    Series,
    SeriesLink,
    SeriesMedia,
    SeriesStatus,
    Sighting,
    Victim,
    VictimStatus,
)

#: A victim in one of these statuses is identified (the series' alert says by whom).
IDENTIFIED = (VictimStatus.IDENTIFIED, VictimStatus.RESCUED, VictimStatus.SAFEGUARDED)
#: Paths an alert lists of the files it is about (it counts them all).
PATHS_LISTED = 10
_SAME_FILE = "sha256"
_SERIES_KINDS = frozenset({AlertKind.ALREADY_IDENTIFIED, AlertKind.KNOWN_SERIES})


@dataclass(frozen=True)
class _Hit:
    """One of the seizure's media touching a record, by one signal."""

    media_id: int
    record_id: int
    signal: str
    distance: int | None = None
    variant: str | None = None
    share: float | None = None


@dataclass
class Finding:
    """One alert to raise (or, for a hidden record, one hit to notify)."""

    kind: AlertKind
    about: RecordType
    about_id: int
    holder_agency_id: int
    key: str
    media_ids: list[int]
    evidence: dict[str, Any] = field(default_factory=dict)
    #: The file of the closest match (or pair of positions), when there is one.
    closest: int | None = None

    @property
    def media_id(self) -> int:
        return min(self.media_ids)


def own_media(seizure_id: int) -> Select[int]:
    return select(Sighting.media_id).where(Sighting.seizure_id == seizure_id)


def _not_rejected(agency_id: int) -> ColumnElement[bool]:
    """The match is not rejected by ``agency_id`` (verdicts are per agency)."""
    return ~exists().where(
        MatchReview.match_id == Match.id,
        MatchReview.agency_id == agency_id,
        MatchReview.verdict == "rejected",
    )


def _pairs(seizure: Seizure) -> Subquery:
    """(own media, other media, signal, distance, variant, share) of every media-to-media
    match of the seizure, read from either side, not rejected by its agency."""
    own, keep = own_media(seizure.id), _not_rejected(seizure.agency_id)
    forward = select(
        Match.media_id.label("own"),
        Match.other_media_id.label("other"),
        Match.signal,
        Match.distance,
        Match.variant,
        Match.query_share.label("share"),
    ).where(Match.media_id.in_(own), Match.other_media_id.is_not(None), keep)
    backward = select(
        Match.other_media_id.label("own"),
        Match.media_id.label("other"),
        Match.signal,
        Match.distance,
        Match.variant,
        Match.target_share.label("share"),
    ).where(Match.other_media_id.in_(own), keep)
    return union(forward, backward).subquery()


def _same_file(query: Select[int, int]) -> Select[*tuple[Any, ...]]:
    """``query`` of (media, record) as hits by the file itself."""
    return query.add_columns(
        literal(_SAME_FILE).label("signal"),
        literal(0).label("distance"),
        null().label("variant"),
        null().label("share"),
    )


def _hits(session: Session, *queries: Select[*tuple[Any, ...]]) -> list[_Hit]:
    return [_Hit(*row) for query in queries for row in session.execute(query.distinct())]


def _missing_findings(session: Session, seizure: Seizure, pairs: Subquery) -> list[Finding]:
    """The seizure's media seen in, or matching media of, the reference seizure of a report
    of a child still missing (never its own report's)."""
    reports = (
        select(MissingChildReport.id, MissingChildReport.seizure_id, MissingChildReport.agency_id)
        .where(
            MissingChildReport.status == MissingStatus.MISSING.value,
            MissingChildReport.seizure_id.is_not(None),
            MissingChildReport.seizure_id != seizure.id,
        )
        .subquery()
    )
    same = _same_file(
        select(Sighting.media_id, reports.c.id)
        .join(reports, Sighting.seizure_id == reports.c.seizure_id)
        .where(Sighting.media_id.in_(own_media(seizure.id)))
    )
    near = (
        select(pairs.c.own, reports.c.id, pairs.c.signal)
        .add_columns(pairs.c.distance, pairs.c.variant, pairs.c.share)
        .join(Sighting, Sighting.media_id == pairs.c.other)
        .join(reports, Sighting.seizure_id == reports.c.seizure_id)
    )
    hits = _hits(session, same, near)
    owners = {i: a for i, a in session.execute(select(reports.c.id, reports.c.agency_id))}
    return _grouped(hits, AlertKind.MISSING_CHILD, RecordType.MISSING_REPORT, owners)


def _series_findings(session: Session, seizure: Seizure, pairs: Subquery) -> list[Finding]:
    """The seizure's media in a series, matching media of one, or matching a bank entry
    whose series name is the bank's agency's series."""
    member = _same_file(
        select(SeriesMedia.media_id, SeriesMedia.series_id).where(
            SeriesMedia.media_id.in_(own_media(seizure.id))
        )
    )
    near = (
        select(pairs.c.own, SeriesMedia.series_id, pairs.c.signal)
        .add_columns(pairs.c.distance, pairs.c.variant, pairs.c.share)
        .join(SeriesMedia, SeriesMedia.media_id == pairs.c.other)
    )
    banked = (
        select(Match.media_id, Series.id, Match.signal, Match.distance, Match.variant)
        .add_columns(Match.query_share)
        .join(BankEntry, Match.bank_entry_id == BankEntry.id)
        .join(Bank, BankEntry.bank_id == Bank.id)
        .join(Series, and_(Series.name == BankEntry.series, Series.agency_id == Bank.agency_id))
        .where(Match.media_id.in_(own_media(seizure.id)), _not_rejected(seizure.agency_id))
    )
    hits = _hits(session, member, near, banked)
    ids = sorted({hit.record_id for hit in hits})
    series = {
        row.id: row
        for row in session.execute(
            select(Series.id, Series.agency_id, Series.status).where(Series.id.in_(ids))
        )
    }
    identified = _identifications(session, ids)
    findings = []
    for finding in _grouped(hits, AlertKind.KNOWN_SERIES, RecordType.SERIES, {}):
        row = series[finding.about_id]
        finding.holder_agency_id = row.agency_id
        by = identified.get(row.id)
        if by is not None or row.status == SeriesStatus.VICTIM_IDENTIFIED.value:
            finding.kind = AlertKind.ALREADY_IDENTIFIED
            code, on = by or (None, None)
            finding.evidence |= {"identified_by": code, "identified_on": on}
        findings.append(finding)
    return findings


def _identifications(session: Session, series_ids: Collection[int]) -> dict[int, tuple[Any, ...]]:
    """For each series with an identified victim: the identifying agency's code and the
    date, of its first identification."""
    rows = session.execute(
        select(SeriesLink.series_id, Agency.code, Victim.identified_on)
        .join(Victim, Victim.id == SeriesLink.record_id)
        .outerjoin(Agency, Agency.id == Victim.identified_by_agency_id)
        .where(
            SeriesLink.record_type == RecordType.VICTIM.value,
            SeriesLink.series_id.in_(series_ids),
            Victim.status.in_([status.value for status in IDENTIFIED]),
        )
        .order_by(SeriesLink.series_id, Victim.identified_on, Victim.id)
    )
    found: dict[int, tuple[Any, ...]] = {}
    for series_id, code, on in rows:
        found.setdefault(series_id, (code, on.isoformat() if on else None))
    return found


def _grouped(
    hits: Iterable[_Hit], kind: AlertKind, about: RecordType, owners: dict[int, int]
) -> list[Finding]:
    """One finding per (record, signal): its files, the closest match's distance and variant."""
    groups: dict[tuple[int, str], list[_Hit]] = defaultdict(list)
    for hit in hits:
        groups[(hit.record_id, hit.signal)].append(hit)
    findings = []
    for (record_id, signal), group in sorted(groups.items()):
        best = min(group, key=lambda h: (h.distance if h.distance is not None else 0, h.media_id))
        evidence: dict[str, Any] = {"signal": signal, "distance": best.distance}
        if best.variant:
            evidence["variant"] = best.variant
        shares = [h.share for h in group if h.share is not None]
        if shares:
            evidence["share"] = round(max(shares), 4)
        media = sorted({h.media_id for h in group})
        holder = owners.get(record_id, 0)
        findings.append(
            Finding(kind, about, record_id, holder, signal, media, evidence, best.media_id)
        )
    return findings


def _other_cases(seizure: Seizure) -> Select[int]:
    """Seizures of other cases, reference seizures of missing-child reports apart (their
    matches are missing-child alerts)."""
    references = select(MissingChildReport.seizure_id).where(
        MissingChildReport.seizure_id.is_not(None)
    )
    return select(Seizure.id).where(
        Seizure.case_id != seizure.case_id, Seizure.id.not_in(references)
    )


def _cross_findings(session: Session, seizure: Seizure) -> list[Finding]:
    """The same file, camera or place in a seizure of another case."""
    # Capture facts are kept for every seizure raised on, reference seizures included.
    fill_captures(session, seizure.id)
    if seizure.id in set(session.scalars(select(MissingChildReport.seizure_id))):
        return []
    others = _other_cases(seizure)
    same = session.execute(
        select(Sighting.seizure_id, Sighting.media_id)
        .where(Sighting.media_id.in_(own_media(seizure.id)), Sighting.seizure_id.in_(others))
        .distinct()
    )
    by_seizure: dict[int, list[int]] = defaultdict(list)
    for other, media_id in same:
        by_seizure[other].append(media_id)
    findings = [
        Finding(
            AlertKind.CROSS_CASE,
            RecordType.SEIZURE,
            other,
            0,
            _SAME_FILE,
            sorted(media),
            {"signal": _SAME_FILE},
        )
        for other, media in sorted(by_seizure.items())
    ]
    for link in camera_links(session, seizure.id, others):
        head, _, serial = link.camera.rpartition("|")
        make, _, model = head.partition("|")
        digest = hashlib.sha256(link.camera.encode()).hexdigest()[:16]
        evidence: dict[str, Any] = {
            "signal": "camera",
            "make": make,
            "model": model,
            "serial": serial,
        }
        findings.append(
            Finding(
                AlertKind.CROSS_CASE,
                RecordType.SEIZURE,
                link.seizure_id,
                0,
                f"camera:{digest}",
                list(link.media_ids),
                evidence,
            )
        )
    metres = gps_metres()
    for near in near_links(session, seizure.id, others, metres):
        evidence = {"signal": "gps", "metres": round(near.metres, 1), "within_metres": metres}
        finding = Finding(
            AlertKind.CROSS_CASE,
            RecordType.SEIZURE,
            near.seizure_id,
            0,
            "gps",
            list(near.media_ids),
            evidence,
            near.closest_media_id,
        )
        findings.append(finding)
    about = sorted({f.about_id for f in findings})
    rows = session.execute(select(Seizure.id, Seizure.agency_id).where(Seizure.id.in_(about)))
    owners = {ident: agency_id for ident, agency_id in rows}
    for finding in findings:
        finding.holder_agency_id = owners[finding.about_id]
    return findings


def _first_paths(session: Session, seizure_id: int, media_ids: set[int]) -> dict[int, str]:
    """The first path (by name) of each of ``media_ids`` in the seizure: one read of its
    sightings, whatever their number."""
    paths: dict[int, str] = {}
    rows = session.execute(
        select(Sighting.media_id, Sighting.path)
        .where(Sighting.seizure_id == seizure_id)
        .execution_options(yield_per=5000)
    )
    for media_id, path in rows:
        if media_id in media_ids and (media_id not in paths or path < paths[media_id]):
            paths[media_id] = path
    return paths


def describe(session: Session, seizure: Seizure, findings: list[Finding]) -> None:
    """Name each finding's files: the closest match's path (else the first file's), the
    count, the first paths."""
    paths = _first_paths(session, seizure.id, {m for f in findings for m in f.media_ids})
    for finding in findings:
        named = sorted(paths.get(m, "") for m in finding.media_ids)
        finding.evidence |= {
            "path": paths.get(finding.closest or finding.media_id, ""),
            "files": len(finding.media_ids),
            "paths": named[:PATHS_LISTED],
        }


def findings_of(session: Session, seizure: Seizure, kinds: Collection[AlertKind]) -> list[Finding]:
    """The seizure's findings of ``kinds``, whoever may see the records they are about."""
    pairs = _pairs(seizure)
    found: list[Finding] = []
    if AlertKind.MISSING_CHILD in kinds:
        found += _missing_findings(session, seizure, pairs)
    if _SERIES_KINDS & set(kinds):
        found += [f for f in _series_findings(session, seizure, pairs) if f.kind in kinds]
    if AlertKind.CROSS_CASE in kinds:
        found += _cross_findings(session, seizure)
    return found


def touched_seizures(session: Session, seizure_id: int) -> list[Seizure]:
    """Other seizures holding one of the seizure's files or media matched to them."""
    own = own_media(seizure_id)
    linked = (
        select(Match.other_media_id)
        .where(Match.media_id.in_(own), Match.other_media_id.is_not(None))
        .union(select(Match.media_id).where(Match.other_media_id.in_(own)))
    )
    touching = select(Sighting.seizure_id).where(
        Sighting.media_id.in_(own) | Sighting.media_id.in_(linked),
        Sighting.seizure_id != seizure_id,
    )
    query = select(Seizure).where(Seizure.id.in_(touching)).order_by(Seizure.id)
    return list(session.scalars(query))

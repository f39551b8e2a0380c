"""A seizure's matches as investigators read them: which file, matched what, how closely."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.matching.links import seizure_links
from vigil.matching.review import VERDICTS
from vigil.sharing.policy import Viewer, check_seizure, seizure_condition
from vigil.sharing.records import case_shown
from vigil.store.models import BankEntry, Case, Seizure, Sighting


@dataclass(frozen=True)
class MatchRow:
    """One match of one file of the seizure."""

    match_id: int
    path: str
    signal: str
    distance: int | None
    variant: str | None
    query_share: float | None
    target_share: float | None
    target: str
    verdict: str
    #: Found when the other seizure was matched, after this one.
    found_from_other_side: bool

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return asdict(self)


def _describe_entry(bank: str, entry: BankEntry) -> str:
    parts = [f"bank {bank} entry {entry.id}"]
    if entry.category is not None:
        parts.append(f"category {entry.category}")
    if entry.series:
        parts.append(f"series {entry.series}")
    return ", ".join(parts)


def _where_seen(session: Session, viewer: Viewer, media_id: int, own_seizure: int) -> str:
    """Where the viewer may see the other media: its first sighting in a visible seizure."""
    row = session.execute(
        select(case_shown(viewer), Seizure.name, Sighting.path)
        .join(Seizure, Sighting.seizure_id == Seizure.id)
        .join(Case, Seizure.case_id == Case.id)
        .where(
            Sighting.media_id == media_id,
            Sighting.seizure_id != own_seizure,
            seizure_condition(viewer),
        )
        .order_by(Sighting.id)
        .limit(1)
    ).first()
    if row is None:
        return f"media {media_id}"
    return f"case {row[0]} seizure {row[1]}: {row[2]}"


def _paths(session: Session, seizure_id: int, media_ids: set[int]) -> dict[int, list[str]]:
    """Where in the seizure each of ``media_ids`` was seen (a file may be there twice)."""
    ids = sorted(media_ids)
    paths: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Sighting.media_id, Sighting.path).where(
                Sighting.seizure_id == seizure_id, Sighting.media_id.in_(ids[start : start + 500])
            )
        )
        for media_id, path in rows:
            paths[media_id].append(path)
    return paths


def seizure_matches(
    session: Session, viewer: Viewer, seizure_id: int, verdict: str | None = None
) -> list[MatchRow]:
    """Every match of the seizure's files, from either side (optionally only ``verdict``'s).

    One row per file the matched media was seen as, by path. NotVisibleError unless the
    viewer may see the seizure.
    """
    check_seizure(session, viewer, seizure_id)
    if verdict is not None and verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    links = seizure_links(session, viewer, seizure_id, None if verdict is None else (verdict,))
    paths = _paths(session, seizure_id, {link.media_id for link in links})
    rows = []
    for link in links:
        if link.entry is not None and link.bank is not None:
            target = _describe_entry(link.bank.name, link.entry)
        elif link.other_media_id is not None:
            target = _where_seen(session, viewer, link.other_media_id, seizure_id)
        else:  # a bank match always has its entry: deleting an entry deletes its matches
            continue
        rows += [
            MatchRow(
                link.match_id,
                path,
                link.signal,
                link.distance,
                link.variant,
                link.query_share,
                link.target_share,
                target,
                link.verdict,
                link.reverse,
            )
            for path in paths[link.media_id]
        ]
    return sorted(rows, key=lambda row: (row.path, row.match_id))

"""A seizure's matches as investigators read them: which file, matched what, how closely."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.matching.review import VERDICTS
from vigil.store.models import Bank, BankEntry, Case, Match, Seizure, Sighting


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


def _where_seen(session: Session, media_id: int, own_seizure: int) -> str:
    row = session.execute(
        select(Case.reference, Seizure.name, Sighting.path)
        .join(Seizure, Sighting.seizure_id == Seizure.id)
        .join(Case, Seizure.case_id == Case.id)
        .where(Sighting.media_id == media_id, Sighting.seizure_id != own_seizure)
        .order_by(Sighting.id)
        .limit(1)
    ).first()
    if row is None:
        return f"media {media_id}"
    return f"case {row[0]} seizure {row[1]}: {row[2]}"


def seizure_matches(
    session: Session, seizure_id: int, verdict: str | None = None
) -> list[MatchRow]:
    """Every match of the seizure's files (optionally only those with ``verdict``)."""
    if verdict is not None and verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    query = (
        select(Match, Sighting.path, BankEntry, Bank.name)
        .join(Sighting, Sighting.media_id == Match.media_id)
        .outerjoin(BankEntry, Match.bank_entry_id == BankEntry.id)
        .outerjoin(Bank, BankEntry.bank_id == Bank.id)
        .where(Sighting.seizure_id == seizure_id)
        .order_by(Sighting.path, Match.id)
    )
    if verdict is not None:
        query = query.where(Match.verdict == verdict)
    rows = []
    for match, path, entry, bank in session.execute(query):
        if entry is not None:
            target = _describe_entry(bank, entry)
        else:
            target = _where_seen(session, match.other_media_id, seizure_id)
        rows.append(
            MatchRow(
                match.id,
                path,
                match.signal,
                match.distance,
                match.variant,
                match.query_share,
                match.target_share,
                target,
                match.verdict,
            )
        )
    return rows

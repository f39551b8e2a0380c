"""Hits on what the viewer may not see, and grants that extend what an agency sees."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from vigil.sharing.policy.viewers import (
    Viewer,
)
from vigil.sharing.policy.visibility import (
    bank_condition,
    media_condition,
    seizure_condition,
)
from vigil.store.models import (
    Bank,
    BankEntry,
    GrantReason,
    Match,
    RecordType,
    Seizure,
    ShareGrant,
    Sighting,
)

# --- hits on what the viewer may not see ----------------------------------------------


@dataclass(frozen=True, order=True)
class HiddenHit:
    """One of the seizure's media touches a record the viewer may not see.

    ``subject`` names the holder's record (``seizure:ID`` or ``bank:ID``): for the notice
    to the holder only, never to be shown to the viewer.
    """

    media_id: int
    holder_agency_id: int
    subject: str


def hidden_hits(session: Session, viewer: Viewer, seizure_id: int) -> list[HiddenHit]:
    """Where the seizure's media touch data held under a level the viewer does not pass.

    Three ways: the same file seen in a hidden seizure; a match to an entry of a hidden
    bank; a match (either direction) to media the viewer may not see, seen in hidden
    seizures. Rejected matches (by the viewer's agency) still count: a hit notice is about
    what is held, and the holder decides what it means.
    """
    hidden_seizures = select(Seizure.id, Seizure.agency_id).where(~seizure_condition(viewer))
    hidden_seizures_sq = hidden_seizures.subquery()
    own_media = select(Sighting.media_id).where(Sighting.seizure_id == seizure_id)
    hits: set[HiddenHit] = set()

    same_file = session.execute(
        select(Sighting.media_id, hidden_seizures_sq.c.agency_id, hidden_seizures_sq.c.id)
        .join(hidden_seizures_sq, Sighting.seizure_id == hidden_seizures_sq.c.id)
        .where(Sighting.media_id.in_(own_media))
        .distinct()
    )
    hits.update(HiddenHit(m, a, f"seizure:{s}") for m, a, s in same_file)

    hidden_banks = select(Bank.id, Bank.agency_id).where(~bank_condition(viewer)).subquery()
    banked = session.execute(
        select(Match.media_id, hidden_banks.c.agency_id, hidden_banks.c.id)
        .join(BankEntry, Match.bank_entry_id == BankEntry.id)
        .join(hidden_banks, BankEntry.bank_id == hidden_banks.c.id)
        .where(Match.media_id.in_(own_media))
        .distinct()
    )
    hits.update(HiddenHit(m, a, f"bank:{b}") for m, a, b in banked)

    # Media-to-media links, read from either side: (own media, other media).
    pairs = (
        select(Match.media_id.label("own"), Match.other_media_id.label("other"))
        .where(Match.media_id.in_(own_media), Match.other_media_id.is_not(None))
        .union(
            select(Match.other_media_id.label("own"), Match.media_id.label("other")).where(
                Match.other_media_id.in_(own_media)
            )
        )
        .subquery()
    )
    linked = session.execute(
        select(pairs.c.own, hidden_seizures_sq.c.agency_id, hidden_seizures_sq.c.id)
        .join(Sighting, Sighting.media_id == pairs.c.other)
        .join(hidden_seizures_sq, Sighting.seizure_id == hidden_seizures_sq.c.id)
        .where(~media_condition(viewer, pairs.c.other))
        .distinct()
    )
    hits.update(HiddenHit(m, a, f"seizure:{s}") for m, a, s in linked)
    return sorted(hits)


def grant(
    session: Session,
    record: RecordType,
    record_id: int,
    agency_id: int,
    reason: GrantReason,
    granted_by: str,
    referral_id: int | None = None,
) -> None:
    """Let ``agency_id`` see the record (named by its owner, or by a referral); idempotent."""
    found = session.scalar(
        select(ShareGrant.id).where(
            ShareGrant.record_type == record.value,
            ShareGrant.record_id == record_id,
            ShareGrant.agency_id == agency_id,
            ShareGrant.reason == reason.value,
            ShareGrant.referral_id.is_(None)
            if referral_id is None
            else ShareGrant.referral_id == referral_id,
        )
    )
    if found is None:
        session.add(
            ShareGrant(
                record_type=record.value,
                record_id=record_id,
                agency_id=agency_id,
                reason=reason.value,
                referral_id=referral_id,
                granted_by=granted_by,
            )
        )
        session.flush()

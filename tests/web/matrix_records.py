"""Records the authorization matrix names in paths besides cases, seizures and runs: banks,
matches, referrals and hit notices, each added with the ORM for a given owner."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.store.db import Store
from vigil.store.models import (
    Agency,
    Alert,
    AlertKind,
    Bank,
    BankEntry,
    HitNotice,
    IngestRun,
    Level,
    Match,
    Media,
    Priority,
    Referral,
    ReferralStatus,
    Sighting,
    utcnow,
)


def _agency_id(session: Session, code: str) -> int:
    return session.scalars(select(Agency.id).where(Agency.code == code)).one()


def make_bank(store: Store, owner: str, level: Level) -> int:
    """A bank of ``owner`` at ``level`` with one entry; its id."""
    with store.session() as session:
        bank = Bank(
            name=f"matrix-bank-{owner}-{secrets.token_hex(4)}",
            agency_id=_agency_id(session, owner),
            dissemination=level.value,
            category_scheme="VICS-US",
        )
        session.add(bank)
        session.flush()
        session.add(BankEntry(bank_id=bank.id, md5=secrets.token_hex(16), category="1"))
        return bank.id


def _media(session: Session, seizure_id: int, run_id: int) -> int:
    digest = secrets.token_hex(32)
    media = Media(
        sha256=digest,
        sha1=digest[:40],
        md5=digest[:32],
        size=1,
        kind="image",
        format="jpeg",
        mime="image/jpeg",
    )
    session.add(media)
    session.flush()
    path = f"matrix-{digest[:8]}.jpg"
    session.add(
        Sighting(
            media_id=media.id,
            seizure_id=seizure_id,
            ingest_run_id=run_id,
            path=path,
            path_raw=path.encode(),
            size=1,
            mtime=0.0,
        )
    )
    session.flush()
    return media.id


def make_media(store: Store, seizure_id: int) -> int:
    """A picture seen in the seizure; its id."""
    with store.session() as session:
        run_id = session.scalars(
            select(IngestRun.id).where(IngestRun.seizure_id == seizure_id).limit(1)
        ).one()
        return _media(session, seizure_id, run_id)


def make_match(store: Store, seizure_id: int) -> int:
    """A near-duplicate match between two pictures of the seizure; its id."""
    with store.session() as session:
        run_id = session.scalars(
            select(IngestRun.id).where(IngestRun.seizure_id == seizure_id).limit(1)
        ).one()
        first = _media(session, seizure_id, run_id)
        second = _media(session, seizure_id, run_id)
        match = Match(
            media_id=first,
            target_key=f"media:{second}",
            other_media_id=second,
            signal="pdq",
            distance=3,
        )
        session.add(match)
        session.flush()
        return match.id


def make_alert(store: Store, seizure_id: int) -> str:
    """A cross-case alert on the seizure, about the seizure itself (so seen exactly where the
    seizure is); its id."""
    with store.session() as session:
        run_id = session.scalars(
            select(IngestRun.id).where(IngestRun.seizure_id == seizure_id).limit(1)
        ).one()
        alert = Alert(
            seizure_id=seizure_id,
            kind=AlertKind.CROSS_CASE.value,
            priority=4,
            media_id=_media(session, seizure_id, run_id),
            counterpart_type="seizure",
            counterpart_id=seizure_id,
            evidence_key="sha256",
            evidence={"signal": "sha256", "path": "matrix.jpg", "files": 1},
        )
        session.add(alert)
        session.flush()
        return str(alert.id)


def make_referral(store: Store, sender: str, recipient: str, status: ReferralStatus) -> str:
    """A referral from ``sender`` to ``recipient`` in ``status``; its reference."""
    now = utcnow()
    reference = f"REF-MATRIX-{secrets.token_hex(4).upper()}"
    with store.session() as session:
        session.add(
            Referral(
                reference=reference,
                from_agency_id=_agency_id(session, sender),
                to_agency_id=_agency_id(session, recipient),
                priority=Priority.ROUTINE.value,
                subject="matrix",
                body="matrix",
                status=status.value,
                created_by="matrix",
                created_at=now,
                due_at=now + timedelta(days=7),
                updated_at=now,
                acknowledged_at=None if status is ReferralStatus.SENT else now,
                acknowledged_by=None if status is ReferralStatus.SENT else "matrix",
            )
        )
    return reference


def make_hit_notice(
    store: Store, recipient: str, seizure_id: int, counterpart: str, counterpart_seizure: int
) -> str:
    """A hit notice to ``recipient`` about its seizure; its reference."""
    reference = f"HIT-MATRIX-{secrets.token_hex(4).upper()}"
    with store.session() as session:
        session.add(
            HitNotice(
                reference=reference,
                agency_id=_agency_id(session, recipient),
                side="seeker",
                subject=f"seizure:{seizure_id}",
                counterpart_agency_id=_agency_id(session, counterpart),
                counterpart_subject=f"seizure:{counterpart_seizure}",
                contact="the central unit",
            )
        )
    return reference

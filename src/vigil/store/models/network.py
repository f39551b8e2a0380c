"""The network between agencies: who else may see a record, per-agency match reviews,
hit notices, referrals and browser sessions.

Ownership itself is a column of each owned record (``agency_id`` and ``dissemination`` on
cases, seizures and banks; matches name the agency whose matching found them). Sightings and
ingest runs are seen through their seizure, bank entries through their bank: a part is never
more open than its whole. What the rows mean is decided in one place, ``vigil.sharing.policy``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.store.models.base import Base, utcnow


class Level(StrEnum):
    """A record's dissemination level: who besides its owner may see it."""

    OWNER = "owner"
    NAMED = "named"
    ALL = "all"


class RecordType(StrEnum):
    """The kinds of record that visibility can be granted on."""

    CASE = "case"
    SEIZURE = "seizure"
    BANK = "bank"
    MEDIA = "media"
    MATCH = "match"
    SERIES = "series"
    VICTIM = "victim"
    OFFENDER = "offender"
    LOCATION = "location"
    MISSING_REPORT = "missing_report"


class GrantReason(StrEnum):
    """Why an agency may see a record it does not own."""

    #: Named by the owner (the record's level is ``named``).
    NAMED = "named"
    #: Referred to the agency (whatever the record's level).
    REFERRAL = "referral"


class ShareGrant(Base):
    """One agency may see one record it does not own: named by the owner, or referred to it."""

    __tablename__ = "share_grant"
    __table_args__ = (
        UniqueConstraint("record_type", "record_id", "agency_id", "reason", "referral_id"),
        Index("ix_share_grant_agency", "agency_id", "record_type", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    reason: Mapped[str] = mapped_column(String(20))
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), index=True
    )
    granted_by: Mapped[str] = mapped_column(String(100))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MatchReview(Base):
    """One agency's verdict on a match: another agency's review never changes this one's."""

    __tablename__ = "match_review"
    __table_args__ = (UniqueConstraint("match_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    verdict: Mapped[str] = mapped_column(String(10))
    reviewed_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HitNotice(Base):
    """ "Another agency holds a match": sent to each side of a hit on data one may not see.

    Notices come in pairs sharing ``reference``: one to the agency whose seizure hit (naming
    whom to contact), its mirror to the holder (naming the seizing agency's reference). They
    say *that* there is a hit, never what: no content, path, series, category or count.
    ``subject`` is the recipient's own record the hit concerns (``seizure:ID`` or
    ``bank:ID``); ``counterpart_subject`` the other side's, never shown to the recipient.
    """

    __tablename__ = "hit_notice"
    __table_args__ = (
        UniqueConstraint("agency_id", "subject", "counterpart_agency_id", "counterpart_subject"),
        Index("ix_hit_notice_agency", "agency_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    #: ``seeker`` (this agency's seizure hit held data) or ``holder`` (the mirror).
    side: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(60))
    counterpart_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    counterpart_subject: Mapped[str] = mapped_column(String(60))
    #: What the recipient may quote: the counterpart's reference (its case, for the holder).
    counterpart_reference: Mapped[str | None] = mapped_column(String(200))
    #: Whom to contact: the counterpart's NCB or the central unit, as known when raised.
    contact: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))


class Priority(StrEnum):
    """How fast a referral must be acknowledged."""

    URGENT = "urgent"
    HIGH = "high"
    ROUTINE = "routine"


class ReferralStatus(StrEnum):
    """Where a referral stands."""

    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class Referral(Base):
    """Intelligence sent from one agency to another (typically an NCB), with its urgency."""

    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_to", "to_agency_id", "status"),
        Index("ix_referral_from", "from_agency_id", "status"),
        Index("ix_referral_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    from_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    to_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    priority: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: When it must be acknowledged by (from its priority, when sent).
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReferralRecord(Base):
    """A record a referral points at (its visibility is extended to the recipient)."""

    __tablename__ = "referral_record"
    __table_args__ = (UniqueConstraint("referral_id", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"))
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer)


class WebSession(Base):
    """A browser's login: the cookie holds a secret whose SHA-256 is stored here.

    Logging out or deactivating the user ends it on the server, not only in the browser.
    """

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: The CSRF token every state-changing form of this session must carry.
    csrf_token: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

"""The audit trail: an append-only, hash-chained log of who did what, and the chain's head.

Times are stored as text in one fixed UTC format: the hash covers exactly the characters
stored, so SQLite and PostgreSQL give back the very value that was hashed (a timestamp
column would come back naive on one and aware, or rounded, on the other). Users and
agencies are named, not referenced: an event outlives the account and the agency it names,
and no deletion elsewhere can cascade into the log.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.store.models.base import Base

#: Length of a stored time, e.g. ``2026-12-02T14:30:36.123456Z``.
TIME_LENGTH = 27
HASH_LENGTH = 64


class AuditEvent(Base):
    """One audited act: when, who (user and agency), what (action), on what (object), how.

    ``event_hash`` is the SHA-256 of the event's canonical serialisation, which includes
    ``prev_hash``, the hash of the event before it (see ``vigil.sharing.audit``).
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_occurred_at", "occurred_at"),
        Index("ix_audit_event_user_name", "user_name"),
        Index("ix_audit_event_agency_code", "agency_code"),
        Index("ix_audit_event_action", "action"),
        Index("ix_audit_event_object", "object"),
    )

    # Given by the writer, never generated: a gap or a repeat is evidence of tampering.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[str] = mapped_column(String(TIME_LENGTH))
    user_name: Mapped[str] = mapped_column(Text)
    agency_code: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(40))
    object: Mapped[str] = mapped_column(Text)
    # Canonical JSON text (sorted keys, ASCII), hashed as stored.
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    event_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))


class AuditHead(Base):
    """The newest event's number and hash, in one row that every append locks and moves.

    Appends take turns on this row, so two writers can never chain onto the same event; and
    a log cut short behind the head's back no longer reaches it.
    """

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="ck_audit_head_single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    event_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))

"""Findings: media matched to a known item or to other media, and their review."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.store.models.banks import BankEntry
from vigil.store.models.base import Base, utcnow
from vigil.store.models.media import Media


class Match(Base):
    """Media found to be a known item or another case's media.

    ``target_key`` names the other side (``bank_entry:ID`` or ``media:ID``) so that one
    finding is stored once whichever side it points at.
    """

    __tablename__ = "match"
    __table_args__ = (UniqueConstraint("media_id", "target_key", "signal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), index=True)
    target_key: Mapped[str] = mapped_column(String(40))
    bank_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("bank_entry.id", ondelete="CASCADE"), index=True
    )
    other_media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"), index=True)
    # md5 / sha1 / sha256 (exact), pdq (near-duplicate picture), vpdq (video).
    signal: Mapped[str] = mapped_column(String(10))
    distance: Mapped[int | None] = mapped_column(Integer)
    # Which of the query's PDQ variants matched (original, rotate90, unletterboxed, ...).
    variant: Mapped[str | None] = mapped_column(String(40))
    # vPDQ: share of this video's frames found in the other, and of the other's in this.
    query_share: Mapped[float | None] = mapped_column(Float)
    target_share: Mapped[float | None] = mapped_column(Float)
    # The agency whose matching found it; verdicts are per agency (MatchReview).
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    media: Mapped[Media] = relationship(foreign_keys=[media_id])
    bank_entry: Mapped[BankEntry | None] = relationship()
    other_media: Mapped[Media | None] = relationship(foreign_keys=[other_media_id])

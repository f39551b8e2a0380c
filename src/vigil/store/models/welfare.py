"""The investigators' day at the screen: what they looked at, and how triage left each media.

``ExposureDay`` counts, per user and calendar day (UTC), the previews revealed and the seconds
spent on pages that show media: the user sees their own, supervisors the agency's in
aggregate. ``TriageMark`` is an agency's verdict on media of one of its seizures from the
triage grid (not pertinent, or pertinent), so that the grid can leave it out next time.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.store.models.base import Base, utcnow


class ExposureDay(Base):
    """One user's exposure to media on one day (UTC)."""

    __tablename__ = "exposure_day"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    reveals: Mapped[int] = mapped_column(Integer, default=0)
    media_seconds: Mapped[int] = mapped_column(Integer, default=0)


class TriageVerdict(StrEnum):
    """How the triage grid left media of a seizure."""

    NOT_PERTINENT = "not_pertinent"
    PERTINENT = "pertinent"


class TriageMark(Base):
    """An agency's triage verdict on one media of one of its seizures."""

    __tablename__ = "triage_mark"
    __table_args__ = (UniqueConstraint("seizure_id", "media_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seizure_id: Mapped[int] = mapped_column(ForeignKey("seizure.id"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    verdict: Mapped[str] = mapped_column(String(20))
    by_user: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PreviewState(StrEnum):
    """Whether a media's preview was made, or could not be (its error says why)."""

    MADE = "made"
    FAILED = "failed"


class Preview(Base):
    """The preview pass's record of one media: made (kept in the vault) or failed, and when."""

    __tablename__ = "preview"

    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10))
    error: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

"""What a seizure holds: distinct media, where each was seen, and the files that failed.

Paths inside a seizure are kept twice: ``path`` is readable text (bytes that are not UTF-8
appear as ``\\xNN``) and ``path_raw`` holds the exact bytes, so a name that is not valid UTF-8
is neither lost nor confused with another.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.store.models.base import Base, utcnow


class Media(Base):
    """A distinct file content, keyed by SHA-256, with its hashes and metadata."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    sha1: Mapped[str] = mapped_column(String(40), index=True)
    md5: Mapped[str] = mapped_column(String(32), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(10))
    format: Mapped[str] = mapped_column(String(20))
    mime: Mapped[str] = mapped_column(String(100))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration: Mapped[float | None] = mapped_column(Float)
    pdq: Mapped[str | None] = mapped_column(String(64))
    pdq_quality: Mapped[int | None] = mapped_column(Integer)
    vpdq: Mapped[list[Any] | None] = mapped_column(JSON)
    # The other hashes a picture is queried with (rotations, mirrors, borders trimmed).
    pdq_variants: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    media_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Sighting(Base):
    """This media, seen in this seizure at this relative path."""

    __tablename__ = "sighting"
    # The media of one seizure, read from the index alone: a seizure's summary and triage
    # grid ask for them on every page view.
    __table_args__ = (
        UniqueConstraint("seizure_id", "path_raw"),
        Index("ix_sighting_seizure_media", "seizure_id", "media_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), index=True)
    seizure_id: Mapped[int] = mapped_column(ForeignKey("seizure.id"))
    ingest_run_id: Mapped[int] = mapped_column(ForeignKey("ingest_run.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    path_raw: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime: Mapped[float] = mapped_column(Float)
    # The file's extension when it does not fit its content (renamed to hide it), else None.
    extension_mismatch: Mapped[str | None] = mapped_column(String(32))

    media: Mapped[Media] = relationship()


class IngestError(Base):
    """A file of a seizure that could not be ingested, and why."""

    __tablename__ = "ingest_error"
    __table_args__ = (UniqueConstraint("seizure_id", "path_raw"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seizure_id: Mapped[int] = mapped_column(ForeignKey("seizure.id"))
    ingest_run_id: Mapped[int] = mapped_column(ForeignKey("ingest_run.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    path_raw: Mapped[bytes] = mapped_column(LargeBinary)
    stage: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

"""The core nouns of Vigil as SQLAlchemy 2 models.

Paths inside a seizure are kept twice: ``path`` is readable text (bytes that are not UTF-8
appear as ``\\xNN``) and ``path_raw`` holds the exact bytes, so a name that is not valid UTF-8
is neither lost nor confused with another.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every Vigil table."""


class Agency(Base):
    """A police unit that owns data: an NCB, a specialised unit or the central unit."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Case(Base):
    """An investigation, identified by its reference within the owning agency."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("agency_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    reference: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    agency: Mapped[Agency] = relationship()


class Seizure(Base):
    """One seized device or collection of media, within a case."""

    __tablename__ = "seizure"
    __table_args__ = (UniqueConstraint("case_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    case: Mapped[Case] = relationship()


class IngestRun(Base):
    """One ingest of a folder into a seizure; resumed runs keep their row."""

    __tablename__ = "ingest_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    seizure_id: Mapped[int] = mapped_column(ForeignKey("seizure.id"), index=True)
    root_path: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    pdq_mode: Mapped[str] = mapped_column(String(20))
    workers: Mapped[int] = mapped_column(Integer)
    resumes: Mapped[int] = mapped_column(Integer, default=0)
    files_total: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    seizure: Mapped[Seizure] = relationship()


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
    media_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Sighting(Base):
    """This media, seen in this seizure at this relative path."""

    __tablename__ = "sighting"
    __table_args__ = (UniqueConstraint("seizure_id", "path_raw"),)

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

"""The core nouns of Vigil as SQLAlchemy 2 models.

Paths inside a seizure are kept twice: ``path`` is readable text (bytes that are not UTF-8
appear as ``\\xNN``) and ``path_raw`` holds the exact bytes, so a name that is not valid UTF-8
is neither lost nor confused with another.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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
    # The other hashes a picture is queried with (rotations, mirrors, borders trimmed).
    pdq_variants: Mapped[dict[str, Any] | None] = mapped_column(JSON)
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


class Bank(Base):
    """A named list of known hashes, with where it came from and who may see it."""

    __tablename__ = "bank"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    source: Mapped[str | None] = mapped_column(Text)
    # owner (owning agency only) / named (listed agencies) / all (every member).
    dissemination: Mapped[str] = mapped_column(String(20))
    category_scheme: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    agency: Mapped[Agency] = relationship()


class ImportStatus(StrEnum):
    """Where an import stands: its entries are written while staging, seen once complete."""

    STAGING = "staging"
    COMPLETE = "complete"


class BankImport(Base):
    """One file imported into a bank: the provenance of its entries.

    A file is imported into a bank once: (bank, file SHA-256) is unique, staging or not.
    """

    __tablename__ = "bank_import"
    __table_args__ = (Index("ix_bank_import_file", "bank_id", "file_sha256", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("bank.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(20))
    entries: Mapped[int] = mapped_column(Integer)
    # When it completed; while staging, when its last chunk of entries was written.
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(
        String(10), default=ImportStatus.COMPLETE, server_default=ImportStatus.COMPLETE.value
    )
    # The process writing a staging import ("host pid start-time"); None once complete.
    owner: Mapped[str | None] = mapped_column(String(200))


class BankEntry(Base):
    """A known item: its hashes, category, series and what is known of its victim."""

    __tablename__ = "bank_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("bank.id", ondelete="CASCADE"), index=True)
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("bank_import.id", ondelete="CASCADE"), index=True
    )
    md5: Mapped[str | None] = mapped_column(String(32), index=True)
    sha1: Mapped[str | None] = mapped_column(String(40), index=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    pdq: Mapped[str | None] = mapped_column(String(64))
    pdq_quality: Mapped[int | None] = mapped_column(Integer)
    photodna: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(40))
    series: Mapped[str | None] = mapped_column(String(300))
    victim_identified: Mapped[bool | None] = mapped_column(Boolean)
    offender_identified: Mapped[bool | None] = mapped_column(Boolean)
    distributed: Mapped[bool | None] = mapped_column(Boolean)
    baseline: Mapped[bool | None] = mapped_column(Boolean)
    entry_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)

    bank: Mapped[Bank] = relationship()


class Match(Base):
    """Media found to be a known item or another case's media, and the review of that finding.

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
    verdict: Mapped[str] = mapped_column(String(10), default="open")
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    media: Mapped[Media] = relationship(foreign_keys=[media_id])
    bank_entry: Mapped[BankEntry | None] = relationship()
    other_media: Mapped[Media | None] = relationship(foreign_keys=[other_media_id])

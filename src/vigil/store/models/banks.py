"""Known material: banks, the files imported into them, and their entries."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.store.models.base import Base, utcnow
from vigil.store.models.sharing import Agency


class Bank(Base):
    """A named list of known hashes, with where it came from and who may see it.

    A name is unique within its agency, not across the network: another agency's bank may
    bear it, and refusing a name because a bank the agency may not see holds it would tell
    of that bank.
    """

    __tablename__ = "bank"
    __table_args__ = (UniqueConstraint("agency_id", "name", name="uq_bank_agency_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
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

"""What data is filed under: cases, seizures and ingest runs (agencies are in ``sharing``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.store.models.base import Base, utcnow
from vigil.store.models.sharing import Agency


class Case(Base):
    """An investigation, identified by its reference within the owning agency."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("agency_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    reference: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(300))
    # CaseStatus (vigil.store.models.identification): open / closed.
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    # Priority (vigil.store.models.network): urgent / high / routine.
    priority: Mapped[str] = mapped_column(String(10), default="routine", server_default="routine")
    opened_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    # Level (vigil.store.models.network.Level): owner / named / all.
    dissemination: Mapped[str] = mapped_column(String(20), default="owner", server_default="owner")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    agency: Mapped[Agency] = relationship()


class Seizure(Base):
    """One seized device or collection of media, within a case."""

    __tablename__ = "seizure"
    __table_args__ = (UniqueConstraint("case_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    # The owner: the case's agency (kept here so that visibility is one join, not two).
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: What was seized and where from, in the investigator's words.
    source: Mapped[str | None] = mapped_column(Text)
    seized_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Level (vigil.store.models.network.Level); its sightings and ingest runs follow it.
    dissemination: Mapped[str] = mapped_column(String(20), default="owner", server_default="owner")
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

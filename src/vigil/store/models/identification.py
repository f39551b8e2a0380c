"""Victim identification: series, victims, offenders, places, missing-child reports, the
links between them and media, their dated history, and the alerts raised on seizures.

Series, victims, offenders, locations and missing-child reports are owned records like
cases: an owning agency and a dissemination level (``vigil.store.models.network.Level``),
decided on by ``vigil.sharing.policy``. No real name is stored anywhere: a victim or an
offender is a pseudonymous label.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.store.models.base import Base, utcnow


class CaseStatus(StrEnum):
    """Where an investigation stands."""

    OPEN = "open"
    CLOSED = "closed"


class SeriesStatus(StrEnum):
    """Where a series stands: its victim found or not, or the series closed."""

    UNIDENTIFIED = "unidentified"
    VICTIM_IDENTIFIED = "victim_identified"
    CLOSED = "closed"


class VictimStatus(StrEnum):
    """Where a victim stands; the workflow moves forward only (see ``cases.workflow``)."""

    UNIDENTIFIED = "unidentified"
    IDENTIFIED = "identified"
    RESCUED = "rescued"
    SAFEGUARDED = "safeguarded"


class OffenderStatus(StrEnum):
    """Where an offender stands."""

    UNKNOWN = "unknown"
    IDENTIFIED = "identified"
    ARRESTED = "arrested"
    CONVICTED = "convicted"


class Sex(StrEnum):
    """A person's sex as recorded; ``unknown`` when it cannot be told."""

    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


class AgeBand(StrEnum):
    """An approximate age, as seen in the material (never a date of birth)."""

    INFANT = "0-2"
    TODDLER = "3-5"
    CHILD = "6-9"
    PRETEEN = "10-13"
    TEEN = "14-17"
    ADULT = "18+"
    UNKNOWN = "unknown"


class LocationKind(StrEnum):
    """What a location is."""

    ROOM = "room"
    BUILDING = "building"
    CITY = "city"
    OUTDOOR = "outdoor"


class MissingStatus(StrEnum):
    """Whether the child of a missing-child report is still missing."""

    MISSING = "missing"
    FOUND = "found"


class AlertKind(StrEnum):
    """What an alert says, by priority (the first is the most urgent)."""

    MISSING_CHILD = "missing_child"
    ALREADY_IDENTIFIED = "already_identified"
    KNOWN_SERIES = "known_series"
    CROSS_CASE = "cross_case"


#: Alert kinds by priority: 1 is the highest.
ALERT_PRIORITY: dict[AlertKind, int] = {kind: rank for rank, kind in enumerate(AlertKind, 1)}


class Series(Base):
    """Media depicting the same victim(s) or abuse event: the unit of identification.

    A name is unique within its owning agency (as a bank's is), not across the network.
    """

    __tablename__ = "series"
    __table_args__ = (UniqueConstraint("agency_id", "name", name="uq_series_agency_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    dissemination: Mapped[str] = mapped_column(String(20), default="owner")
    status: Mapped[str] = mapped_column(String(20), default=SeriesStatus.UNIDENTIFIED.value)
    description: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Victim(Base):
    """A child depicted in a series, by a pseudonymous label; never a real name."""

    __tablename__ = "victim"
    __table_args__ = (UniqueConstraint("agency_id", "label", name="uq_victim_agency_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    dissemination: Mapped[str] = mapped_column(String(20), default="owner")
    sex: Mapped[str] = mapped_column(String(10), default=Sex.UNKNOWN.value)
    age_band: Mapped[str] = mapped_column(String(10), default=AgeBand.UNKNOWN.value)
    status: Mapped[str] = mapped_column(String(20), default=VictimStatus.UNIDENTIFIED.value)
    #: ISO 3166 alpha-2 of where the child lives or was found, when known.
    country: Mapped[str | None] = mapped_column(String(2))
    identified_by_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    identified_on: Mapped[date | None] = mapped_column(Date)
    rescued_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Offender(Base):
    """An abuser seen or known in a series, by a pseudonymous label."""

    __tablename__ = "offender"
    __table_args__ = (UniqueConstraint("agency_id", "label", name="uq_offender_agency_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    dissemination: Mapped[str] = mapped_column(String(20), default="owner")
    status: Mapped[str] = mapped_column(String(20), default=OffenderStatus.UNKNOWN.value)
    country: Mapped[str | None] = mapped_column(String(2))
    identified_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Location(Base):
    """A place seen in or tied to material: a room, a building, a city, somewhere outdoors."""

    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    dissemination: Mapped[str] = mapped_column(String(20), default="owner")
    kind: Mapped[str] = mapped_column(String(10))
    country: Mapped[str | None] = mapped_column(String(2))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MissingChildReport(Base):
    """A child reported missing (as in a Yellow notice), with reference photos and videos.

    The reference media are ingested like a seizure (``seizure_id``, of a case of the
    reporting agency) and so matched against everything; ingest raises the *possible
    missing child* alert on seizures whose media match them while the report is open.
    """

    __tablename__ = "missing_child_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(100), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    dissemination: Mapped[str] = mapped_column(String(20), default="all")
    country: Mapped[str] = mapped_column(String(2))
    child_label: Mapped[str] = mapped_column(String(200))
    sex: Mapped[str] = mapped_column(String(10), default=Sex.UNKNOWN.value)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    missing_since: Mapped[date] = mapped_column(Date)
    last_seen_place: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=MissingStatus.MISSING.value)
    found_on: Mapped[date | None] = mapped_column(Date)
    seizure_id: Mapped[int | None] = mapped_column(ForeignKey("seizure.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SeriesMedia(Base):
    """This media belongs to this series, assigned by whom and when."""

    __tablename__ = "series_media"
    __table_args__ = (UniqueConstraint("series_id", "media_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), index=True)
    assigned_by: Mapped[str] = mapped_column(String(100))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SeriesLink(Base):
    """A series tied to a victim, an offender or a location (``record_type`` says which)."""

    __tablename__ = "series_link"
    __table_args__ = (
        UniqueConstraint("series_id", "record_type", "record_id"),
        Index("ix_series_link_record", "record_type", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    #: ``victim``, ``offender`` or ``location`` (vigil.store.models.network.RecordType).
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer)
    linked_by: Mapped[str] = mapped_column(String(100))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseSeries(Base):
    """A case works on a series."""

    __tablename__ = "case_series"
    __table_args__ = (UniqueConstraint("case_id", "series_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    linked_by: Mapped[str] = mapped_column(String(100))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MediaLocation(Base):
    """This media shows or was taken at this location."""

    __tablename__ = "media_location"
    __table_args__ = (UniqueConstraint("media_id", "location_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), index=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), index=True
    )
    linked_by: Mapped[str] = mapped_column(String(100))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HistoryEntry(Base):
    """One dated change to an identification record, and who made it.

    Seen by whoever may see the record (``record_type``/``record_id``); the audit trail
    holds the same act, hash-chained.
    """

    __tablename__ = "history_entry"
    __table_args__ = (Index("ix_history_record", "record_type", "record_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer)
    #: What was done, e.g. ``created``, ``status``, ``media_assigned``, ``linked``.
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    by_user: Mapped[str] = mapped_column(String(100))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MediaCapture(Base):
    """Where and with what a picture was taken, from its EXIF, indexed for cross-case links.

    Filled for a seizure's media when its alerts are raised (one row per media with any of
    camera or position); ``camera`` is ``make|model|serial`` and set only when the body
    serial is known (make and model alone are shared by millions of devices).
    """

    __tablename__ = "media_capture"

    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), primary_key=True)
    camera: Mapped[str | None] = mapped_column(String(800), index=True)
    lat: Mapped[float | None] = mapped_column(Float, index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    taken_at: Mapped[str | None] = mapped_column(String(40))


class Alert(Base):
    """Something a seizure's agency must look at, with its evidence (see ``AlertKind``).

    ``counterpart_type``/``counterpart_id`` name the record the alert is about (a series,
    a missing-child report, another seizure); whoever may not see it does not see the
    alert either (its holder's side is a hit notice instead). ``evidence`` holds the
    viewer-agnostic facts: which file of this seizure, which signal, the distance, metres
    or camera serial.
    """

    __tablename__ = "alert"
    __table_args__ = (
        UniqueConstraint(
            "seizure_id", "kind", "media_id", "counterpart_type", "counterpart_id", "evidence_key"
        ),
        Index("ix_alert_seizure", "seizure_id", "priority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seizure_id: Mapped[int] = mapped_column(ForeignKey("seizure.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    priority: Mapped[int] = mapped_column(Integer)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    counterpart_type: Mapped[str] = mapped_column(String(20))
    counterpart_id: Mapped[int] = mapped_column(Integer)
    #: What makes this alert distinct from another on the same pair, e.g. ``pdq``,
    #: ``camera``, ``gps``, ``sha256``.
    evidence_key: Mapped[str] = mapped_column(String(40))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))

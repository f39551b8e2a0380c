"""The links of an identification record with their evidence: who tied them, and when.

A series is tied to victims, offenders, locations and cases, and holds media; a location
is tied to the media that show it. Each tie is shown with the user who made it and its
time, and only where the viewer may see both ends (a hidden end is left out, exactly as if
the tie did not exist). The pages of each record show these beside its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.cases.names import label_of
from vigil.sharing.clock import as_utc
from vigil.sharing.policy import (
    Viewer,
    check_record,
    media_condition,
    record_condition,
    series_condition,
)
from vigil.sharing.records import Listing, count_rows
from vigil.store.models import (
    Agency,
    Case,
    CaseSeries,
    Location,
    Media,
    MediaLocation,
    Offender,
    RecordType,
    Series,
    SeriesLink,
    SeriesMedia,
    Victim,
)


@dataclass(frozen=True)
class Tie:
    """A record at the other end of a link (named as the viewer knows it), and who tied it
    when."""

    kind: RecordType
    id: int
    name: str
    by: str
    at: datetime


@dataclass(frozen=True)
class MediaTie:
    """A media tied to a series or a location, and who tied it when."""

    id: int
    sha256: str
    by: str
    at: datetime


#: The records a series is tied to through ``SeriesLink``: the model and its name column.
_LINKED: dict[RecordType, tuple[Any, Any]] = {
    RecordType.VICTIM: (Victim, Victim.label),
    RecordType.OFFENDER: (Offender, Offender.label),
    RecordType.LOCATION: (Location, Location.description),
}


def _series_link_ties(session: Session, viewer: Viewer, series_id: int) -> list[Tie]:
    ties = []
    for kind, (model, column) in _LINKED.items():
        rows = session.execute(
            select(model.id, column, model.agency_id, Agency.code, SeriesLink.linked_by)
            .add_columns(SeriesLink.linked_at)
            .join(Agency, Agency.id == model.agency_id)
            .join(
                SeriesLink,
                (SeriesLink.record_id == model.id) & (SeriesLink.record_type == kind.value),
            )
            .where(SeriesLink.series_id == series_id, record_condition(viewer, kind))
            .order_by(column, model.id)
        )
        for ident, text, owner, code, by, at in rows:
            # A location is named by its number, as its description need not be unique.
            name = (
                f"#{ident} {text}"
                if kind is RecordType.LOCATION
                else label_of(viewer, code, owner, text)
            )
            ties.append(Tie(kind, ident, name, by, as_utc(at)))
    return ties


def series_ties(session: Session, viewer: Viewer, series_id: int) -> list[Tie]:
    """The victims, offenders, locations and cases tied to the series that the viewer may
    see, with who tied each when; NotVisibleError when the series is hidden or missing."""
    check_record(session, viewer, RecordType.SERIES, series_id)
    cases = session.execute(
        select(Case.id, Case.reference, Case.agency_id, Agency.code, CaseSeries.linked_by)
        .add_columns(CaseSeries.linked_at)
        .join(Agency, Agency.id == Case.agency_id)
        .join(CaseSeries, CaseSeries.case_id == Case.id)
        .where(CaseSeries.series_id == series_id, record_condition(viewer, RecordType.CASE))
        .order_by(Case.reference, Case.id)
    )
    return [
        *_series_link_ties(session, viewer, series_id),
        *(
            Tie(RecordType.CASE, ident, label_of(viewer, code, owner, ref), by, as_utc(at))
            for ident, ref, owner, code, by, at in cases
        ),
    ]


def tied_series(session: Session, viewer: Viewer, kind: RecordType, record_id: int) -> list[Tie]:
    """The series tied to a victim, offender, location or case that the viewer may see,
    with who tied each when; NotVisibleError when the record is hidden or missing."""
    kind = RecordType(kind)
    check_record(session, viewer, kind, record_id)
    if kind is RecordType.CASE:
        query = (
            select(Series.id, Series.name, Series.agency_id, Agency.code, CaseSeries.linked_by)
            .add_columns(CaseSeries.linked_at)
            .join(CaseSeries, CaseSeries.series_id == Series.id)
            .where(CaseSeries.case_id == record_id)
        )
    else:
        query = (
            select(Series.id, Series.name, Series.agency_id, Agency.code, SeriesLink.linked_by)
            .add_columns(SeriesLink.linked_at)
            .join(SeriesLink, SeriesLink.series_id == Series.id)
            .where(SeriesLink.record_type == kind.value, SeriesLink.record_id == record_id)
        )
    rows = session.execute(
        query.join(Agency, Agency.id == Series.agency_id)
        .where(series_condition(viewer))
        .order_by(Series.name, Series.id)
    )
    return [
        Tie(RecordType.SERIES, ident, label_of(viewer, code, owner, name), by, as_utc(at))
        for ident, name, owner, code, by, at in rows
    ]


def series_media(
    session: Session, viewer: Viewer, series_id: int, limit: int, offset: int
) -> Listing[MediaTie]:
    """The media of the series that the viewer may see (``limit`` after ``offset``, by id),
    with who assigned each when; NotVisibleError when the series is hidden or missing."""
    check_record(session, viewer, RecordType.SERIES, series_id)
    query = (
        select(Media.id, Media.sha256, SeriesMedia.assigned_by, SeriesMedia.assigned_at)
        .join(SeriesMedia, SeriesMedia.media_id == Media.id)
        .where(SeriesMedia.series_id == series_id, media_condition(viewer, Media.id))
    )
    rows = session.execute(query.order_by(Media.id).limit(limit).offset(offset))
    items = [MediaTie(ident, sha256, by, as_utc(at)) for ident, sha256, by, at in rows]
    return Listing(items, count_rows(session, query))


def location_media(
    session: Session, viewer: Viewer, location_id: int, limit: int, offset: int
) -> Listing[MediaTie]:
    """The media tied to the location that the viewer may see (``limit`` after ``offset``,
    by id), with who tied each when; NotVisibleError when the location is hidden or
    missing."""
    check_record(session, viewer, RecordType.LOCATION, location_id)
    query = (
        select(Media.id, Media.sha256, MediaLocation.linked_by, MediaLocation.linked_at)
        .join(MediaLocation, MediaLocation.media_id == Media.id)
        .where(MediaLocation.location_id == location_id, media_condition(viewer, Media.id))
    )
    rows = session.execute(query.order_by(Media.id).limit(limit).offset(offset))
    items = [MediaTie(ident, sha256, by, as_utc(at)) for ident, sha256, by, at in rows]
    return Listing(items, count_rows(session, query))

"""Locations: a room, a building, a city or somewhere outdoors, seen in or tied to
material, with the media that show it.

A location is named by its number (``#12``), as its description need not be unique. Only
the owning agency changes a location or its media; a media may be tied to it only when the
viewer may see that media. Every change is a history entry and an audit event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from vigil.cases import fields
from vigil.cases.history import record_change
from vigil.sharing.audit import Action
from vigil.sharing.clock import as_utc
from vigil.sharing.dissemination import apply_level
from vigil.sharing.policy import (
    Permission,
    Viewer,
    check_location,
    check_media,
    check_owner,
    location_condition,
    media_condition,
    require,
)
from vigil.sharing.records import Listing, count_rows
from vigil.store.models import Agency, Level, Location, LocationKind, MediaLocation, RecordType

DESCRIPTION_MAX = 2000


@dataclass(frozen=True)
class LocationShown:
    """A location as the viewer is shown it, with how many of its media the viewer sees."""

    id: int
    description: str
    kind: LocationKind
    country: str | None
    lat: float | None
    lon: float | None
    agency: str
    dissemination: Level
    created_at: datetime
    media_count: int
    #: The ids of those media (filled for one location's detail, not in listings).
    media: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The location as JSON values."""
        return {
            "id": self.id,
            "description": self.description,
            "kind": self.kind.value,
            "country": self.country,
            "lat": self.lat,
            "lon": self.lon,
            "agency": self.agency,
            "dissemination": self.dissemination.value,
            "created_at": self.created_at.isoformat(),
            "media_count": self.media_count,
            "media": self.media,
        }


def _visible_media(viewer: Viewer) -> Select[int]:
    """The ids of location-media links whose media the viewer may see (``location_id``)."""
    return select(MediaLocation.location_id).where(media_condition(viewer, MediaLocation.media_id))


def _visible(viewer: Viewer) -> Select[Location, str, int]:
    counted = (
        _visible_media(viewer)
        .add_columns(func.count().label("n"))
        .group_by(MediaLocation.location_id)
        .subquery()
    )
    return (
        select(Location, Agency.code, func.coalesce(counted.c.n, 0))
        .join(Agency, Agency.id == Location.agency_id)
        .outerjoin(counted, counted.c.location_id == Location.id)
        .where(location_condition(viewer))
    )


def _shown(found: Location, code: str, count: int, media: list[int] | None = None) -> LocationShown:
    return LocationShown(
        id=found.id,
        description=found.description,
        kind=LocationKind(found.kind),
        country=found.country,
        lat=found.lat,
        lon=found.lon,
        agency=code,
        dissemination=Level(found.dissemination),
        created_at=as_utc(found.created_at),
        media_count=count,
        media=media or [],
    )


def _own(session: Session, viewer: Viewer, location_id: int) -> Location:
    require(viewer, Permission.WRITE)
    check_location(session, viewer, location_id)
    found = session.get_one(Location, location_id)
    check_owner(viewer, found.agency_id, f"location #{found.id}")
    return found


def create_location(
    session: Session,
    viewer: Viewer,
    description: str,
    kind: LocationKind | str,
    *,
    country: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    level: Level = Level.OWNER,
    agencies: Sequence[str] = (),
) -> Location:
    """A new location of the viewer's agency (a position: both ``lat`` and ``lon``, or
    neither)."""
    require(viewer, Permission.WRITE)
    description = fields.text("description", description, DESCRIPTION_MAX)
    chosen = fields.choice("kind", kind, LocationKind)
    code = fields.optional_country(country)
    lat, lon = fields.coordinates(lat, lon)
    location = Location(
        description=description,
        kind=chosen.value,
        country=code,
        lat=lat,
        lon=lon,
        agency_id=viewer.agency_id,
        dissemination=Level.OWNER.value,
    )
    session.add(location)
    session.flush()
    detail = {
        "description": description,
        "kind": chosen.value,
        "country": code,
        "lat": lat,
        "lon": lon,
    }
    record_change(
        session, viewer, RecordType.LOCATION, location.id, "created", detail, Action.RECORD_CREATE
    )
    if level is not Level.OWNER or agencies:
        apply_level(session, viewer, RecordType.LOCATION, location, level, agencies)
    return location


def list_locations(
    session: Session,
    viewer: Viewer,
    kind: LocationKind | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> Listing[LocationShown]:
    """The locations the viewer may see (of ``kind``, when given), by number."""
    query = _visible(viewer)
    if kind is not None:
        query = query.where(Location.kind == LocationKind(kind).value)
    rows = session.execute(query.order_by(Location.id).limit(limit).offset(offset))
    items = [_shown(found, code, count) for found, code, count in rows]
    return Listing(items, count_rows(session, query))


def location_detail(session: Session, viewer: Viewer, location_id: int) -> LocationShown:
    """One location with the ids of its media the viewer may see; NotVisibleError when
    hidden or missing."""
    check_location(session, viewer, location_id)
    found, code, count = session.execute(_visible(viewer).where(Location.id == location_id)).one()
    media = list(
        session.scalars(
            select(MediaLocation.media_id)
            .where(
                MediaLocation.location_id == location_id,
                media_condition(viewer, MediaLocation.media_id),
            )
            .order_by(MediaLocation.media_id)
        )
    )
    return _shown(found, code, count, media)


def update_location(
    session: Session,
    viewer: Viewer,
    location_id: int,
    *,
    description: str | None = None,
    kind: LocationKind | str | None = None,
    country: str | None = None,
    position: tuple[float | None, float | None] | None = None,
) -> Location:
    """Change a location's fields; None leaves one as it is (``country=""`` clears the
    country, ``position=(None, None)`` the coordinates)."""
    location = _own(session, viewer, location_id)
    values: dict[str, object] = {}
    if description is not None:
        values["description"] = fields.text("description", description, DESCRIPTION_MAX)
    if kind is not None:
        values["kind"] = fields.choice("kind", kind, LocationKind).value
    if country is not None:
        values["country"] = fields.optional_country(country)
    if position is not None:
        values["lat"], values["lon"] = fields.coordinates(*position)
    changed = fields.apply_changes(location, values)
    if changed:
        record_change(session, viewer, RecordType.LOCATION, location.id, "updated", changed)
    return location


def link_media(
    session: Session, viewer: Viewer, location_id: int, media_ids: Sequence[int]
) -> list[int]:
    """Tie media to the location: the ids newly tied (idempotent). Every media must be
    visible to the viewer, else NotVisibleError naming the id and nothing is tied."""
    location = _own(session, viewer, location_id)
    wanted = list(dict.fromkeys(media_ids))
    for media_id in wanted:
        check_media(session, viewer, media_id)
    linked = set(
        session.scalars(
            select(MediaLocation.media_id).where(
                MediaLocation.location_id == location.id, MediaLocation.media_id.in_(wanted)
            )
        )
    )
    new = [media_id for media_id in wanted if media_id not in linked]
    for media_id in new:
        session.add(
            MediaLocation(media_id=media_id, location_id=location.id, linked_by=viewer.actor.user)
        )
    if new:
        session.flush()
        record_change(
            session,
            viewer,
            RecordType.LOCATION,
            location.id,
            "media_linked",
            {"media": new},
            Action.RECORD_LINK,
        )
    return new


def unlink_media(
    session: Session, viewer: Viewer, location_id: int, media_ids: Sequence[int]
) -> list[int]:
    """Untie media from the location: the ids that were tied (and are no longer)."""
    location = _own(session, viewer, location_id)
    wanted = list(dict.fromkeys(media_ids))
    for media_id in wanted:
        check_media(session, viewer, media_id)
    tied = sorted(
        session.scalars(
            select(MediaLocation.media_id).where(
                MediaLocation.location_id == location.id, MediaLocation.media_id.in_(wanted)
            )
        )
    )
    if tied:
        session.execute(
            delete(MediaLocation).where(
                MediaLocation.location_id == location.id, MediaLocation.media_id.in_(tied)
            ),
            execution_options={"synchronize_session": False},
        )
        record_change(
            session,
            viewer,
            RecordType.LOCATION,
            location.id,
            "media_unlinked",
            {"media": tied},
            Action.RECORD_UNLINK,
        )
    return tied

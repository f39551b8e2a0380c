"""Locations: kinds, coordinates (both or neither, in range), media tied only when visible,
owner-only changes, history and audit."""

from __future__ import annotations

import pytest

from tests.cases.world import A, B, acting, add_agencies, audit_actions
from tests.sharing.records import add_media, add_seizure
from vigil.cases.errors import IdentificationError
from vigil.cases.history import history_of
from vigil.cases.locations import (
    create_location,
    link_media,
    list_locations,
    location_detail,
    unlink_media,
    update_location,
)
from vigil.sharing.policy import ForbiddenError, NotVisibleError
from vigil.store.db import Store
from vigil.store.models import Level, LocationKind, RecordType


@pytest.fixture
def agencies(store: Store) -> Store:
    add_agencies(store)
    return store


def test_a_location_with_its_media(agencies: Store) -> None:
    with acting(agencies, A) as (session, a):
        mine = add_media(session, "mine")
        add_seizure(session, A, "OP-A", mine)
        theirs = add_media(session, "theirs")
        add_seizure(session, B, "OP-B", theirs)
        ident = create_location(
            session, a, "Bedroom, blue curtains", "room", country="FR", lat=48.85, lon=2.35
        ).id
        mine_id, theirs_id = mine.id, theirs.id
    refused = pytest.raises(NotVisibleError, match=f"media with id {theirs_id}")
    with acting(agencies, A) as (session, a), refused:
        link_media(session, a, ident, [mine_id, theirs_id])
    with acting(agencies, A) as (session, a):
        assert location_detail(session, a, ident).media == []  # nothing half-written
        assert link_media(session, a, ident, [mine_id, mine_id]) == [mine_id]
    with acting(agencies, A) as (session, a):
        assert link_media(session, a, ident, [mine_id]) == []
        shown = location_detail(session, a, ident)
        assert (shown.media, shown.media_count, shown.kind) == ([mine_id], 1, LocationKind.ROOM)
        update_location(session, a, ident, kind="building", position=(None, None))
        assert unlink_media(session, a, ident, [mine_id]) == [mine_id]
    with acting(agencies, A) as (session, a):
        shown = location_detail(session, a, ident)
        assert (shown.lat, shown.lon, shown.kind, shown.media) == (None, None, "building", [])
        actions = [c.action for c in history_of(session, a, RecordType.LOCATION, ident)]
        assert actions == ["created", "media_linked", "updated", "media_unlinked"]
        assert audit_actions(session, f"location:{ident}") == [
            "record.create",
            "record.link",
            "record.change",
            "record.unlink",
        ]


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        (91.0, 2.0, "lat: 91.0 is not a latitude"),
        (10.0, -181.0, "lon: -181.0 is not a longitude"),
        (10.0, None, "lon: give both lat and lon"),
    ],
)
def test_bad_coordinates_are_refused(
    agencies: Store, lat: float, lon: float | None, message: str
) -> None:
    with acting(agencies, A) as (session, a), pytest.raises(IdentificationError, match=message):
        create_location(session, a, "Park", "outdoor", lat=lat, lon=lon)


def test_bad_kind_is_refused(agencies: Store) -> None:
    with (
        acting(agencies, A) as (session, a),
        pytest.raises(IdentificationError, match="kind: 'cave'"),
    ):
        create_location(session, a, "Cave", "cave")


def test_locations_across_agencies(agencies: Store) -> None:
    with acting(agencies, A) as (session, a):
        hidden = create_location(session, a, "A-hidden", "city").id
        shared = create_location(session, a, "A-shared", "city", level=Level.ALL).id
    with acting(agencies, B) as (session, b):
        assert [loc.id for loc in list_locations(session, b).items] == [shared]
        with pytest.raises(NotVisibleError, match=f"no location with id {hidden}"):
            location_detail(session, b, hidden)
        with pytest.raises(ForbiddenError):
            update_location(session, b, shared, description="mine")

"""Statistics count what the asking agency may see: B's numbers leave out A's restricted
records and take in A's shared ones."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from tests.cases.world import A, B, acting, add_agencies
from tests.sharing.records import add_media, add_seizure
from vigil.cases.offenders import create_offender, set_offender_status
from vigil.cases.stats import statistics
from vigil.sharing.policy import Viewer
from vigil.store.db import Store
from vigil.store.models import Level, Series, SeriesStatus, Victim, VictimStatus


@pytest.fixture
def agencies(store: Store) -> Store:
    add_agencies(store)
    return store


def _victim(
    session: Session,
    viewer: Viewer,
    label: str,
    level: Level,
    status: VictimStatus,
    country: str,
    identified: date,
    rescued: date | None = None,
) -> None:
    session.add(
        Victim(
            label=label,
            agency_id=viewer.agency_id,
            dissemination=level.value,
            status=status.value,
            country=country,
            identified_on=identified,
            rescued_on=rescued,
        )
    )


def _series(
    session: Session, viewer: Viewer, name: str, level: Level, status: SeriesStatus
) -> None:
    first = datetime(2024, 5, 1, tzinfo=UTC)
    session.add(
        Series(
            name=name,
            agency_id=viewer.agency_id,
            dissemination=level.value,
            status=status.value,
            first_seen_at=first,
        )
    )


@pytest.fixture
def counted(agencies: Store) -> Store:
    with acting(agencies, A) as (session, a):
        _victim(
            session, a, "V-hidden", Level.OWNER, VictimStatus.IDENTIFIED, "FR", date(2025, 3, 1)
        )
        _victim(
            session,
            a,
            "V-shared",
            Level.ALL,
            VictimStatus.RESCUED,
            "BR",
            date(2026, 1, 5),
            date(2026, 2, 1),
        )
        _series(session, a, "S-hidden", Level.OWNER, SeriesStatus.UNIDENTIFIED)
        _series(session, a, "S-shared", Level.ALL, SeriesStatus.VICTIM_IDENTIFIED)
        for label, level in (("O-hidden", Level.OWNER), ("O-shared", Level.ALL)):
            offender = create_offender(session, a, label, country="FR", level=level)
            set_offender_status(session, a, offender.id, "identified", on="2025-07-01")
        media = add_media(session, "stats-a")
        add_seizure(session, A, "OP-STATS-A", media)
    with acting(agencies, B) as (session, b):
        _victim(session, b, "V-b", Level.OWNER, VictimStatus.IDENTIFIED, "BR", date(2026, 4, 1))
        add_seizure(session, B, "OP-STATS-B", add_media(session, "stats-b"))
        add_seizure(session, B, "OP-STATS-B2", add_media(session, "stats-b2"))
    return agencies


def test_b_counts_its_own_and_what_a_shares(counted: Store) -> None:
    with acting(counted, B) as (session, b):
        stats = statistics(session, b)
    assert stats.totals == {
        "victims_identified": 2,
        "victims_rescued": 1,
        "series_open": 0,
        "series_identified": 1,
        "offenders_identified": 1,
    }
    assert stats.by_country["BR"]["victims_identified"] == 2
    assert "FR" in stats.by_country  # A's shared series and offender are French
    assert stats.by_country["FR"]["victims_identified"] == 0
    assert stats.by_year["2026"]["victims_identified"] == 2
    assert stats.by_year["2026"]["victims_rescued"] == 1
    assert "2025" in stats.by_year  # A's shared offender, identified in 2025
    assert stats.by_year["2025"]["offenders_identified"] == 1
    assert stats.by_year["2025"]["victims_identified"] == 0
    assert [(c.reference, c.seizures, c.media) for c in stats.cases] == [
        ("OP-STATS-B", 1, 1),
        ("OP-STATS-B2", 1, 1),
    ]


def test_a_counts_everything_of_its_own(counted: Store) -> None:
    with acting(counted, A) as (session, a):
        stats = statistics(session, a)
    assert stats.totals == {
        "victims_identified": 2,
        "victims_rescued": 1,
        "series_open": 1,
        "series_identified": 1,
        "offenders_identified": 2,
    }
    assert stats.by_country["FR"]["victims_identified"] == 1
    assert stats.by_year["2024"]["series_open"] == 1
    assert [(c.reference, c.agency, c.media) for c in stats.cases] == [("OP-STATS-A", A, 1)]
    assert stats.to_json()["totals"] == stats.totals

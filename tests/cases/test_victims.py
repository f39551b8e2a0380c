"""Victims: made with a unique label and a real country code, seen by whom their level
allows, and moved forward only through identified, rescued and safeguarded."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.cases.world import world
from vigil.cases.errors import IdentificationError, WorkflowError
from vigil.cases.history import history_of
from vigil.cases.links import link_record
from vigil.cases.series import create_series
from vigil.cases.victims import (
    create_victim,
    identify_victim,
    list_victims,
    rescue_victim,
    safeguard_victim,
    update_victim,
    victim_detail,
)
from vigil.sharing.policy import ForbiddenError, NotVisibleError
from vigil.store.db import Store
from vigil.store.models import (
    AgeBand,
    AuditEvent,
    Level,
    RecordType,
    SeriesStatus,
    Sex,
    VictimStatus,
    utcnow,
)


def test_a_victim_is_made_checked_and_seen_by_whom_its_level_allows(store: Store) -> None:
    with store.session() as session:
        w = world(session)
        victim = create_victim(
            session, w.a, "V-1", sex=Sex.FEMALE, age_band=AgeBand.CHILD, country="ph"
        )
        assert victim.country == "PH"
        with pytest.raises(IdentificationError, match="label: your agency already has"):
            create_victim(session, w.a, "V-1")
        with pytest.raises(IdentificationError, match="country: 'XX' is not an ISO 3166"):
            create_victim(session, w.a, "V-2", country="XX")
        create_victim(session, w.b, "V-1")  # another agency's label space
        shared = create_victim(session, w.a, "V-3", level=Level.NAMED, agencies=["C"])
        assert [v.label for v in list_victims(session, w.c, 10, 0).items] == ["A/V-3"]
        assert [v.label for v in list_victims(session, w.b, 10, 0).items] == ["V-1"]
        with pytest.raises(NotVisibleError):
            victim_detail(session, w.b, shared.id)
        update_victim(session, w.a, victim.id, age_band=AgeBand.PRETEEN)
        with pytest.raises(ForbiddenError):
            update_victim(session, w.c, shared.id, sex=Sex.MALE)
        history = victim_detail(session, w.a, victim.id).history
        assert [c.action for c in history] == ["created", "changed"]
        assert history[1].detail == {"age_band": {"from": "6-9", "to": "10-13"}}


def test_identifying_a_victim_identifies_its_agencys_series(store: Store) -> None:
    with store.session() as session:
        w = world(session)
        victim = create_victim(session, w.a, "V-1", level=Level.ALL)
        own = create_series(session, w.a, "own series")
        other = create_series(session, w.b, "B's series")
        link_record(session, w.a, own.id, RecordType.VICTIM, victim.id)
        link_record(session, w.b, other.id, RecordType.VICTIM, victim.id)
        day = date(2026, 3, 1)
        identify_victim(session, w.a, victim.id, day, "B")
        assert (victim.status, victim.identified_on) == (VictimStatus.IDENTIFIED, day)
        shown = victim_detail(session, w.a, victim.id)
        assert shown.victim.identified_by == "B"
        assert own.status == SeriesStatus.VICTIM_IDENTIFIED
        assert other.status == SeriesStatus.UNIDENTIFIED  # B's series: B's to change
        series_history = history_of(session, w.a, RecordType.SERIES, own.id)
        assert series_history[-1].detail["to"] == "victim_identified"
        assert shown.history[-1].detail["series_identified"] == [own.id]


def test_the_workflow_moves_forward_only_and_says_why(store: Store) -> None:
    with store.session() as session:
        w = world(session)
        victim = create_victim(session, w.a, "V-1")
        with pytest.raises(WorkflowError, match="allowed next: identified, rescued"):
            safeguard_victim(session, w.a, victim.id, None)
        future = utcnow().date() + timedelta(days=2)
        with pytest.raises(IdentificationError, match=r"on: .* is in the future"):
            identify_victim(session, w.a, victim.id, future, None)
        with pytest.raises(IdentificationError, match="by: no agency 'NOPE'"):
            identify_victim(session, w.a, victim.id, None, "nope")
        rescue_victim(session, w.a, victim.id, date(2026, 2, 2))
        assert (victim.status, victim.identified_on, victim.rescued_on) == (
            VictimStatus.RESCUED,
            date(2026, 2, 2),
            date(2026, 2, 2),
        )
        with pytest.raises(WorkflowError) as back:
            identify_victim(session, w.a, victim.id, None, None)
        assert "never goes back" in str(back.value)
        assert "allowed next: safeguarded" in str(back.value)
        rescue_victim(session, w.a, victim.id, None)  # already rescued: nothing changes
        safeguard_victim(session, w.a, victim.id, date(2026, 2, 3))
        with pytest.raises(WorkflowError, match="allowed next: none"):
            rescue_victim(session, w.a, victim.id, None)
        statuses = [
            (c.action, c.detail.get("to"))
            for c in history_of(session, w.a, RecordType.VICTIM, victim.id)
        ]
        assert statuses == [("created", None), ("status", "rescued"), ("status", "safeguarded")]
        changes = session.scalar(select(func.count()).where(AuditEvent.action == "record.change"))
        assert changes == 2


def test_identified_then_rescued_needs_a_date_after_identification(store: Store) -> None:
    with store.session() as session:
        w = world(session)
        victim = create_victim(session, w.a, "V-1")
        identify_victim(session, w.a, victim.id, date(2026, 2, 2), None)
        with pytest.raises(IdentificationError, match="before the victim was identified"):
            rescue_victim(session, w.a, victim.id, date(2026, 2, 1))
        with pytest.raises(ForbiddenError):
            rescue_victim(session, w.a_viewer_only, victim.id, None)
        assert victim.status == VictimStatus.IDENTIFIED

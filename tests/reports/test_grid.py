"""The triage grid's classes, worked out in SQL for a whole run, against the triage report
(the oracle): the same media in the same classes, whoever looks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.sharing.hashing import use_cheap_hashing
from tests.web.network import ROLE_USERS, Network, build_network
from tests.web.pages.triage_world import bank_match, build_world
from vigil.reports.grid import GRID_ORDER, GridFilters, triage_grid
from vigil.reports.triage import build_report
from vigil.sharing.actor import Actor
from vigil.sharing.policy import NotVisibleError, resolve
from vigil.store.db import Store
from vigil.store.models import MatchReview, Role, Seizure


@pytest.fixture
def network(store: Store, monkeypatch: pytest.MonkeyPatch) -> Network:
    use_cheap_hashing(monkeypatch)
    return build_network(store)


def _classes_both_ways(network: Network, agency: str) -> tuple[dict[str, int], dict[str, int]]:
    with network.store.session() as session:
        viewer = resolve(session, Actor(ROLE_USERS["analyst"], agency, frozenset({Role.ANALYST})))
        grid = triage_grid(session, viewer, network.own.run_id, GridFilters())
        report = build_report(session, session.get_one(Seizure, network.own.seizure_id), viewer)
        return grid.classes, {name: report.classes[name] for name in GRID_ORDER}


def test_the_grid_classes_media_as_the_report_does(network: Network) -> None:
    world = build_world(network)
    grid, report = _classes_both_ways(network, network.agencies["fr"])
    assert grid == report
    assert grid == {
        "new": 2,
        "known_near": 1,
        "other_cases": 1,
        "held_elsewhere": 1,
        "known_exact": 1,
    }
    # Rejected, the exact match no longer counts (the file falls to new); a second, near
    # match of the same file makes it known by near-duplicate: exact still wins over near.
    with network.store.session() as session:
        agency = session.scalar(
            select(Seizure.agency_id).where(Seizure.id == network.own.seizure_id)
        )
        session.add(
            MatchReview(
                match_id=world.exact_match, agency_id=agency, verdict="rejected", reviewed_by="t"
            )
        )
    grid, report = _classes_both_ways(network, network.agencies["fr"])
    assert grid == report
    assert grid["known_exact"] == 0
    assert grid["new"] == 3
    bank_match(network, world.exact, network.own.bank_id, "pdq", "1")
    bank_match(network, world.near, network.own.bank_id, "sha256", "1")
    grid, report = _classes_both_ways(network, network.agencies["fr"])
    assert grid == report
    assert (grid["known_exact"], grid["known_near"], grid["new"]) == (1, 1, 2)


def test_another_agency_sees_the_grid_of_a_run_it_may_see_only(network: Network) -> None:
    build_world(network)
    with network.store.session() as session:
        viewer = resolve(
            session, Actor("target-br", network.agencies["br"], frozenset({Role.ANALYST}))
        )
        with pytest.raises(NotVisibleError):
            triage_grid(session, viewer, network.own.run_id, GridFilters())

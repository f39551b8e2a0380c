"""Listing cases and seizures: only what the viewer may see is listed, and only that is
counted in the total; a seizure shared wider than its case does not name the case.

Agency AAA holds cases and seizures at level owner and all; BBB holds one of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from vigil.sharing.actor import Actor
from vigil.sharing.agencies import create_agency
from vigil.sharing.policy import NotVisibleError, Viewer, resolve
from vigil.sharing.records import (
    UNSHARED_CASE,
    case_detail,
    list_cases,
    list_seizures,
    seizure_detail,
)
from vigil.store.db import Store
from vigil.store.models import Agency, AgencyKind, Case, Level, Seizure


def viewer(session: Session, code: str) -> Viewer:
    return resolve(session, Actor(f"officer-{code.lower()}", code))


@dataclass(frozen=True)
class Holdings:
    """Ids of the records made: AAA's hidden and shared cases and seizures, BBB's case."""

    hidden_case: int
    shared_case: int
    hidden_seizure: int
    shared_seizure: int
    seizure_of_hidden_case: int
    beta_case: int


def _case(session: Session, agency: Agency, reference: str, level: Level) -> Case:
    found = Case(agency_id=agency.id, reference=reference, dissemination=level.value)
    session.add(found)
    session.flush()
    return found


def _seizure(session: Session, found: Case, name: str, level: Level) -> Seizure:
    seizure = Seizure(
        case_id=found.id, agency_id=found.agency_id, name=name, dissemination=level.value
    )
    session.add(seizure)
    session.flush()
    return seizure


@pytest.fixture
def holdings(store: Store) -> Holdings:
    with store.session() as session:
        alpha = create_agency(session, "AAA", "Unit AAA", AgencyKind.SPECIALISED_UNIT, country="FR")
        beta = create_agency(session, "BBB", "Unit BBB", AgencyKind.SPECIALISED_UNIT, country="DE")
        hidden = _case(session, alpha, "A-HIDDEN", Level.OWNER)
        shared = _case(session, alpha, "A-SHARED", Level.ALL)
        own = _case(session, beta, "B-OWN", Level.OWNER)
        return Holdings(
            hidden_case=hidden.id,
            shared_case=shared.id,
            hidden_seizure=_seizure(session, shared, "a-hidden-phone", Level.OWNER).id,
            shared_seizure=_seizure(session, shared, "a-shared-phone", Level.ALL).id,
            seizure_of_hidden_case=_seizure(session, hidden, "a-loose-phone", Level.ALL).id,
            beta_case=own.id,
        )


def test_cases_list_and_count_only_what_the_viewer_may_see(
    store: Store, holdings: Holdings
) -> None:
    with store.session() as session:
        beta = list_cases(session, viewer(session, "BBB"), 10, 0)
        alpha = list_cases(session, viewer(session, "AAA"), 10, 0)
    assert [(c.reference, c.agency) for c in beta.items] == [("A-SHARED", "AAA"), ("B-OWN", "BBB")]
    assert beta.total == 2
    assert [c.reference for c in alpha.items] == ["A-HIDDEN", "A-SHARED"]
    assert alpha.total == 2
    assert beta.items[0].dissemination is Level.ALL
    assert beta.items[0].created_at.tzinfo is not None


def test_a_page_of_cases_keeps_the_total_of_all_visible(store: Store, holdings: Holdings) -> None:
    with store.session() as session:
        second = list_cases(session, viewer(session, "BBB"), 1, 1)
        beyond = list_cases(session, viewer(session, "BBB"), 5, 2)
    assert [c.reference for c in second.items] == ["B-OWN"]
    assert second.total == 2
    assert beyond.items == []
    assert beyond.total == 2


def test_seizures_list_hides_hidden_ones_and_unshared_cases(
    store: Store, holdings: Holdings
) -> None:
    with store.session() as session:
        listed = list_seizures(session, viewer(session, "BBB"), 10, 0)
    # Newest first; the hidden seizure neither listed nor counted.
    assert [(s.name, s.case, s.case_id) for s in listed.items] == [
        ("a-loose-phone", UNSHARED_CASE, None),
        ("a-shared-phone", "A-SHARED", holdings.shared_case),
    ]
    assert listed.total == 2


def test_case_detail_lists_only_the_visible_seizures(store: Store, holdings: Holdings) -> None:
    with store.session() as session:
        shown = case_detail(session, viewer(session, "BBB"), holdings.shared_case)
        owner = case_detail(session, viewer(session, "AAA"), holdings.shared_case)
    assert shown.case.reference == "A-SHARED"
    assert [s.name for s in shown.seizures] == ["a-shared-phone"]
    assert [s.name for s in owner.seizures] == ["a-hidden-phone", "a-shared-phone"]


def test_hidden_and_missing_records_are_refused_alike(store: Store, holdings: Holdings) -> None:
    with store.session() as session:
        beta = viewer(session, "BBB")
        refusals = []
        for ask, record_id in [
            (case_detail, holdings.hidden_case),
            (case_detail, 10_000),
            (seizure_detail, holdings.hidden_seizure),
            (seizure_detail, 10_000),
        ]:
            with pytest.raises(NotVisibleError) as refused:
                ask(session, beta, record_id)
            refusals.append(str(refused.value).replace(str(record_id), "ID"))
    assert refusals[0] == refusals[1]
    assert refusals[2] == refusals[3]
    assert not any("A-HIDDEN" in text or "a-hidden" in text for text in refusals)


def test_seizure_detail_names_its_case_only_where_visible(store: Store, holdings: Holdings) -> None:
    with store.session() as session:
        beta = viewer(session, "BBB")
        loose = seizure_detail(session, beta, holdings.seizure_of_hidden_case)
        shared = seizure_detail(session, beta, holdings.shared_seizure)
    assert (loose.case, loose.case_id, loose.agency) == (UNSHARED_CASE, None, "AAA")
    assert (shared.case, shared.case_id) == ("A-SHARED", holdings.shared_case)

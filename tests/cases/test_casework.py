"""Cases as investigations (title, priority, opened, closed) and seizures' source and time:
owner-only changes, refused steps, history and audit for each change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.cases.world import A, B, acting, add_agencies, audit_actions
from vigil.cases.casework import (
    close_case,
    create_case,
    reopen_case,
    update_case,
    update_seizure,
)
from vigil.cases.errors import IdentificationError, WorkflowError
from vigil.cases.history import history_of
from vigil.sharing.policy import ForbiddenError, NotVisibleError
from vigil.sharing.records import case_detail, list_cases, seizure_detail
from vigil.store.db import Store
from vigil.store.models import Case, CaseStatus, Level, Priority, RecordType
from vigil.store.repo import case_by_reference, seizure_by_name


@pytest.fixture
def agencies(store: Store) -> Store:
    add_agencies(store)
    return store


def test_a_case_is_opened_changed_closed_and_reopened(agencies: Store) -> None:
    with acting(agencies, A) as (session, a):
        case = create_case(
            session, a, "OP-1", title="Op one", priority="urgent", opened_on="2026-01-02"
        )
        case_id = case.id
    with acting(agencies, A) as (session, a):
        update_case(session, a, case_id, title="Op one, renamed", priority=Priority.HIGH)
        close_case(session, a, case_id, on="2026-02-03")
    with acting(agencies, A) as (session, a):
        shown = case_detail(session, a, case_id).case
        assert (shown.title, shown.priority, shown.status) == (
            "Op one, renamed",
            Priority.HIGH,
            CaseStatus.CLOSED,
        )
        assert (shown.opened_on, shown.closed_on) == (date(2026, 1, 2), date(2026, 2, 3))
        with pytest.raises(WorkflowError, match=r"closed already.*allowed next: open"):
            close_case(session, a, case_id)
        reopen_case(session, a, case_id)
    with acting(agencies, A) as (session, a):
        assert session.get_one(Case, case_id).closed_on is None
        with pytest.raises(WorkflowError, match="open already"):
            reopen_case(session, a, case_id)
        actions = [c.action for c in history_of(session, a, RecordType.CASE, case_id)]
        assert actions == ["created", "updated", "status", "status"]
        assert audit_actions(session, f"case:{case_id}") == [
            "record.create",
            "record.change",
            "record.change",
            "record.change",
        ]
        assert [c.reference for c in list_cases(session, a, 10, 0, CaseStatus.OPEN).items] == [
            "OP-1"
        ]
        assert list_cases(session, a, 10, 0, CaseStatus.CLOSED).items == []


def test_bad_case_input_is_refused_naming_field_and_value(agencies: Store) -> None:
    with acting(agencies, A) as (session, a):
        create_case(session, a, "OP-2")
        with pytest.raises(IdentificationError, match="reference: your agency already has"):
            create_case(session, a, "OP-2")
        with pytest.raises(IdentificationError, match="priority: 'soon' is not one of"):
            create_case(session, a, "OP-3", priority="soon")
        future = (date.today() + timedelta(days=3)).isoformat()
        with pytest.raises(IdentificationError, match=f"opened: {future} is in the future"):
            create_case(session, a, "OP-4", opened_on=future)
        with pytest.raises(IdentificationError, match="opened: 'yesterday' is not a date"):
            create_case(session, a, "OP-5", opened_on="yesterday")


def test_only_the_owner_changes_a_case_and_hidden_is_missing(agencies: Store) -> None:
    with acting(agencies, A) as (session, a):
        hidden = create_case(session, a, "OP-HIDDEN").id
        shared = create_case(session, a, "OP-SHARED", level=Level.ALL).id
    with acting(agencies, B) as (session, b):
        with pytest.raises(NotVisibleError) as refused:
            close_case(session, b, hidden)
        with pytest.raises(NotVisibleError) as missing:
            close_case(session, b, 999_999)
        assert str(refused.value).replace(str(hidden), "N") == str(missing.value).replace(
            "999999", "N"
        )
        with pytest.raises(ForbiddenError, match="only its owner"):
            update_case(session, b, shared, title="mine now")
        # B may open a case of the same reference: references are per agency.
        create_case(session, b, "OP-HIDDEN")


def test_an_ingested_case_stays_open_and_a_seizure_gets_its_source(agencies: Store) -> None:
    with acting(agencies, A) as (session, a):
        agency = session.get_one(Case, create_case(session, a, "OP-X").id).agency
        implicit = case_by_reference(session, agency, "OP-INGESTED")
        assert implicit.status == CaseStatus.OPEN.value
        seizure_id = seizure_by_name(session, implicit, "phone").id
    with acting(agencies, A) as (session, a):
        update_seizure(
            session,
            a,
            seizure_id,
            source="Phone of suspect, living room",
            seized_at="2026-03-01T10:30",
        )
    with acting(agencies, A) as (session, a):
        shown = seizure_detail(session, a, seizure_id)
        assert shown.source == "Phone of suspect, living room"
        assert shown.seized_at == datetime(2026, 3, 1, 10, 30, tzinfo=UTC)
        assert [c.action for c in history_of(session, a, RecordType.SEIZURE, seizure_id)] == [
            "updated"
        ]
        with pytest.raises(IdentificationError, match="seized_at: 'noon' is not a date"):
            update_seizure(session, a, seizure_id, seized_at="noon")
    with acting(agencies, B) as (session, b), pytest.raises(NotVisibleError):
        update_seizure(session, b, seizure_id, source="x")

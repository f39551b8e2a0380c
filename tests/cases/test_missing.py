"""Missing-child reports: references unique across the network (a refusal says only that
one is taken), seen by every member by default, found is final, and the reference seizure
made once, at the report's level."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.cases.world import A, B, acting, add_agencies, audit_actions
from vigil.cases.errors import IdentificationError, WorkflowError
from vigil.cases.history import history_of
from vigil.cases.missing import (
    create_report,
    list_reports,
    mark_found,
    reference_seizure,
    report_detail,
    update_report,
)
from vigil.sharing.policy import ForbiddenError, NotVisibleError
from vigil.store.db import Store
from vigil.store.models import Level, MissingStatus, RecordType


@pytest.fixture
def agencies(store: Store) -> Store:
    add_agencies(store)
    return store


def _report(session, viewer, reference: str, **extra):  # type: ignore[no-untyped-def]
    return create_report(
        session,
        viewer,
        reference,
        country="FR",
        child_label="Child A",
        missing_since="2025-06-01",
        **extra,
    )


def test_a_report_is_everyones_concern_until_found(agencies: Store) -> None:
    with acting(agencies, A) as (session, a):
        ident = _report(
            session, a, "YN-1", sex="female", birth_year=2015, last_seen_place="Lyon"
        ).id
    with acting(agencies, B) as (session, b):
        shown = report_detail(session, b, ident)
        assert (shown.reference, shown.agency, shown.dissemination) == ("YN-1", A, Level.ALL)
        assert (shown.birth_year, shown.sex, shown.seizure_id) == (2015, "female", None)
        with pytest.raises(ForbiddenError):
            mark_found(session, b, ident)
        with pytest.raises(IdentificationError) as taken:
            _report(session, b, "YN-1")
        assert str(taken.value) == "reference: 'YN-1' is taken; choose another"
    with acting(agencies, A) as (session, a):
        update_report(session, a, ident, last_seen_place="Lyon, Part-Dieu station")
        mark_found(session, a, ident, on="2026-01-10")
    with acting(agencies, A) as (session, a):
        with pytest.raises(WorkflowError, match=r"found already.*allowed next: none"):
            mark_found(session, a, ident)
        shown = report_detail(session, a, ident)
        assert (shown.status, shown.found_on) == (MissingStatus.FOUND, date(2026, 1, 10))
        assert [r.id for r in list_reports(session, a, MissingStatus.MISSING).items] == []
        history = history_of(session, a, RecordType.MISSING_REPORT, ident)
        assert [c.action for c in history] == ["created", "updated", "status"]
        assert audit_actions(session, f"missing_report:{ident}") == [
            "record.create",
            "share.change",
            "record.change",
            "record.change",
        ]


def test_a_restricted_report_is_hidden_and_its_taken_reference_tells_nothing_more(
    agencies: Store,
) -> None:
    with acting(agencies, A) as (session, a):
        hidden = _report(session, a, "YN-SECRET", level=Level.OWNER).id
    with acting(agencies, B) as (session, b):
        assert list_reports(session, b).items == []
        with pytest.raises(NotVisibleError, match=f"no missing-child report with id {hidden}"):
            report_detail(session, b, hidden)
        with pytest.raises(IdentificationError) as taken:
            _report(session, b, "YN-SECRET")
        assert str(taken.value) == "reference: 'YN-SECRET' is taken; choose another"
        assert A not in str(taken.value)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"birth_year": 1800}, "born: 1800 is not a plausible year of birth"),
        ({"birth_year": 2026}, "born: 2026 is not a plausible year of birth"),
        ({"sex": "x"}, "sex: 'x' is not one of"),
        ({"country": "ZZ"}, "country: 'ZZ' is not an ISO 3166"),
        ({"missing_since": "2025-13-01"}, "missing_since: '2025-13-01' is not a date"),
        (
            {"missing_since": (date.today() + timedelta(days=1)).isoformat()},
            "missing_since: .* is in the future",
        ),
    ],
)
def test_bad_report_input_names_field_and_value(
    agencies: Store, extra: dict[str, object], message: str
) -> None:
    fields: dict[str, object] = {
        "country": "FR",
        "child_label": "C",
        "missing_since": "2025-06-01",
        **extra,
    }
    with acting(agencies, A) as (session, a), pytest.raises(IdentificationError, match=message):
        create_report(session, a, "YN-BAD", **fields)  # type: ignore[arg-type]


def test_found_before_missing_is_refused(agencies: Store) -> None:
    with acting(agencies, A) as (session, a):
        ident = _report(session, a, "YN-2").id
        with pytest.raises(IdentificationError, match="on: 2025-01-01 is before"):
            mark_found(session, a, ident, on="2025-01-01")


def test_the_reference_seizure_is_made_once_at_the_reports_level(agencies: Store) -> None:
    with acting(agencies, A) as (session, a):
        ident = _report(session, a, "YN-3", level=Level.NAMED, agencies=[B]).id
    with acting(agencies, A) as (session, a):
        seizure = reference_seizure(session, a, ident)
        assert (seizure.case.reference, seizure.name) == ("MISSING-YN-3", "reference")
        assert (seizure.dissemination, seizure.case.dissemination) == ("named", "named")
        seizure_id = seizure.id
    with acting(agencies, A) as (session, a):
        assert reference_seizure(session, a, ident).id == seizure_id
        actions = [c.action for c in history_of(session, a, RecordType.MISSING_REPORT, ident)]
        assert actions.count("reference_seizure") == 1
    with acting(agencies, B) as (session, b):
        assert report_detail(session, b, ident).seizure_id == seizure_id
        with pytest.raises(ForbiddenError):
            reference_seizure(session, b, ident)

"""Offenders: labels unique per agency, status forward only, owner-only changes, hidden
answered as missing, history and audit for each change."""

from __future__ import annotations

from datetime import date

import pytest

from tests.cases.world import A, B, acting, add_agencies, audit_actions
from vigil.cases.errors import IdentificationError, WorkflowError
from vigil.cases.history import history_of
from vigil.cases.offenders import (
    create_offender,
    list_offenders,
    offender_detail,
    set_offender_status,
    update_offender,
)
from vigil.sharing.policy import ForbiddenError, NotVisibleError
from vigil.store.db import Store
from vigil.store.models import Level, OffenderStatus, RecordType


@pytest.fixture
def agencies(store: Store) -> Store:
    add_agencies(store)
    return store


def test_an_offender_moves_forward_only(agencies: Store) -> None:
    with acting(agencies, A) as (session, a):
        ident = create_offender(session, a, "OFF-1", country="fr").id
    with acting(agencies, A) as (session, a):
        set_offender_status(session, a, ident, "arrested", on="2026-02-01")
        with pytest.raises(WorkflowError) as back:
            set_offender_status(session, a, ident, OffenderStatus.IDENTIFIED)
        assert "is arrested" in str(back.value)
        assert "allowed next: convicted" in str(back.value)
        update_offender(session, a, ident, label="OFF-1b", country="")
    with acting(agencies, A) as (session, a):
        shown = offender_detail(session, a, ident)
        assert (shown.label, shown.status, shown.country) == ("OFF-1b", "arrested", None)
        assert shown.identified_on == date(2026, 2, 1)
        history = history_of(session, a, RecordType.OFFENDER, ident)
        assert [c.action for c in history] == ["created", "status", "updated"]
        assert history[1].detail == {"from": "unknown", "to": "arrested", "on": "2026-02-01"}
        assert audit_actions(session, f"offender:{ident}") == [
            "record.create",
            "record.change",
            "record.change",
        ]


def test_bad_offender_input_names_field_and_value(agencies: Store) -> None:
    with acting(agencies, A) as (session, a):
        create_offender(session, a, "OFF-2")
        with pytest.raises(IdentificationError, match="label: your agency already has"):
            create_offender(session, a, "OFF-2")
        with pytest.raises(IdentificationError, match="country: 'XX' is not an ISO 3166"):
            create_offender(session, a, "OFF-3", country="XX")
        with pytest.raises(IdentificationError, match="label: must not be empty"):
            create_offender(session, a, "  ")
    with acting(agencies, B) as (session, b):
        create_offender(session, b, "OFF-2")  # labels are per agency


def test_offenders_across_agencies(agencies: Store) -> None:
    with acting(agencies, A) as (session, a):
        hidden = create_offender(session, a, "A-HIDDEN").id
        shared = create_offender(session, a, "A-SHARED", level=Level.ALL).id
        named = create_offender(session, a, "A-NAMED", level=Level.NAMED, agencies=[B]).id
    with acting(agencies, B) as (session, b):
        labels = [o.label for o in list_offenders(session, b).items]
        assert labels == [f"{A}/A-NAMED", f"{A}/A-SHARED"]
        with pytest.raises(NotVisibleError) as refused:
            offender_detail(session, b, hidden)
        assert str(refused.value) == f"no offender with id {hidden}"
        with pytest.raises(ForbiddenError):
            set_offender_status(session, b, shared, "identified")
        assert offender_detail(session, b, named).agency == A

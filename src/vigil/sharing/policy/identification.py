"""Series, victims, offenders, locations, missing-child reports, their history and the
alerts raised on seizures: yes / no for one record, and the conditions for alerts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from vigil.sharing.policy.viewers import NotVisibleError, Viewer
from vigil.sharing.policy.visibility import (
    case_condition,
    location_condition,
    missing_report_condition,
    offender_condition,
    seizure_condition,
    series_condition,
    victim_condition,
    visible_seizure_ids,
)
from vigil.store.models import (
    Alert,
    Case,
    Location,
    MissingChildReport,
    Offender,
    RecordType,
    Seizure,
    Series,
    Victim,
)

# The owned records of identification, with the condition that keeps those a viewer sees.
_RECORDS: dict[RecordType, tuple[Any, Callable[[Viewer], ColumnElement[bool]], str]] = {
    RecordType.CASE: (Case, case_condition, "case"),
    RecordType.SEIZURE: (Seizure, seizure_condition, "seizure"),
    RecordType.SERIES: (Series, series_condition, "series"),
    RecordType.VICTIM: (Victim, victim_condition, "victim"),
    RecordType.OFFENDER: (Offender, offender_condition, "offender"),
    RecordType.LOCATION: (Location, location_condition, "location"),
    RecordType.MISSING_REPORT: (
        MissingChildReport,
        missing_report_condition,
        "missing-child report",
    ),
}


def record_condition(viewer: Viewer, record: RecordType) -> ColumnElement[bool]:
    """The condition keeping the rows of ``record``'s table that the viewer may see."""
    return _RECORDS[record][1](viewer)


def visible_ids(viewer: Viewer, record: RecordType) -> Select[Any]:
    """Ids of the rows of ``record``'s table that the viewer may see (a subquery)."""
    model, condition, _ = _RECORDS[record]
    return select(model.id).where(condition(viewer)).correlate(None)


def check_record(session: Session, viewer: Viewer, record: RecordType, record_id: int) -> None:
    """NotVisibleError unless the record exists and the viewer may see it (the message is
    the same either way)."""
    model, condition, what = _RECORDS[record]
    query = select(model.id).where(model.id == record_id, condition(viewer))
    if session.scalar(query.limit(1)) is None:
        raise NotVisibleError(f"no {what} with id {record_id}")


def check_series(session: Session, viewer: Viewer, series_id: int) -> None:
    """NotVisibleError unless the series exists and the viewer may see it."""
    check_record(session, viewer, RecordType.SERIES, series_id)


def check_victim(session: Session, viewer: Viewer, victim_id: int) -> None:
    """NotVisibleError unless the victim exists and the viewer may see it."""
    check_record(session, viewer, RecordType.VICTIM, victim_id)


def check_offender(session: Session, viewer: Viewer, offender_id: int) -> None:
    """NotVisibleError unless the offender exists and the viewer may see it."""
    check_record(session, viewer, RecordType.OFFENDER, offender_id)


def check_location(session: Session, viewer: Viewer, location_id: int) -> None:
    """NotVisibleError unless the location exists and the viewer may see it."""
    check_record(session, viewer, RecordType.LOCATION, location_id)


def check_missing_report(session: Session, viewer: Viewer, report_id: int) -> None:
    """NotVisibleError unless the missing-child report exists and the viewer may see it."""
    check_record(session, viewer, RecordType.MISSING_REPORT, report_id)


#: What an alert's counterpart may be, and the record type that decides who sees it.
ALERT_COUNTERPARTS = (RecordType.SERIES, RecordType.MISSING_REPORT, RecordType.SEIZURE)


def alert_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the alerts (rows of ``Alert``) the viewer may see: on a seizure it may see,
    about a record it may see too (the holder's side of a hidden one is a hit notice)."""
    about = or_(
        *(
            and_(
                Alert.counterpart_type == record.value,
                Alert.counterpart_id.in_(visible_ids(viewer, record)),
            )
            for record in ALERT_COUNTERPARTS
        )
    )
    return and_(Alert.seizure_id.in_(visible_seizure_ids(viewer)), about)

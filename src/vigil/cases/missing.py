"""Missing-child reports, as in a Yellow notice: a child reported missing by an agency,
with reference photos and videos that are matched against everything.

A report's reference is unique across the network (a notice is quoted by it). A missing
child is every member's concern: a report is seen by all members unless its agency says
otherwise. Its reference media live in a seizure of their own (:func:`reference_seizure`),
ingested like any other so that they are hashed and matched; ingest raises the *possible
missing child* alert while the report is open. Status moves forward only: missing, found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from vigil.cases import fields
from vigil.cases.errors import IdentificationError, WorkflowError
from vigil.cases.history import record_change
from vigil.sharing.audit import Action
from vigil.sharing.clock import as_utc
from vigil.sharing.dissemination import apply_level, sharing_of
from vigil.sharing.policy import (
    Permission,
    Viewer,
    check_missing_report,
    check_owner,
    missing_report_condition,
    require,
    seizure_condition,
)
from vigil.sharing.records import Listing, count_rows
from vigil.store.models import (
    Agency,
    Level,
    MissingChildReport,
    MissingStatus,
    RecordType,
    Seizure,
    Sex,
)
from vigil.store.repo import case_by_reference, seizure_by_name

REFERENCE_MAX = 100
LABEL_MAX = 200
PLACE_MAX = 2000
#: The earliest year of birth taken (reports stay open for decades, not centuries).
EARLIEST_BIRTH_YEAR = 1900
#: The case and seizure that hold a report's reference media.
CASE_PREFIX = "MISSING-"
SEIZURE_NAME = "reference"


@dataclass(frozen=True)
class ReportShown:
    """A missing-child report as the viewer is shown it; ``seizure_id`` (its reference
    media) only when the viewer may see that seizure."""

    id: int
    reference: str
    agency: str
    dissemination: Level
    country: str
    child_label: str
    sex: Sex
    birth_year: int | None
    missing_since: date
    last_seen_place: str | None
    status: MissingStatus
    found_on: date | None
    seizure_id: int | None
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The report as JSON values."""
        return {
            "id": self.id,
            "reference": self.reference,
            "agency": self.agency,
            "dissemination": self.dissemination.value,
            "country": self.country,
            "child_label": self.child_label,
            "sex": self.sex.value,
            "birth_year": self.birth_year,
            "missing_since": self.missing_since.isoformat(),
            "last_seen_place": self.last_seen_place,
            "status": self.status.value,
            "found_on": self.found_on.isoformat() if self.found_on else None,
            "seizure_id": self.seizure_id,
            "created_at": self.created_at.isoformat(),
        }


def _visible(viewer: Viewer) -> Select[MissingChildReport, str, int | None]:
    return (
        select(MissingChildReport, Agency.code, Seizure.id)
        .join(Agency, Agency.id == MissingChildReport.agency_id)
        .outerjoin(
            Seizure,
            and_(Seizure.id == MissingChildReport.seizure_id, seizure_condition(viewer)),
        )
        .where(missing_report_condition(viewer))
    )


def _shown(found: MissingChildReport, code: str, seizure_id: int | None) -> ReportShown:
    return ReportShown(
        id=found.id,
        reference=found.reference,
        agency=code,
        dissemination=Level(found.dissemination),
        country=found.country,
        child_label=found.child_label,
        sex=Sex(found.sex),
        birth_year=found.birth_year,
        missing_since=found.missing_since,
        last_seen_place=found.last_seen_place,
        status=MissingStatus(found.status),
        found_on=found.found_on,
        seizure_id=seizure_id,
        created_at=as_utc(found.created_at),
    )


def _birth_year(value: int | None, missing_since: date) -> int | None:
    if value is None:
        return None
    latest = missing_since.year
    if not EARLIEST_BIRTH_YEAR <= value <= latest:
        raise IdentificationError(
            f"born: {value} is not a plausible year of birth "
            f"({EARLIEST_BIRTH_YEAR} to {latest}, the year the child went missing)"
        )
    return value


def _own(session: Session, viewer: Viewer, report_id: int) -> MissingChildReport:
    require(viewer, Permission.WRITE)
    check_missing_report(session, viewer, report_id)
    found = session.get_one(MissingChildReport, report_id)
    check_owner(viewer, found.agency_id, f"missing-child report {found.reference!r}")
    return found


def create_report(
    session: Session,
    viewer: Viewer,
    reference: str,
    *,
    country: str,
    child_label: str,
    missing_since: date | str,
    sex: Sex | str = Sex.UNKNOWN,
    birth_year: int | None = None,
    last_seen_place: str | None = None,
    level: Level = Level.ALL,
    agencies: Sequence[str] = (),
) -> MissingChildReport:
    """A new missing-child report of the viewer's agency, status missing.

    IdentificationError when another report (of any agency) has the reference: the message
    says only that it is taken.
    """
    require(viewer, Permission.WRITE)
    reference = fields.text("reference", reference, REFERENCE_MAX)
    code = fields.country(country)
    label = fields.text("child", child_label, LABEL_MAX)
    since = fields.past_day("missing_since", missing_since)
    chosen_sex = fields.choice("sex", sex, Sex)
    born = _birth_year(birth_year, since)
    place = fields.optional_text("last_seen", last_seen_place, PLACE_MAX)
    # References are the network's: any agency's report takes one (nothing else is told).
    if session.scalar(
        select(MissingChildReport.id).where(MissingChildReport.reference == reference)
    ):
        raise IdentificationError(f"reference: {reference!r} is taken; choose another")
    report = MissingChildReport(
        reference=reference,
        agency_id=viewer.agency_id,
        dissemination=Level.OWNER.value,
        country=code,
        child_label=label,
        sex=chosen_sex.value,
        birth_year=born,
        missing_since=since,
        last_seen_place=place,
        status=MissingStatus.MISSING.value,
    )
    session.add(report)
    session.flush()
    detail = {
        "reference": reference,
        "country": code,
        "child_label": label,
        "sex": chosen_sex.value,
        "birth_year": born,
        "missing_since": since.isoformat(),
        "last_seen_place": place,
    }
    record_change(
        session,
        viewer,
        RecordType.MISSING_REPORT,
        report.id,
        "created",
        detail,
        Action.RECORD_CREATE,
    )
    if level is not Level.OWNER or agencies:
        apply_level(session, viewer, RecordType.MISSING_REPORT, report, level, agencies)
    return report


def list_reports(
    session: Session,
    viewer: Viewer,
    status: MissingStatus | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> Listing[ReportShown]:
    """The reports the viewer may see (in ``status``, when given), most recently missing
    first."""
    query = _visible(viewer)
    if status is not None:
        query = query.where(MissingChildReport.status == MissingStatus(status).value)
    ordered = query.order_by(MissingChildReport.missing_since.desc(), MissingChildReport.id)
    rows = session.execute(ordered.limit(limit).offset(offset))
    return Listing([_shown(*row) for row in rows], count_rows(session, query))


def report_detail(session: Session, viewer: Viewer, report_id: int) -> ReportShown:
    """One report; NotVisibleError when hidden or missing."""
    check_missing_report(session, viewer, report_id)
    row = session.execute(_visible(viewer).where(MissingChildReport.id == report_id)).one()
    return _shown(*row)


def update_report(
    session: Session,
    viewer: Viewer,
    report_id: int,
    *,
    country: str | None = None,
    child_label: str | None = None,
    sex: Sex | str | None = None,
    birth_year: int | None = None,
    missing_since: date | str | None = None,
    last_seen_place: str | None = None,
) -> MissingChildReport:
    """Change a report's fields; None leaves one as it is (``last_seen_place=""`` clears
    it)."""
    report = _own(session, viewer, report_id)
    values: dict[str, object] = {}
    if country is not None:
        values["country"] = fields.country(country)
    if child_label is not None:
        values["child_label"] = fields.text("child", child_label, LABEL_MAX)
    if sex is not None:
        values["sex"] = fields.choice("sex", sex, Sex).value
    since = report.missing_since
    if missing_since is not None:
        since = fields.past_day("missing_since", missing_since)
        values["missing_since"] = since
    if birth_year is not None:
        values["birth_year"] = _birth_year(birth_year, since)
    elif report.birth_year is not None:
        _birth_year(report.birth_year, since)
    if last_seen_place is not None:
        values["last_seen_place"] = fields.optional_text("last_seen", last_seen_place, PLACE_MAX)
    changed = fields.apply_changes(report, values)
    if changed:
        record_change(session, viewer, RecordType.MISSING_REPORT, report.id, "updated", changed)
    return report


def mark_found(
    session: Session, viewer: Viewer, report_id: int, on: date | str | None = None
) -> MissingChildReport:
    """The child was found (on ``on``, default today); WorkflowError when already found."""
    report = _own(session, viewer, report_id)
    if report.status == MissingStatus.FOUND.value:
        found = report.found_on.isoformat() if report.found_on else "an unknown date"
        raise WorkflowError(
            f"status: report {report.reference!r} is found already (on {found}), and found is "
            "final; allowed next: none"
        )
    day = fields.past_day_or_today("on", on)
    if day < report.missing_since:
        raise IdentificationError(
            f"on: {day.isoformat()} is before the child went missing "
            f"({report.missing_since.isoformat()})"
        )
    report.status = MissingStatus.FOUND.value
    report.found_on = day
    detail = {"from": MissingStatus.MISSING.value, "to": MissingStatus.FOUND.value}
    record_change(
        session,
        viewer,
        RecordType.MISSING_REPORT,
        report.id,
        "status",
        {**detail, "on": day.isoformat()},
    )
    return report


def reference_seizure(session: Session, viewer: Viewer, report_id: int) -> Seizure:
    """The seizure holding the report's reference media, made on the first call: case
    ``MISSING-<reference>`` of the reporting agency, seizure ``reference``, both at the
    report's level. Only the reporting agency may make it (or add to it)."""
    report = _own(session, viewer, report_id)
    if report.seizure_id is not None:
        return session.get_one(Seizure, report.seizure_id)
    agency = session.get_one(Agency, report.agency_id)
    case = case_by_reference(session, agency, f"{CASE_PREFIX}{report.reference}")
    if case.title is None:
        case.title = f"Reference media of missing-child report {report.reference}"
    seizure = seizure_by_name(session, case, SEIZURE_NAME)
    seizure.source = f"Reference photos and videos of missing-child report {report.reference}"
    sharing = sharing_of(session, viewer, RecordType.MISSING_REPORT, report.id)
    if sharing.level is not Level.OWNER:
        for record_type, row in ((RecordType.CASE, case), (RecordType.SEIZURE, seizure)):
            apply_level(session, viewer, record_type, row, sharing.level, sharing.named)
    report.seizure_id = seizure.id
    session.flush()
    record_change(
        session,
        viewer,
        RecordType.MISSING_REPORT,
        report.id,
        "reference_seizure",
        {"seizure_id": seizure.id, "case": case.reference},
        Action.RECORD_LINK,
    )
    return seizure

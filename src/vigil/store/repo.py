"""Finding or creating the agencies, cases and seizures that ingest hangs media off."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.store.models import Agency, Case, Seizure

DEFAULT_AGENCY_CODE = "LOCAL"
DEFAULT_AGENCY_NAME = "Local agency"


def default_agency(session: Session) -> Agency:
    """The local agency, created on first use."""
    agency = session.scalar(select(Agency).where(Agency.code == DEFAULT_AGENCY_CODE))
    if agency is None:
        agency = Agency(code=DEFAULT_AGENCY_CODE, name=DEFAULT_AGENCY_NAME)
        session.add(agency)
        session.flush()
    return agency


def case_by_reference(session: Session, agency: Agency, reference: str) -> Case:
    """The agency's case with this reference, created if new."""
    case = session.scalar(
        select(Case).where(Case.agency_id == agency.id, Case.reference == reference)
    )
    if case is None:
        case = Case(agency_id=agency.id, reference=reference)
        session.add(case)
        session.flush()
    return case


def seizure_by_name(session: Session, case: Case, name: str) -> Seizure:
    """The case's seizure with this name, created if new."""
    seizure = session.scalar(
        select(Seizure).where(Seizure.case_id == case.id, Seizure.name == name)
    )
    if seizure is None:
        seizure = Seizure(case_id=case.id, agency_id=case.agency_id, name=name)
        session.add(seizure)
        session.flush()
    return seizure


class NotFoundError(LookupError):
    """What a user asked for does not exist; the message says what does."""

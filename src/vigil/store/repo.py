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


def find_seizure(session: Session, name: str, case_reference: str | None = None) -> Seizure:
    """The seizure called ``name`` (in the case ``case_reference`` when given).

    NotFoundError when there is none, or when the name is used in several cases and no case
    was given to tell them apart.
    """
    query = select(Seizure).join(Case).where(Seizure.name == name)
    if case_reference is not None:
        query = query.where(Case.reference == case_reference)
    found = list(session.scalars(query))
    if len(found) == 1:
        return found[0]
    if found:
        cases = ", ".join(sorted(s.case.reference for s in found))
        raise NotFoundError(f"seizure {name!r} exists in several cases ({cases}): give --case")
    where = f" in case {case_reference!r}" if case_reference else ""
    known = ", ".join(
        f"{reference}/{seizure}"
        for reference, seizure in session.execute(
            select(Case.reference, Seizure.name).join(Seizure.case).order_by(Case.reference)
        )
    )
    raise NotFoundError(f"no seizure {name!r}{where} (seizures: {known or 'none yet'})")

"""Finding records by the names users type — a case's reference, a seizure's name, a bank's
name — among those the viewer may see, and listing the cases and seizures it may see.

A record the viewer may not see is answered exactly as one that does not exist, and the
lists of "what exists" that such answers give name only visible records. A listing's total
counts the rows the viewer may see, never what exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Row, Select, case, func, literal, select
from sqlalchemy.orm import Session

from vigil.sharing.clock import as_utc
from vigil.sharing.policy import (
    NotVisibleError,
    Viewer,
    bank_condition,
    case_condition,
    check_case,
    check_seizure,
    owned_condition,
    owns,
    seizure_condition,
)
from vigil.store.models import Agency, Bank, Case, CaseStatus, Level, Priority, Seizure
from vigil.store.repo import NotFoundError

#: How a case the viewer may not see is named beside a seizure it may see.
UNSHARED_CASE = "a case not shared"


def case_shown(viewer: Viewer) -> ColumnElement[str]:
    """A case's reference where the viewer may see the case, else :data:`UNSHARED_CASE`.

    A seizure may be shared wider than its case: its case is then not named.
    """
    return case((case_condition(viewer), Case.reference), else_=literal(UNSHARED_CASE))


def _prefer_own(viewer: Viewer, found: list[Seizure]) -> list[Seizure]:
    """Of several records of the same name, the viewer's agency's own when it has one."""
    own = [s for s in found if owns(viewer, s.agency_id)]
    return own if len(own) == 1 else found


def find_seizure(
    session: Session, viewer: Viewer, name: str, case_reference: str | None = None
) -> Seizure:
    """The visible seizure called ``name`` (in the case ``case_reference`` when given).

    ``name`` may also be ``CASE/NAME``, as listings show seizures. Of several, the viewer's
    agency's own is taken. NotVisibleError when there is none the viewer may see (its
    message lists the seizures the viewer may see); NotFoundError when the name is in
    several visible cases and no case was given to tell them apart.
    """
    case_part, slash, name_part = name.rpartition("/")
    if case_reference is None and slash and case_part:
        case_reference, name = case_part, name_part
    query = (
        select(Seizure)
        .join(Case, Seizure.case_id == Case.id)
        .where(Seizure.name == name, seizure_condition(viewer))
    )
    if case_reference is not None:
        query = query.where(Case.reference == case_reference, case_condition(viewer))
    found = _prefer_own(viewer, list(session.scalars(query.order_by(Seizure.id))))
    if len(found) == 1:
        return found[0]
    if found:
        where = ", ".join(sorted(_case_named(session, viewer, s) for s in found))
        raise NotFoundError(f"seizure {name!r} exists in several cases ({where}): give --case")
    where = f" in case {case_reference!r}" if case_reference else ""
    known = ", ".join(
        f"{reference}/{seizure}"
        for reference, seizure in session.execute(
            select(case_shown(viewer), Seizure.name)
            .join(Case, Seizure.case_id == Case.id)
            .where(seizure_condition(viewer))
            .order_by(Case.reference, Seizure.name)
        )
    )
    raise NotVisibleError(f"no seizure {name!r}{where} (seizures: {known or 'none yet'})")


def _case_named(session: Session, viewer: Viewer, seizure: Seizure) -> str:
    reference = session.scalar(select(case_shown(viewer)).where(Case.id == seizure.case_id))
    owner = session.scalar(select(Agency.code).where(Agency.id == seizure.agency_id))
    return f"{reference} of {owner}"


def find_case(session: Session, viewer: Viewer, reference: str) -> Case:
    """The visible case ``reference`` (the viewer's agency's own when several agencies use
    the reference); NotVisibleError naming the visible cases when there is none."""
    found = list(
        session.scalars(
            select(Case)
            .where(Case.reference == reference, case_condition(viewer))
            .order_by(Case.id)
        )
    )
    own = [c for c in found if owns(viewer, c.agency_id)]
    if own or len(found) == 1:
        return (own or found)[0]
    if found:
        owners = ", ".join(sorted(c.agency.code for c in found))
        raise NotFoundError(f"case {reference!r} is used by several agencies ({owners})")
    known = ", ".join(
        session.scalars(
            select(Case.reference).where(case_condition(viewer)).order_by(Case.reference)
        )
    )
    raise NotVisibleError(f"no case {reference!r} (cases: {known or 'none yet'})")


#: Between an agency's code and a bank's name: ``CODE/NAME`` is that agency's bank NAME.
#: Bank names are unique within an agency only, so this is how one of several is chosen.
AGENCY_SEPARATOR = "/"


def qualified_bank_name(bank: Bank) -> str:
    """``CODE/NAME``: the bank's owning agency's code and its name, which name it alone."""
    return f"{bank.agency.code}{AGENCY_SEPARATOR}{bank.name}"


def bank_label(viewer: Viewer, bank: Bank) -> str:
    """How the viewer is told of a bank: its name when its own agency's, else ``CODE/NAME``."""
    return bank.name if owns(viewer, bank.agency_id) else qualified_bank_name(bank)


def own_bank(session: Session, viewer: Viewer, name: str) -> Bank | None:
    """The viewer's own agency's bank called ``name``, if it has one.

    A new bank's name is checked against these alone: other agencies' names, even of banks
    the viewer may not see, are not its to know or take.
    """
    return session.scalar(
        select(Bank).where(Bank.name == name, owned_condition(viewer, Bank.agency_id))
    )


def find_bank(session: Session, viewer: Viewer, name: str) -> Bank | None:
    """The bank ``name`` names among those the viewer may see, else None (hidden or missing).

    ``name`` is a bank's name or ``CODE/NAME``. Of the visible banks called ``name``, the
    viewer's agency's own is taken, else the only one; NotFoundError, listing them as
    ``CODE/NAME``, when several other agencies' banks bear it.
    """
    visible = select(Bank).where(bank_condition(viewer))
    code, separator, rest = name.partition(AGENCY_SEPARATOR)
    if separator:
        chosen = session.scalar(
            visible.where(Bank.name == rest, Bank.agency.has(Agency.code == code))
        )
        if chosen is not None:
            return chosen
    found = list(session.scalars(visible.where(Bank.name == name).order_by(Bank.id)))
    own = [bank for bank in found if owns(viewer, bank.agency_id)]
    if own or len(found) == 1:
        return (own or found)[0]
    if found:
        choices = ", ".join(sorted(qualified_bank_name(bank) for bank in found))
        raise NotFoundError(
            f"bank {name!r} is the name of several agencies' banks ({choices}): give CODE/NAME"
        )
    return None


def bank_named(session: Session, viewer: Viewer, name: str) -> Bank:
    """The bank ``name`` names (as :func:`find_bank`) if the viewer may see it;
    NotVisibleError naming the banks the viewer may see otherwise (hidden and missing alike).
    """
    bank = find_bank(session, viewer, name)
    if bank is None:
        known = ", ".join(visible_bank_names(session, viewer)) or "none yet"
        raise NotVisibleError(f"no bank named {name!r} (banks: {known})")
    return bank


def visible_bank_names(session: Session, viewer: Viewer) -> list[str]:
    """The banks the viewer may see, as it names them (:func:`bank_label`), sorted."""
    return sorted(
        bank_label(viewer, bank)
        for bank in session.scalars(select(Bank).where(bank_condition(viewer)))
    )


Item = TypeVar("Item")


@dataclass(frozen=True)
class Listing(Generic[Item]):
    """One slice of a listing, and how many rows the viewer may see in all."""

    items: list[Item]
    total: int


def count_rows(session: Session, query: Select[*tuple[Any, ...]]) -> int:
    """How many rows ``query`` gives (before any limit)."""
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


@dataclass(frozen=True)
class CaseListed:
    """A case as the viewer is shown it: its reference, title, where it stands, owner and
    level."""

    id: int
    reference: str
    title: str | None
    status: CaseStatus
    priority: Priority
    opened_on: date | None
    closed_on: date | None
    agency: str
    dissemination: Level
    created_at: datetime


@dataclass(frozen=True)
class SeizureListed:
    """A seizure as the viewer is shown it; its case is named (``case``, ``case_id``) only
    where the viewer may see the case, else :data:`UNSHARED_CASE` and None."""

    id: int
    name: str
    case: str
    case_id: int | None
    source: str | None
    seized_at: datetime | None
    agency: str
    dissemination: Level
    created_at: datetime


@dataclass(frozen=True)
class CaseShown:
    """A case with the seizures of it the viewer may see, by name."""

    case: CaseListed
    seizures: list[SeizureListed]


def _visible_cases(viewer: Viewer) -> Select[Case, str]:
    return (
        select(Case, Agency.code)
        .join(Agency, Case.agency_id == Agency.id)
        .where(case_condition(viewer))
    )


def _visible_seizures(viewer: Viewer) -> Select[Seizure, str, int | None, str]:
    shown_id = case((case_condition(viewer), Case.id), else_=None)
    return (
        select(Seizure, case_shown(viewer), shown_id, Agency.code)
        .join(Case, Seizure.case_id == Case.id)
        .join(Agency, Seizure.agency_id == Agency.id)
        .where(seizure_condition(viewer))
    )


def _case_listed(row: Row[Case, str]) -> CaseListed:
    found, agency = row
    return CaseListed(
        id=found.id,
        reference=found.reference,
        title=found.title,
        status=CaseStatus(found.status),
        priority=Priority(found.priority),
        opened_on=found.opened_on,
        closed_on=found.closed_on,
        agency=agency,
        dissemination=Level(found.dissemination),
        created_at=as_utc(found.created_at),
    )


def _seizure_listed(row: Row[Seizure, str, int | None, str]) -> SeizureListed:
    found, case_reference, case_id, agency = row
    return SeizureListed(
        id=found.id,
        name=found.name,
        case=case_reference,
        case_id=case_id,
        source=found.source,
        seized_at=as_utc(found.seized_at) if found.seized_at else None,
        agency=agency,
        dissemination=Level(found.dissemination),
        created_at=as_utc(found.created_at),
    )


def list_cases(
    session: Session,
    viewer: Viewer,
    limit: int,
    offset: int,
    status: CaseStatus | None = None,
) -> Listing[CaseListed]:
    """The cases the viewer may see (in ``status``, when given), by reference: ``limit`` of
    them after ``offset``."""
    query = _visible_cases(viewer)
    if status is not None:
        query = query.where(Case.status == CaseStatus(status).value)
    rows = session.execute(query.order_by(Case.reference, Case.id).limit(limit).offset(offset))
    return Listing([_case_listed(row) for row in rows], count_rows(session, query))


def case_detail(session: Session, viewer: Viewer, case_id: int) -> CaseShown:
    """One case with the seizures of it the viewer may see; NotVisibleError when the case
    is hidden or missing."""
    check_case(session, viewer, case_id)
    found = session.execute(_visible_cases(viewer).where(Case.id == case_id)).one()
    seizures = session.execute(
        _visible_seizures(viewer)
        .where(Seizure.case_id == case_id)
        .order_by(Seizure.name, Seizure.id)
    )
    return CaseShown(_case_listed(found), [_seizure_listed(row) for row in seizures])


def list_seizures(
    session: Session, viewer: Viewer, limit: int, offset: int
) -> Listing[SeizureListed]:
    """The seizures the viewer may see, newest first: ``limit`` of them after ``offset``."""
    query = _visible_seizures(viewer)
    rows = session.execute(query.order_by(Seizure.id.desc()).limit(limit).offset(offset))
    return Listing([_seizure_listed(row) for row in rows], count_rows(session, query))


def seizure_detail(session: Session, viewer: Viewer, seizure_id: int) -> SeizureListed:
    """One seizure as the viewer is shown it; NotVisibleError when hidden or missing."""
    check_seizure(session, viewer, seizure_id)
    return _seizure_listed(
        session.execute(_visible_seizures(viewer).where(Seizure.id == seizure_id)).one()
    )

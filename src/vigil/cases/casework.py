"""Cases as investigations: a title, a priority, opened and closed; and what a seizure is
(where it came from, when it was seized).

A case made by an ingest stays as it was made (open, routine, no title) until someone
changes it here. Only the owning agency changes a case or a seizure, and every change is a
history entry and an audit event (``cases.history``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.cases import fields
from vigil.cases.errors import IdentificationError, WorkflowError
from vigil.cases.history import record_change
from vigil.sharing.audit import Action
from vigil.sharing.dissemination import apply_level
from vigil.sharing.policy import (
    Permission,
    Viewer,
    check_case,
    check_owner,
    check_seizure,
    owned_condition,
    require,
)
from vigil.store.models import Case, CaseStatus, Level, Priority, RecordType, Seizure

REFERENCE_MAX = 100
TITLE_MAX = 300
SOURCE_MAX = 2000


def _own_case(session: Session, viewer: Viewer, case_id: int) -> Case:
    """The case, if the viewer may see it and its agency owns it (to change it)."""
    require(viewer, Permission.WRITE)
    check_case(session, viewer, case_id)
    found = session.get_one(Case, case_id)
    check_owner(viewer, found.agency_id, f"case {found.reference!r}")
    return found


def create_case(
    session: Session,
    viewer: Viewer,
    reference: str,
    *,
    title: str | None = None,
    priority: Priority | str = Priority.ROUTINE,
    opened_on: date | str | None = None,
    level: Level = Level.OWNER,
    agencies: Sequence[str] = (),
) -> Case:
    """A new open case of the viewer's agency; IdentificationError when its agency already
    has a case of that reference."""
    require(viewer, Permission.WRITE)
    reference = fields.text("reference", reference, REFERENCE_MAX)
    title = fields.optional_text("title", title, TITLE_MAX)
    chosen = fields.choice("priority", priority, Priority)
    opened = fields.past_day_or_today("opened", opened_on)
    taken = session.scalar(
        select(Case.id).where(Case.reference == reference, owned_condition(viewer, Case.agency_id))
    )
    if taken is not None:
        raise IdentificationError(f"reference: your agency already has a case {reference!r}")
    case = Case(
        agency_id=viewer.agency_id,
        reference=reference,
        title=title,
        priority=chosen.value,
        opened_on=opened,
        status=CaseStatus.OPEN.value,
    )
    session.add(case)
    session.flush()
    detail = {
        "reference": reference,
        "title": title,
        "priority": chosen.value,
        "opened_on": opened.isoformat(),
    }
    record_change(
        session, viewer, RecordType.CASE, case.id, "created", detail, Action.RECORD_CREATE
    )
    if level is not Level.OWNER or agencies:
        apply_level(session, viewer, RecordType.CASE, case, level, agencies)
    return case


def update_case(
    session: Session,
    viewer: Viewer,
    case_id: int,
    *,
    title: str | None = None,
    priority: Priority | str | None = None,
) -> Case:
    """Change a case's title (``""`` clears it) or priority; None leaves a field as it is."""
    case = _own_case(session, viewer, case_id)
    values: dict[str, object] = {}
    if title is not None:
        values["title"] = fields.optional_text("title", title, TITLE_MAX)
    if priority is not None:
        values["priority"] = fields.choice("priority", priority, Priority).value
    changed = fields.apply_changes(case, values)
    if changed:
        record_change(session, viewer, RecordType.CASE, case.id, "updated", changed)
    return case


def close_case(
    session: Session, viewer: Viewer, case_id: int, on: date | str | None = None
) -> Case:
    """Close an open case (on ``on``, default today); WorkflowError when it is closed."""
    case = _own_case(session, viewer, case_id)
    if case.status == CaseStatus.CLOSED.value:
        closed = case.closed_on.isoformat() if case.closed_on else "an unknown date"
        raise WorkflowError(
            f"status: case {case.reference!r} is closed already (on {closed}); "
            "allowed next: open (`vigil case reopen`)"
        )
    closed_on = fields.past_day_or_today("on", on)
    if case.opened_on is not None and closed_on < case.opened_on:
        raise IdentificationError(
            f"on: {closed_on.isoformat()} is before the case was opened "
            f"({case.opened_on.isoformat()})"
        )
    case.status = CaseStatus.CLOSED.value
    case.closed_on = closed_on
    detail = {"from": CaseStatus.OPEN.value, "to": CaseStatus.CLOSED.value}
    record_change(
        session, viewer, RecordType.CASE, case.id, "status", {**detail, "on": closed_on.isoformat()}
    )
    return case


def reopen_case(session: Session, viewer: Viewer, case_id: int) -> Case:
    """Open a closed case again; WorkflowError when it is open."""
    case = _own_case(session, viewer, case_id)
    if case.status == CaseStatus.OPEN.value:
        raise WorkflowError(
            f"status: case {case.reference!r} is open already; "
            "allowed next: closed (`vigil case close`)"
        )
    detail = {"from": CaseStatus.CLOSED.value, "to": CaseStatus.OPEN.value}
    case.status = CaseStatus.OPEN.value
    case.closed_on = None
    record_change(session, viewer, RecordType.CASE, case.id, "status", detail)
    return case


def update_seizure(
    session: Session,
    viewer: Viewer,
    seizure_id: int,
    *,
    source: str | None = None,
    seized_at: datetime | str | None = None,
) -> Seizure:
    """Say where a seizure came from (``""`` clears it) and when it was seized; None leaves
    a field as it is. Only the owning agency may."""
    require(viewer, Permission.WRITE)
    check_seizure(session, viewer, seizure_id)
    seizure = session.get_one(Seizure, seizure_id)
    check_owner(viewer, seizure.agency_id, f"seizure {seizure.name!r}")
    values: dict[str, object] = {}
    if source is not None:
        values["source"] = fields.optional_text("source", source, SOURCE_MAX)
    if seized_at is not None:
        values["seized_at"] = fields.moment("seized_at", seized_at)
    changed = fields.apply_changes(seizure, values)
    if changed:
        record_change(session, viewer, RecordType.SEIZURE, seizure.id, "updated", changed)
    return seizure

"""Offenders: an abuser seen or known in a series, by a pseudonymous label.

A label is unique within its agency. An offender's status moves forward only: unknown,
identified, arrested, convicted (a step may be skipped, never undone). Only the owning
agency changes an offender; every change is a history entry and an audit event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from vigil.cases import fields
from vigil.cases.errors import IdentificationError
from vigil.cases.history import record_change
from vigil.cases.names import label_of
from vigil.sharing.audit import Action
from vigil.sharing.clock import as_utc
from vigil.sharing.dissemination import apply_level
from vigil.sharing.policy import (
    Permission,
    Viewer,
    check_offender,
    check_owner,
    offender_condition,
    owned_condition,
    require,
)
from vigil.sharing.records import Listing, count_rows
from vigil.store.models import Agency, Level, Offender, OffenderStatus, RecordType

LABEL_MAX = 200

#: Where an offender may go from each status: forward only, any number of steps at once.
OFFENDER_NEXT: dict[OffenderStatus, tuple[OffenderStatus, ...]] = {
    status: tuple(list(OffenderStatus)[index + 1 :]) for index, status in enumerate(OffenderStatus)
}


@dataclass(frozen=True)
class OffenderShown:
    """An offender as the viewer is shown it (another agency's label as ``CODE/LABEL``)."""

    id: int
    label: str
    agency: str
    dissemination: Level
    status: OffenderStatus
    country: str | None
    identified_on: date | None
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The offender as JSON values."""
        return {
            "id": self.id,
            "label": self.label,
            "agency": self.agency,
            "dissemination": self.dissemination.value,
            "status": self.status.value,
            "country": self.country,
            "identified_on": self.identified_on.isoformat() if self.identified_on else None,
            "created_at": self.created_at.isoformat(),
        }


def _visible(viewer: Viewer) -> Select[Offender, str]:
    return (
        select(Offender, Agency.code)
        .join(Agency, Agency.id == Offender.agency_id)
        .where(offender_condition(viewer))
    )


def _shown(viewer: Viewer, found: Offender, code: str) -> OffenderShown:
    return OffenderShown(
        id=found.id,
        label=label_of(viewer, code, found.agency_id, found.label),
        agency=code,
        dissemination=Level(found.dissemination),
        status=OffenderStatus(found.status),
        country=found.country,
        identified_on=found.identified_on,
        created_at=as_utc(found.created_at),
    )


def _label_free(session: Session, viewer: Viewer, label: str, but: int | None = None) -> None:
    query = select(Offender.id).where(
        Offender.label == label, owned_condition(viewer, Offender.agency_id)
    )
    if but is not None:
        query = query.where(Offender.id != but)
    if session.scalar(query) is not None:
        raise IdentificationError(f"label: your agency already has an offender {label!r}")


def _own(session: Session, viewer: Viewer, offender_id: int) -> Offender:
    require(viewer, Permission.WRITE)
    check_offender(session, viewer, offender_id)
    found = session.get_one(Offender, offender_id)
    check_owner(viewer, found.agency_id, f"offender {found.label!r}")
    return found


def create_offender(
    session: Session,
    viewer: Viewer,
    label: str,
    *,
    country: str | None = None,
    level: Level = Level.OWNER,
    agencies: Sequence[str] = (),
) -> Offender:
    """A new offender of the viewer's agency, status unknown."""
    require(viewer, Permission.WRITE)
    label = fields.text("label", label, LABEL_MAX)
    code = fields.optional_country(country)
    _label_free(session, viewer, label)
    offender = Offender(
        label=label,
        agency_id=viewer.agency_id,
        country=code,
        status=OffenderStatus.UNKNOWN.value,
        dissemination=Level.OWNER.value,
    )
    session.add(offender)
    session.flush()
    detail = {"label": label, "country": code, "status": OffenderStatus.UNKNOWN.value}
    record_change(
        session, viewer, RecordType.OFFENDER, offender.id, "created", detail, Action.RECORD_CREATE
    )
    if level is not Level.OWNER or agencies:
        apply_level(session, viewer, RecordType.OFFENDER, offender, level, agencies)
    return offender


def list_offenders(
    session: Session,
    viewer: Viewer,
    status: OffenderStatus | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> Listing[OffenderShown]:
    """The offenders the viewer may see (in ``status``, when given), by label."""
    query = _visible(viewer)
    if status is not None:
        query = query.where(Offender.status == OffenderStatus(status).value)
    rows = session.execute(query.order_by(Offender.label, Offender.id).limit(limit).offset(offset))
    items = [_shown(viewer, found, code) for found, code in rows]
    return Listing(items, count_rows(session, query))


def offender_detail(session: Session, viewer: Viewer, offender_id: int) -> OffenderShown:
    """One offender; NotVisibleError when hidden or missing."""
    check_offender(session, viewer, offender_id)
    found, code = session.execute(_visible(viewer).where(Offender.id == offender_id)).one()
    return _shown(viewer, found, code)


def update_offender(
    session: Session,
    viewer: Viewer,
    offender_id: int,
    *,
    label: str | None = None,
    country: str | None = None,
) -> Offender:
    """Change an offender's label or country (``""`` clears it); None leaves it."""
    offender = _own(session, viewer, offender_id)
    values: dict[str, object] = {}
    if label is not None:
        values["label"] = fields.text("label", label, LABEL_MAX)
        _label_free(session, viewer, str(values["label"]), but=offender.id)
    if country is not None:
        values["country"] = fields.optional_country(country)
    changed = fields.apply_changes(offender, values)
    if changed:
        record_change(session, viewer, RecordType.OFFENDER, offender.id, "updated", changed)
    return offender


def set_offender_status(
    session: Session,
    viewer: Viewer,
    offender_id: int,
    status: OffenderStatus | str,
    on: date | str | None = None,
) -> Offender:
    """Move an offender forward to ``status``; WorkflowError for a step back or in place.

    The first step past unknown dates the identification (``on``, default today).
    """
    offender = _own(session, viewer, offender_id)
    wanted = fields.choice("status", status, OffenderStatus)
    current = OffenderStatus(offender.status)
    fields.check_move(f"offender {offender.label!r}", current, wanted, OFFENDER_NEXT)
    day = fields.past_day_or_today("on", on)
    offender.status = wanted.value
    detail: dict[str, Any] = {"from": current.value, "to": wanted.value, "on": day.isoformat()}
    if offender.identified_on is None:
        offender.identified_on = day
    record_change(session, viewer, RecordType.OFFENDER, offender.id, "status", detail)
    return offender

"""Who besides its owner may see a record (a case, a seizure, a bank, a series, a victim,
an offender, a location, a missing-child report): its level and named agencies.

Only the owning agency changes a record's level, with the permission to write. Agencies
named on a record are share grants of reason ``named`` (:func:`vigil.sharing.policy.grant`);
naming a new list removes the grants of agencies no longer named. Every change is one event
in the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vigil.sharing.audit import Action, bank_object, record, seizure_object
from vigil.sharing.hits import raise_for_bank, raise_for_seizure
from vigil.sharing.policy import (
    NotVisibleError,
    Permission,
    Viewer,
    check_bank,
    check_owner,
    check_record,
    grant,
    owned_condition,
    owns,
    require,
)
from vigil.sharing.records import case_shown
from vigil.store.models import (
    Agency,
    Bank,
    Case,
    GrantReason,
    Level,
    Location,
    MissingChildReport,
    Offender,
    RecordType,
    Seizure,
    Series,
    ShareGrant,
    Victim,
)

Shared = Case | Seizure | Bank | Series | Victim | Offender | Location | MissingChildReport

#: The records whose level can be set, by type (media and matches follow them).
_MODELS: dict[RecordType, type[Shared]] = {
    RecordType.CASE: Case,
    RecordType.SEIZURE: Seizure,
    RecordType.BANK: Bank,
    RecordType.SERIES: Series,
    RecordType.VICTIM: Victim,
    RecordType.OFFENDER: Offender,
    RecordType.LOCATION: Location,
    RecordType.MISSING_REPORT: MissingChildReport,
}
SHAREABLE = tuple(_MODELS)


class DisseminationError(ValueError):
    """The level or the agencies asked for cannot be set; the message says why."""


@dataclass(frozen=True)
class Sharing:
    """A record's owner, level and the agencies named on it (by code)."""

    record_type: RecordType
    name: str
    owner: str
    level: Level
    named: list[str]


def _record(session: Session, record_type: RecordType, record_id: int) -> Shared:
    found = cast(Shared | None, session.get(_MODELS[record_type], record_id))
    if found is None:
        raise NotVisibleError(f"no {record_type.value} with id {record_id}")
    return found


def _check_visible(session: Session, viewer: Viewer, record_type: RecordType, ident: int) -> None:
    if record_type is RecordType.BANK:
        check_bank(session, viewer, ident)
    else:
        check_record(session, viewer, record_type, ident)


def _object(found: Shared) -> str:
    """How the audit trail names the record."""
    if isinstance(found, Seizure):
        return seizure_object(found.case.reference, found.name)
    if isinstance(found, Bank):
        return bank_object(found.name)
    if isinstance(found, Case):
        return f"case:{found.reference}"
    return f"{_type_of(found).value}:{found.id}"


def _type_of(found: Shared) -> RecordType:
    return next(kind for kind, model in _MODELS.items() if isinstance(found, model))


def _agency_ids(session: Session, viewer: Viewer, codes: Sequence[str]) -> dict[str, int]:
    """The ids of the agencies ``codes`` name; DisseminationError for an unknown code."""
    ids: dict[str, int] = {}
    for code in dict.fromkeys(c.strip() for c in codes):
        agency_id = session.scalar(select(Agency.id).where(Agency.code == code))
        if agency_id is None:
            raise DisseminationError(f"--with: no agency {code!r} (see `vigil agency list`)")
        if owns(viewer, agency_id):
            raise DisseminationError(f"--with: {code} owns the record; name other agencies")
        ids[code] = agency_id
    return ids


def _named(session: Session, record_type: RecordType, record_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Agency.code)
            .join(ShareGrant, ShareGrant.agency_id == Agency.id)
            .where(
                ShareGrant.record_type == record_type.value,
                ShareGrant.record_id == record_id,
                ShareGrant.reason == GrantReason.NAMED.value,
            )
            .order_by(Agency.code)
        )
    )


def apply_level(
    session: Session,
    viewer: Viewer,
    record_type: RecordType,
    found: Shared,
    level: Level,
    agencies: Sequence[str] = (),
) -> Sharing:
    """Set the level of ``found`` (a record the viewer's agency owns) and its named
    agencies, and record the change; used by :func:`set_level` and when a record is made.
    """
    require(viewer, Permission.WRITE)
    check_owner(viewer, found.agency_id, f"{record_type.value} {_name(found)!r}")
    level = Level(level)
    if level is Level.NAMED and not agencies:
        raise DisseminationError(
            "level named needs the agencies that may see it: --with CODE (repeatable)"
        )
    if level is not Level.NAMED and agencies:
        raise DisseminationError(f"--with names agencies for level named, not {level.value}")
    named = _agency_ids(session, viewer, agencies)
    before = _named(session, record_type, found.id)
    stale = delete(ShareGrant).where(
        ShareGrant.record_type == record_type.value,
        ShareGrant.record_id == found.id,
        ShareGrant.reason == GrantReason.NAMED.value,
        ShareGrant.agency_id.not_in(list(named.values())),
    )
    session.execute(stale, execution_options={"synchronize_session": False})
    for agency_id in named.values():
        grant(session, record_type, found.id, agency_id, GrantReason.NAMED, viewer.actor.user)
    previous = found.dissemination
    found.dissemination = level.value
    session.flush()
    details = {
        "record": record_type.value,
        "level": level.value,
        "previous_level": previous,
        "named": sorted(named),
        "previously_named": before,
    }
    record(session, Action.SHARE_CHANGE, _object(found), details, viewer.actor)
    return sharing_of(session, viewer, record_type, found.id)


def set_level(
    session: Session,
    viewer: Viewer,
    record_type: RecordType,
    record_id: int,
    level: Level,
    agencies: Sequence[str] = (),
) -> Sharing:
    """Let ``level`` decide who may see the record (``agencies``, by code, for ``named``).

    NotVisibleError for a record the viewer may not see (or that does not exist);
    ForbiddenError unless the viewer's agency owns it and the viewer may write.
    """
    record_type = RecordType(record_type)
    if record_type not in SHAREABLE:
        raise DisseminationError(f"the level of a {record_type.value} follows its records")
    _check_visible(session, viewer, record_type, record_id)
    found = _record(session, record_type, record_id)
    sharing = apply_level(session, viewer, record_type, found, level, agencies)
    # Agencies that no longer see it, and whose seizures touch it, learn that there is a
    # hit (idempotent: agencies notified before are not notified again).
    if record_type is RecordType.BANK:
        raise_for_bank(session, record_id, viewer.actor)
    elif record_type is RecordType.SEIZURE:
        raise_for_seizure(session, record_id, viewer.actor)
    return sharing


def sharing_of(
    session: Session, viewer: Viewer, record_type: RecordType, record_id: int
) -> Sharing:
    """The record's owner, level and named agencies: NotVisibleError unless visible.

    The named agencies are shown to the owner only; others learn the level.
    """
    record_type = RecordType(record_type)
    _check_visible(session, viewer, record_type, record_id)
    found = _record(session, record_type, record_id)
    owner = session.scalar(select(Agency.code).where(Agency.id == found.agency_id)) or ""
    named = _named(session, record_type, found.id) if owns(viewer, found.agency_id) else []
    name = _name(found)
    if isinstance(found, Seizure):
        # A seizure may be shared wider than its case: the case is then not named.
        case = session.scalar(select(case_shown(viewer)).where(Case.id == found.case_id))
        name = f"{case}/{found.name}"
    return Sharing(record_type, name, owner, Level(found.dissemination), named)


def _name(found: Shared) -> str:
    if isinstance(found, Seizure):
        return f"{found.case.reference}/{found.name}"
    if isinstance(found, Bank | Series):
        return found.name
    if isinstance(found, Victim | Offender):
        return found.label
    if isinstance(found, Location):
        return found.description
    return found.reference


# --- what an agency owns, by level ----------------------------------------------------------


@dataclass(frozen=True)
class Owned:
    """A record the viewer's agency owns, and its level."""

    record_type: RecordType
    record_id: int
    name: str
    level: Level


def owned_levels(session: Session, viewer: Viewer) -> dict[RecordType, dict[Level, int]]:
    """How many records of each shareable kind the viewer's agency owns, at each level."""
    require(viewer, Permission.READ)
    counts: dict[RecordType, dict[Level, int]] = {}
    for kind, model in _MODELS.items():
        rows = session.execute(
            select(model.dissemination, func.count())
            .where(owned_condition(viewer, model.agency_id))
            .group_by(model.dissemination)
        )
        found = {Level(level): int(count) for level, count in rows}
        counts[kind] = {level: found.get(level, 0) for level in Level}
    return counts


def owned_records(
    session: Session,
    viewer: Viewer,
    record_type: RecordType,
    level: Level | None = None,
    *,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Owned], int]:
    """The records of ``record_type`` the viewer's agency owns (at ``level`` when given),
    oldest first, ``limit`` of them after ``offset``; and how many there are in all."""
    require(viewer, Permission.READ)
    record_type = RecordType(record_type)
    if record_type not in SHAREABLE:
        raise DisseminationError(f"the level of a {record_type.value} follows its records")
    model = _MODELS[record_type]
    query = select(model).where(owned_condition(viewer, model.agency_id))
    if level is not None:
        query = query.where(model.dissemination == Level(level).value)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = cast(
        list[Shared], list(session.scalars(query.order_by(model.id).limit(limit).offset(offset)))
    )
    found = [Owned(record_type, row.id, _name(row), Level(row.dissemination)) for row in rows]
    return found, total

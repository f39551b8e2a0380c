"""Series: media depicting the same victim(s) or abuse event, the unit of identification.

A series is owned by an agency (its name unique there) and seen by whom its level says.
Its status only moves forward — unidentified, then victim identified, then closed — and
every change is a dated history entry with its audit event (``cases.history``). Bank
imports (VICS, ICSE) name series on their entries: :func:`series_from_banks` makes those
names Series of the bank's agency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from vigil.banks.staging import visible_entries
from vigil.cases.errors import IdentificationError
from vigil.cases.fields import check_move, clean_text
from vigil.cases.history import Change, history_of, record_change
from vigil.cases.names import label_of
from vigil.sharing.audit import Action
from vigil.sharing.clock import as_utc
from vigil.sharing.dissemination import apply_level, sharing_of
from vigil.sharing.policy import (
    Permission,
    Viewer,
    case_condition,
    check_bank,
    check_owner,
    check_series,
    media_condition,
    owned_condition,
    owns,
    record_condition,
    require,
    series_condition,
)
from vigil.sharing.records import Listing, count_rows
from vigil.store.models import (
    Agency,
    Bank,
    BankEntry,
    Case,
    CaseSeries,
    Level,
    Location,
    Media,
    Offender,
    RecordType,
    Series,
    SeriesLink,
    SeriesMedia,
    SeriesStatus,
    Victim,
)

#: The longest series name (the column's width).
NAME_LIMIT = 300
#: The longest description.
DESCRIPTION_LIMIT = 20_000

#: Where a series may go from each status: forward only.
SERIES_NEXT: dict[SeriesStatus, tuple[SeriesStatus, ...]] = {
    SeriesStatus.UNIDENTIFIED: (SeriesStatus.VICTIM_IDENTIFIED, SeriesStatus.CLOSED),
    SeriesStatus.VICTIM_IDENTIFIED: (SeriesStatus.CLOSED,),
    SeriesStatus.CLOSED: (),
}


@dataclass(frozen=True)
class SeriesListed:
    """A series as the viewer is shown it: named ``CODE/NAME`` when another agency's."""

    id: int
    name: str
    agency: str
    dissemination: Level
    status: SeriesStatus
    description: str | None
    first_seen_at: datetime
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The series as JSON values."""
        return {
            "id": self.id,
            "name": self.name,
            "agency": self.agency,
            "dissemination": self.dissemination.value,
            "status": self.status.value,
            "description": self.description,
            "first_seen_at": self.first_seen_at.isoformat(),
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class MediaRef:
    """A media of a series, by id and SHA-256."""

    id: int
    sha256: str


@dataclass(frozen=True)
class Linked:
    """A record tied to a series (a victim, offender, location or case), as shown."""

    id: int
    name: str

    def to_json(self) -> dict[str, Any]:
        """The record as JSON values."""
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class SeriesShown:
    """One series with what the viewer may see of it: media, links and history."""

    series: SeriesListed
    media_total: int
    media: list[MediaRef]
    victims: list[Linked]
    offenders: list[Linked]
    locations: list[Linked]
    cases: list[Linked]
    history: list[Change]

    def to_json(self) -> dict[str, Any]:
        """The series and its links as JSON values."""
        return {
            **self.series.to_json(),
            "media_total": self.media_total,
            "media": [{"id": m.id, "sha256": m.sha256} for m in self.media],
            "victims": [v.to_json() for v in self.victims],
            "offenders": [o.to_json() for o in self.offenders],
            "locations": [loc.to_json() for loc in self.locations],
            "cases": [c.to_json() for c in self.cases],
            "history": [change.to_json() for change in self.history],
        }


def _visible(viewer: Viewer) -> Select[Series, str]:
    return (
        select(Series, Agency.code)
        .join(Agency, Agency.id == Series.agency_id)
        .where(series_condition(viewer))
    )


def _listed(viewer: Viewer, found: Series, code: str) -> SeriesListed:
    return SeriesListed(
        id=found.id,
        name=label_of(viewer, code, found.agency_id, found.name),
        agency=code,
        dissemination=Level(found.dissemination),
        status=SeriesStatus(found.status),
        description=found.description,
        first_seen_at=as_utc(found.first_seen_at),
        created_at=as_utc(found.created_at),
    )


def owned_series(session: Session, viewer: Viewer, series_id: int) -> Series:
    """The series, to change it: NotVisibleError when hidden or missing, ForbiddenError
    unless the viewer may write and its agency owns the series."""
    check_series(session, viewer, series_id)
    require(viewer, Permission.WRITE)
    found = session.get_one(Series, series_id)
    check_owner(viewer, found.agency_id, f"series {found.name!r}")
    return found


def _own_named(session: Session, viewer: Viewer, name: str) -> Series | None:
    return session.scalar(
        select(Series).where(Series.name == name, owned_condition(viewer, Series.agency_id))
    )


def create_series(
    session: Session,
    viewer: Viewer,
    name: str,
    *,
    description: str | None = None,
    level: Level = Level.OWNER,
    agencies: Sequence[str] = (),
) -> Series:
    """A new series of the viewer's agency, seen by ``level`` (``agencies`` for named).

    IdentificationError for a bad name or description, or a name the agency already uses.
    """
    require(viewer, Permission.WRITE)
    name = clean_text(name, "name", NAME_LIMIT)
    if description is not None:
        description = clean_text(description, "description", DESCRIPTION_LIMIT, multiline=True)
    existing = _own_named(session, viewer, name)
    if existing is not None:
        raise IdentificationError(
            f"name: your agency already has a series {existing.name!r} (id {existing.id}); "
            "choose another name"
        )
    found = Series(name=name, agency_id=viewer.agency_id, description=description)
    session.add(found)
    session.flush()
    if level is not Level.OWNER or agencies:
        apply_level(session, viewer, RecordType.SERIES, found, Level(level), agencies)
    detail = {"name": name, "level": Level(level).value, "description": description}
    record_change(
        session, viewer, RecordType.SERIES, found.id, "created", detail, Action.RECORD_CREATE
    )
    return found


def list_series(
    session: Session,
    viewer: Viewer,
    limit: int,
    offset: int,
    status: SeriesStatus | None = None,
) -> Listing[SeriesListed]:
    """The series the viewer may see (in ``status``, when given), by name: ``limit`` of
    them after ``offset``."""
    query = _visible(viewer)
    if status is not None:
        query = query.where(Series.status == SeriesStatus(status).value)
    rows = session.execute(query.order_by(Series.name, Series.id).limit(limit).offset(offset))
    listed = [_listed(viewer, found, code) for found, code in rows]
    return Listing(listed, count_rows(session, query))


def _linked(
    session: Session, viewer: Viewer, series_id: int, record: RecordType, model: Any, column: Any
) -> list[Linked]:
    """The records of ``record`` tied to the series that the viewer may see."""
    rows = session.execute(
        select(model.id, column, model.agency_id, Agency.code)
        .join(Agency, Agency.id == model.agency_id)
        .join(
            SeriesLink,
            (SeriesLink.record_id == model.id) & (SeriesLink.record_type == record.value),
        )
        .where(SeriesLink.series_id == series_id, record_condition(viewer, record))
        .order_by(column, model.id)
    )
    if record is RecordType.LOCATION:
        return [Linked(ident, f"#{ident} {text}") for ident, text, _, _ in rows]
    return [Linked(ident, label_of(viewer, code, owner, text)) for ident, text, owner, code in rows]


def series_detail(
    session: Session, viewer: Viewer, series_id: int, media_limit: int = 100, media_offset: int = 0
) -> SeriesShown:
    """One series with the media (a page of them), victims, offenders, locations and cases
    the viewer may see, and its history; NotVisibleError when hidden or missing."""
    check_series(session, viewer, series_id)
    found, code = session.execute(_visible(viewer).where(Series.id == series_id)).one()
    media = (
        select(Media.id, Media.sha256)
        .join(SeriesMedia, SeriesMedia.media_id == Media.id)
        .where(SeriesMedia.series_id == series_id, media_condition(viewer, Media.id))
    )
    page = session.execute(media.order_by(Media.id).limit(media_limit).offset(media_offset))
    cases = session.execute(
        select(Case.id, Case.reference, Case.agency_id, Agency.code)
        .join(Agency, Agency.id == Case.agency_id)
        .join(CaseSeries, CaseSeries.case_id == Case.id)
        .where(CaseSeries.series_id == series_id, case_condition(viewer))
        .order_by(Case.reference, Case.id)
    )
    return SeriesShown(
        series=_listed(viewer, found, code),
        media_total=count_rows(session, media),
        media=[MediaRef(ident, sha256) for ident, sha256 in page],
        victims=_linked(session, viewer, series_id, RecordType.VICTIM, Victim, Victim.label),
        offenders=_linked(
            session, viewer, series_id, RecordType.OFFENDER, Offender, Offender.label
        ),
        locations=_linked(
            session, viewer, series_id, RecordType.LOCATION, Location, Location.description
        ),
        cases=[
            Linked(ident, label_of(viewer, owner_code, owner, reference))
            for ident, reference, owner, owner_code in cases
        ],
        history=history_of(session, viewer, RecordType.SERIES, series_id),
    )


def series_shown(session: Session, viewer: Viewer, series_id: int) -> SeriesListed:
    """One series as the viewer is shown it (without its links)."""
    check_series(session, viewer, series_id)
    found, code = session.execute(_visible(viewer).where(Series.id == series_id)).one()
    return _listed(viewer, found, code)


def move_series(
    session: Session, viewer: Viewer, found: Series, status: SeriesStatus, because: str | None
) -> bool:
    """Move the series (the viewer's agency's own) to ``status``, recorded; False when it is
    there already. WorkflowError for a move the workflow does not allow."""
    current = SeriesStatus(found.status)
    if current is status:
        return False
    check_move(f"series {found.name!r}", current, status, SERIES_NEXT)
    found.status = status.value
    detail = {"from": current.value, "to": status.value}
    if because:
        detail["because"] = because
    record_change(session, viewer, RecordType.SERIES, found.id, "status", detail)
    return True


def update_series(
    session: Session,
    viewer: Viewer,
    series_id: int,
    *,
    description: str | None = None,
    status: SeriesStatus | None = None,
) -> Series:
    """Change the series' description and / or status (its owner only); each change is a
    history entry. WorkflowError for a status the workflow does not allow."""
    found = owned_series(session, viewer, series_id)
    if status is not None:
        wanted = SeriesStatus(status)
        if wanted is not SeriesStatus(found.status):
            check_move(f"series {found.name!r}", SeriesStatus(found.status), wanted, SERIES_NEXT)
    if description is not None:
        text = clean_text(description, "description", DESCRIPTION_LIMIT, multiline=True)
        if text != found.description:
            detail = {"from": found.description, "to": text}
            found.description = text
            record_change(session, viewer, RecordType.SERIES, found.id, "description", detail)
    if status is not None:
        move_series(session, viewer, found, SeriesStatus(status), None)
    session.flush()
    return found


def promote_series(session: Session, viewer: Viewer, victim: Victim) -> list[int]:
    """Series tied to ``victim`` that the viewer's agency owns and that are unidentified
    become victim identified (recorded on each); their ids."""
    linked = session.scalars(
        select(Series)
        .join(SeriesLink, SeriesLink.series_id == Series.id)
        .where(
            SeriesLink.record_type == RecordType.VICTIM.value,
            SeriesLink.record_id == victim.id,
            Series.status == SeriesStatus.UNIDENTIFIED.value,
        )
        .order_by(Series.id)
    )
    moved = []
    for found in linked:
        if owns(viewer, found.agency_id):
            because = f"victim {victim.label!r} {victim.status}"
            move_series(session, viewer, found, SeriesStatus.VICTIM_IDENTIFIED, because)
            moved.append(found.id)
    return moved


def first_seen(session: Session, found: Series) -> None:
    """The series was first seen when its earliest media was (its creation without media)."""
    earliest = session.scalar(
        select(func.min(Media.first_seen_at))
        .join(SeriesMedia, SeriesMedia.media_id == Media.id)
        .where(SeriesMedia.series_id == found.id)
    )
    found.first_seen_at = earliest if earliest is not None else found.created_at


def series_from_banks(session: Session, viewer: Viewer, bank_id: int) -> list[Series]:
    """A series of the bank's agency for each distinct series name on the bank's entries,
    at the bank's level (its named agencies copied); those it has already are kept as
    they are. The viewer's agency must own the bank. Idempotent."""
    check_bank(session, viewer, bank_id)
    require(viewer, Permission.WRITE)
    bank = session.get_one(Bank, bank_id)
    check_owner(viewer, bank.agency_id, f"bank {bank.name!r}")
    bank_sharing = sharing_of(session, viewer, RecordType.BANK, bank_id)
    names = session.scalars(
        select(BankEntry.series)
        .where(BankEntry.bank_id == bank_id, BankEntry.series.is_not(None), visible_entries())
        .distinct()
    )
    made = []
    for raw in sorted({name for name in names if name is not None}):
        try:
            name = clean_text(raw, "name", NAME_LIMIT)
        except IdentificationError:
            continue  # an empty or unprintable name on an entry names no series
        found = _own_named(session, viewer, name)
        if found is None:
            found = create_series(
                session,
                viewer,
                name,
                level=bank_sharing.level,
                agencies=bank_sharing.named if bank_sharing.level is Level.NAMED else (),
            )
        made.append(found)
    return made

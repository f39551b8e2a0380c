"""Victims: children depicted in series, by pseudonymous label (never a real name), and
the identification workflow that moves them forward only.

unidentified → identified (on a date, by an agency) → rescued or safeguarded; rescued →
safeguarded; unidentified → rescued identifies the child that day too. A victim's series
of the same agency become *victim identified* when it leaves unidentified. Every change is
a history entry with its audit event; a refused change names the reason and what may
follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from vigil.cases.errors import IdentificationError
from vigil.cases.fields import (
    apply_changes,
    check_move,
    clean_text,
    optional_country,
    past_day_or_today,
)
from vigil.cases.history import Change, history_of, record_change
from vigil.cases.names import label_of
from vigil.cases.series import Linked, promote_series
from vigil.sharing.audit import Action
from vigil.sharing.clock import as_utc
from vigil.sharing.dissemination import apply_level
from vigil.sharing.policy import (
    Permission,
    Viewer,
    check_owner,
    check_victim,
    owned_condition,
    require,
    series_condition,
    victim_condition,
)
from vigil.sharing.records import Listing, count_rows
from vigil.store.models import (
    AgeBand,
    Agency,
    Level,
    RecordType,
    Series,
    SeriesLink,
    Sex,
    Victim,
    VictimStatus,
)

#: The longest label (the column's width).
LABEL_LIMIT = 200

#: Where a victim may go from each status: forward only.
VICTIM_NEXT: dict[VictimStatus, tuple[VictimStatus, ...]] = {
    VictimStatus.UNIDENTIFIED: (VictimStatus.IDENTIFIED, VictimStatus.RESCUED),
    VictimStatus.IDENTIFIED: (VictimStatus.RESCUED, VictimStatus.SAFEGUARDED),
    VictimStatus.RESCUED: (VictimStatus.SAFEGUARDED,),
    VictimStatus.SAFEGUARDED: (),
}


@dataclass(frozen=True)
class VictimListed:
    """A victim as the viewer is shown it: labelled ``CODE/LABEL`` when another agency's."""

    id: int
    label: str
    agency: str
    dissemination: Level
    sex: Sex
    age_band: AgeBand
    status: VictimStatus
    country: str | None
    identified_by: str | None
    identified_on: date | None
    rescued_on: date | None
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The victim as JSON values."""
        return {
            "id": self.id,
            "label": self.label,
            "agency": self.agency,
            "dissemination": self.dissemination.value,
            "sex": self.sex.value,
            "age_band": self.age_band.value,
            "status": self.status.value,
            "country": self.country,
            "identified_by": self.identified_by,
            "identified_on": self.identified_on.isoformat() if self.identified_on else None,
            "rescued_on": self.rescued_on.isoformat() if self.rescued_on else None,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class VictimShown:
    """One victim with the series tied to it that the viewer may see, and its history."""

    victim: VictimListed
    series: list[Linked]
    history: list[Change]

    def to_json(self) -> dict[str, Any]:
        """The victim, its series and history as JSON values."""
        return {
            **self.victim.to_json(),
            "series": [s.to_json() for s in self.series],
            "history": [change.to_json() for change in self.history],
        }


_IDENTIFIER = aliased(Agency)


def _visible(viewer: Viewer) -> Select[Victim, str, str | None]:
    return (
        select(Victim, Agency.code, _IDENTIFIER.code)
        .join(Agency, Agency.id == Victim.agency_id)
        .outerjoin(_IDENTIFIER, _IDENTIFIER.id == Victim.identified_by_agency_id)
        .where(victim_condition(viewer))
    )


def _listed(viewer: Viewer, found: Victim, code: str, identifier: str | None) -> VictimListed:
    return VictimListed(
        id=found.id,
        label=label_of(viewer, code, found.agency_id, found.label),
        agency=code,
        dissemination=Level(found.dissemination),
        sex=Sex(found.sex),
        age_band=AgeBand(found.age_band),
        status=VictimStatus(found.status),
        country=found.country,
        identified_by=identifier,
        identified_on=found.identified_on,
        rescued_on=found.rescued_on,
        created_at=as_utc(found.created_at),
    )


def owned_victim(session: Session, viewer: Viewer, victim_id: int) -> Victim:
    """The victim, to change it: NotVisibleError when hidden or missing, ForbiddenError
    unless the viewer may write and its agency owns the victim."""
    check_victim(session, viewer, victim_id)
    require(viewer, Permission.WRITE)
    found = session.get_one(Victim, victim_id)
    check_owner(viewer, found.agency_id, f"victim {found.label!r}")
    return found


def create_victim(
    session: Session,
    viewer: Viewer,
    label: str,
    *,
    sex: Sex = Sex.UNKNOWN,
    age_band: AgeBand = AgeBand.UNKNOWN,
    country: str | None = None,
    level: Level = Level.OWNER,
    agencies: Sequence[str] = (),
) -> Victim:
    """A new unidentified victim of the viewer's agency, seen by ``level``.

    IdentificationError for a bad label or country, or a label the agency already uses.
    """
    require(viewer, Permission.WRITE)
    label = clean_text(label, "label", LABEL_LIMIT)
    existing = session.scalar(
        select(Victim).where(Victim.label == label, owned_condition(viewer, Victim.agency_id))
    )
    if existing is not None:
        raise IdentificationError(
            f"label: your agency already has a victim {label!r} (id {existing.id}); "
            "choose another label"
        )
    found = Victim(
        label=label,
        agency_id=viewer.agency_id,
        sex=Sex(sex).value,
        age_band=AgeBand(age_band).value,
        country=optional_country(country),
    )
    session.add(found)
    session.flush()
    if level is not Level.OWNER or agencies:
        apply_level(session, viewer, RecordType.VICTIM, found, Level(level), agencies)
    detail = {
        "label": label,
        "sex": found.sex,
        "age_band": found.age_band,
        "country": found.country,
        "level": Level(level).value,
    }
    record_change(
        session, viewer, RecordType.VICTIM, found.id, "created", detail, Action.RECORD_CREATE
    )
    return found


def list_victims(
    session: Session,
    viewer: Viewer,
    limit: int,
    offset: int,
    status: VictimStatus | None = None,
) -> Listing[VictimListed]:
    """The victims the viewer may see (in ``status``, when given), by label: ``limit`` of
    them after ``offset``."""
    query = _visible(viewer)
    if status is not None:
        query = query.where(Victim.status == VictimStatus(status).value)
    rows = session.execute(query.order_by(Victim.label, Victim.id).limit(limit).offset(offset))
    return Listing([_listed(viewer, *row) for row in rows], count_rows(session, query))


def victim_shown(session: Session, viewer: Viewer, victim_id: int) -> VictimListed:
    """One victim as the viewer is shown it; NotVisibleError when hidden or missing."""
    check_victim(session, viewer, victim_id)
    return _listed(viewer, *session.execute(_visible(viewer).where(Victim.id == victim_id)).one())


def victim_detail(session: Session, viewer: Viewer, victim_id: int) -> VictimShown:
    """One victim with its series the viewer may see and its history."""
    shown = victim_shown(session, viewer, victim_id)
    rows = session.execute(
        select(Series.id, Series.name, Series.agency_id, Agency.code)
        .join(Agency, Agency.id == Series.agency_id)
        .join(SeriesLink, SeriesLink.series_id == Series.id)
        .where(
            SeriesLink.record_type == RecordType.VICTIM.value,
            SeriesLink.record_id == victim_id,
            series_condition(viewer),
        )
        .order_by(Series.name, Series.id)
    )
    series = [
        Linked(ident, label_of(viewer, code, owner, name)) for ident, name, owner, code in rows
    ]
    return VictimShown(shown, series, history_of(session, viewer, RecordType.VICTIM, victim_id))


def update_victim(
    session: Session,
    viewer: Viewer,
    victim_id: int,
    *,
    sex: Sex | None = None,
    age_band: AgeBand | None = None,
    country: str | None = None,
) -> Victim:
    """Change what is known of the victim (its owner only): one history entry naming the
    fields changed, none when nothing changed. Its status moves through
    :func:`identify_victim`, :func:`rescue_victim` and :func:`safeguard_victim`."""
    found = owned_victim(session, viewer, victim_id)
    wanted: dict[str, object] = {}
    if sex is not None:
        wanted["sex"] = Sex(sex).value
    if age_band is not None:
        wanted["age_band"] = AgeBand(age_band).value
    if country is not None:
        wanted["country"] = optional_country(country)
    changed = apply_changes(found, wanted)
    if changed:
        session.flush()
        record_change(session, viewer, RecordType.VICTIM, found.id, "changed", changed)
    return found


def _agency_id(session: Session, viewer: Viewer, code: str | None) -> tuple[int, str]:
    """The identifying agency: ``code``'s, else the viewer's."""
    if code is None or not code.strip():
        own = session.get_one(Agency, viewer.agency_id)
        return own.id, own.code
    wanted = code.strip().upper()
    found = session.scalar(select(Agency).where(Agency.code == wanted))
    if found is None:
        raise IdentificationError(f"by: no agency {wanted!r} (see `vigil agency list`)")
    return found.id, found.code


def _move(
    session: Session,
    viewer: Viewer,
    found: Victim,
    status: VictimStatus,
    detail: dict[str, Any],
) -> Victim:
    """Record the victim's move to ``status`` (set by the caller) and lift its series."""
    detail = {"from": detail.pop("from"), "to": status.value, **detail}
    found.status = status.value
    session.flush()
    promoted = promote_series(session, viewer, found)
    if promoted:
        detail["series_identified"] = promoted
    record_change(session, viewer, RecordType.VICTIM, found.id, "status", detail)
    return found


def identify_victim(
    session: Session, viewer: Viewer, victim_id: int, on: date | None, agency_code: str | None
) -> Victim:
    """Mark the victim identified on ``on`` (default today) by ``agency_code``'s agency
    (default the viewer's). Already identified: nothing changes. WorkflowError once rescued
    or safeguarded (a status never goes back)."""
    found = owned_victim(session, viewer, victim_id)
    current = VictimStatus(found.status)
    if current is VictimStatus.IDENTIFIED:
        return found
    check_move(f"victim {found.label!r}", current, VictimStatus.IDENTIFIED, VICTIM_NEXT)
    day = past_day_or_today("on", on)
    agency_id, code = _agency_id(session, viewer, agency_code)
    found.identified_on = day
    found.identified_by_agency_id = agency_id
    detail = {"from": current.value, "on": day.isoformat(), "by": code}
    return _move(session, viewer, found, VictimStatus.IDENTIFIED, detail)


def rescue_victim(session: Session, viewer: Viewer, victim_id: int, on: date | None) -> Victim:
    """Mark the victim rescued on ``on`` (default today); an unidentified victim is
    identified that day by the viewer's agency too. Already rescued: nothing changes."""
    found = owned_victim(session, viewer, victim_id)
    current = VictimStatus(found.status)
    if current is VictimStatus.RESCUED:
        return found
    check_move(f"victim {found.label!r}", current, VictimStatus.RESCUED, VICTIM_NEXT)
    day = past_day_or_today("on", on)
    detail: dict[str, Any] = {"from": current.value, "on": day.isoformat()}
    if current is VictimStatus.UNIDENTIFIED:
        agency_id, code = _agency_id(session, viewer, None)
        found.identified_on = day
        found.identified_by_agency_id = agency_id
        detail["identified_by"] = code
    elif found.identified_on is not None and day < found.identified_on:
        raise IdentificationError(
            f"on: {day.isoformat()} is before the victim was identified "
            f"({found.identified_on.isoformat()})"
        )
    found.rescued_on = day
    return _move(session, viewer, found, VictimStatus.RESCUED, detail)


def safeguard_victim(session: Session, viewer: Viewer, victim_id: int, on: date | None) -> Victim:
    """Mark an identified or rescued victim safeguarded on ``on`` (default today; kept in
    its history). Already safeguarded: nothing changes."""
    found = owned_victim(session, viewer, victim_id)
    current = VictimStatus(found.status)
    if current is VictimStatus.SAFEGUARDED:
        return found
    check_move(f"victim {found.label!r}", current, VictimStatus.SAFEGUARDED, VICTIM_NEXT)
    day = past_day_or_today("on", on)
    detail = {"from": current.value, "on": day.isoformat()}
    return _move(session, viewer, found, VictimStatus.SAFEGUARDED, detail)

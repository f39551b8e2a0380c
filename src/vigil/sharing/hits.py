"""Hit / no-hit: telling two agencies *that* their data meet, never what.

When a seizure of agency B touches a record that agency A holds under a level B does not
pass (``vigil.sharing.policy.hidden_hits``), each side gets a notice, the two sharing one
reference: B's (side ``seeker``) names A's agency and whom to contact — A's NCB, else A
itself, else the central unit; A's mirror (side ``holder``) names B's agency, B's case
reference and B's contact. Neither says which media, how many, which series, category,
path or hash: B has one notice per (its seizure, A's agency), however many media and
however many of A's records hit; A has one per (B's seizure, its own record).

Raising is idempotent (the table is unique on recipient, subject and counterpart): running
it again after every ingest or match run adds only pairs that are new.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.sharing.actor import Actor
from vigil.sharing.agencies import country_name
from vigil.sharing.audit import Action, bank_object, record, seizure_object
from vigil.sharing.clock import as_utc
from vigil.sharing.policy import (
    HiddenHit,
    NotVisibleError,
    Permission,
    Viewer,
    check_seizure,
    hidden_hits,
    hit_notice_condition,
    require,
    resolve,
)
from vigil.store.models import (
    Agency,
    AgencyKind,
    Bank,
    BankEntry,
    HitNotice,
    Match,
    MissingChildReport,
    Seizure,
    Series,
    Sighting,
    utcnow,
)

SEEKER = "seeker"
HOLDER = "holder"
_REFERENCE_PREFIX = "HIT"


@dataclass(frozen=True)
class _Pair:
    """One hit to notify: the seeking seizure and the holder's record it touched."""

    seizure: Seizure
    holder: Agency
    holder_subject: str


def seizure_subject(seizure_id: int) -> str:
    """How a notice names a seizure: ``seizure:ID``."""
    return f"seizure:{seizure_id}"


def _new_reference(session: Session) -> str:
    """A fresh reference, ``HIT-YEAR-XXXXXXXX``: random, so it says nothing about the ids."""
    while True:
        reference = f"{_REFERENCE_PREFIX}-{utcnow():%Y}-{secrets.token_hex(4).upper()}"
        if session.scalar(select(HitNotice.id).where(HitNotice.reference == reference)) is None:
            return reference


def _labelled(agency: Agency) -> str | None:
    """The agency's contact, introduced by its name and code; None when it has none."""
    if not agency.contact:
        return None
    return f"{agency.name} ({agency.code}): {agency.contact}"


def _central_unit_contact(session: Session) -> str | None:
    central = session.scalars(
        select(Agency).where(Agency.kind == AgencyKind.CENTRAL_UNIT.value).order_by(Agency.id)
    )
    return next((c for c in map(_labelled, central) if c), None)


def routed_contact(session: Session, agency: Agency) -> str | None:
    """Whom to contact about a hit on ``agency``'s data: its country's NCB (the country's
    single point of contact), else the agency itself, else the central unit."""
    if AgencyKind(agency.kind) is AgencyKind.NCB:
        ncb: Agency | None = agency
    elif agency.country is None:
        ncb = None
    else:
        ncb = session.scalar(
            select(Agency).where(
                Agency.kind == AgencyKind.NCB.value, Agency.country == agency.country
            )
        )
    for candidate in (ncb, agency):
        contact = _labelled(candidate) if candidate is not None else None
        if contact:
            return contact
    return _central_unit_contact(session)


def _direct_contact(session: Session, agency: Agency) -> str | None:
    """The agency's own contact (the holder answers the unit that seized), else routed."""
    return _labelled(agency) or routed_contact(session, agency)


def _owner_viewer(session: Session, seizure: Seizure, user: str) -> Viewer:
    """The seizure's owning agency as a viewer: hits are about what *it* may not see."""
    owner = session.get_one(Agency, seizure.agency_id)
    return resolve(session, Actor(user, owner.code))


def _pairs(session: Session, seizure: Seizure, hits: Iterable[HiddenHit]) -> list[_Pair]:
    """One pair per holder record, whatever number of media hit it."""
    records = sorted({(hit.holder_agency_id, hit.subject) for hit in hits})
    return [
        _Pair(seizure, session.get_one(Agency, agency_id), subject)
        for agency_id, subject in records
    ]


def agency_subject(agency_id: int) -> str:
    """How a seeker's notice names what it hit: the holding agency, not any of its records."""
    return f"agency:{agency_id}"


def _existing(
    session: Session, agency_id: int, subject: str, counterpart: int, other: str
) -> HitNotice | None:
    return session.scalar(
        select(HitNotice).where(
            HitNotice.agency_id == agency_id,
            HitNotice.subject == subject,
            HitNotice.counterpart_agency_id == counterpart,
            HitNotice.counterpart_subject == other,
        )
    )


def _raise_pair(session: Session, pair: _Pair) -> list[HitNotice]:
    """The seeker's notice (one per holding agency) and the holder's mirror for this record,
    unless they exist already.

    The seeker learns only *that* the holder holds something: however many of the holder's
    records its seizure touched, it has one notice per holding agency, so not even the
    number of records crosses. The holder gets one mirror per record of its own, all
    sharing the seeker's reference.
    """
    seizure = pair.seizure
    own = seizure_subject(seizure.id)
    holder = pair.holder
    if _existing(session, holder.id, pair.holder_subject, seizure.agency_id, own) is not None:
        return []
    now = utcnow()
    created: list[HitNotice] = []
    seeker = _existing(session, seizure.agency_id, own, holder.id, agency_subject(holder.id))
    if seeker is None:
        seeker = HitNotice(
            reference=_new_reference(session),
            agency_id=seizure.agency_id,
            side=SEEKER,
            subject=own,
            counterpart_agency_id=holder.id,
            counterpart_subject=agency_subject(holder.id),
            counterpart_reference=None,
            contact=routed_contact(session, holder),
            created_at=now,
        )
        created.append(seeker)
    seeker_agency = session.get_one(Agency, seizure.agency_id)
    created.append(
        HitNotice(
            reference=seeker.reference,
            agency_id=holder.id,
            side=HOLDER,
            subject=pair.holder_subject,
            counterpart_agency_id=seizure.agency_id,
            counterpart_subject=own,
            counterpart_reference=seizure.case.reference,
            contact=_direct_contact(session, seeker_agency),
            created_at=now,
        )
    )
    session.add_all(created)
    session.flush()
    return created


def _raise_for_seizure(
    session: Session, seizure: Seizure, user: str, only_subject: str | None = None
) -> list[HitNotice]:
    hits = hidden_hits(session, _owner_viewer(session, seizure, user), seizure.id)
    if only_subject is not None:
        hits = [hit for hit in hits if hit.subject == only_subject]
    return [
        notice for pair in _pairs(session, seizure, hits) for notice in _raise_pair(session, pair)
    ]


def _references(notices: Iterable[HitNotice]) -> list[str]:
    return sorted({notice.reference for notice in notices})


def raise_hit_notices(session: Session, viewer: Viewer, seizure_id: int) -> list[HitNotice]:
    """Notify both sides of every hit of the seizure on data its agency may not see.

    Returns the notices created now (two per new hit; none when all were raised before).
    NotVisibleError when the viewer may not see the seizure. One audit event per call
    that raised anything, listing the references.
    """
    check_seizure(session, viewer, seizure_id)
    seizure = session.get_one(Seizure, seizure_id)
    notices = _raise_for_seizure(session, seizure, viewer.actor.user)
    if notices:
        where = seizure_object(seizure.case.reference, seizure.name)
        record(session, Action.HIT_RAISE, where, {"references": _references(notices)}, viewer.actor)
    return notices


def raise_for_bank(session: Session, bank_id: int, actor: Actor) -> list[HitNotice]:
    """Notify the hits on the bank of every seizure whose agency may not see the bank.

    For after a bank changes (an import): the seizures are those with matches into its
    entries. One audit event under ``actor`` when anything was raised.
    """
    bank = session.get_one(Bank, bank_id)
    matched = (
        select(Match.media_id)
        .join(BankEntry, Match.bank_entry_id == BankEntry.id)
        .where(BankEntry.bank_id == bank_id)
    )
    seizures = session.scalars(
        select(Seizure)
        .where(Seizure.id.in_(select(Sighting.seizure_id).where(Sighting.media_id.in_(matched))))
        .order_by(Seizure.id)
    )
    subject = f"bank:{bank_id}"
    notices = [
        notice
        for seizure in list(seizures)
        for notice in _raise_for_seizure(session, seizure, actor.user, subject)
    ]
    if notices:
        record(
            session,
            Action.HIT_RAISE,
            bank_object(bank.name),
            {"references": _references(notices)},
            actor,
        )
    return notices


def raise_for_seizure(session: Session, seizure_id: int, actor: Actor) -> list[HitNotice]:
    """Notify the hits on the seizure of every other seizure whose agency may not see it.

    For after a seizure's level narrows: the other seizures are those sharing one of its
    files or linked to one of its media by a match (either direction). One audit event
    under ``actor`` when anything was raised.
    """
    held = session.get_one(Seizure, seizure_id)
    own_media = select(Sighting.media_id).where(Sighting.seizure_id == seizure_id)
    linked = (
        select(Match.other_media_id)
        .where(Match.media_id.in_(own_media), Match.other_media_id.is_not(None))
        .union(select(Match.media_id).where(Match.other_media_id.in_(own_media)))
    )
    touching = select(Sighting.seizure_id).where(
        or_(Sighting.media_id.in_(own_media), Sighting.media_id.in_(linked)),
        Sighting.seizure_id != seizure_id,
    )
    seizures = session.scalars(select(Seizure).where(Seizure.id.in_(touching)).order_by(Seizure.id))
    subject = seizure_subject(seizure_id)
    notices = [
        notice
        for seizure in list(seizures)
        for notice in _raise_for_seizure(session, seizure, actor.user, subject)
    ]
    if notices:
        where = seizure_object(held.case.reference, held.name)
        record(session, Action.HIT_RAISE, where, {"references": _references(notices)}, actor)
    return notices


def raise_record_hits(
    session: Session, seizure_id: int, holdings: Iterable[tuple[int, str]], actor: Actor
) -> list[HitNotice]:
    """Notify both sides of hits of the seizure on records its agency may not see, each
    given as (holding agency id, subject): ``series:ID``, ``missing:ID`` or ``seizure:ID``.

    For what the policy's hidden hits do not cover (an alert about a series, a missing-child
    report, or a camera or place shared with another seizure); idempotent like the rest.
    One audit event under ``actor`` when anything was raised.
    """
    seizure = session.get_one(Seizure, seizure_id)
    notices = [
        notice
        for agency_id, subject in sorted(set(holdings))
        for notice in _raise_pair(
            session, _Pair(seizure, session.get_one(Agency, agency_id), subject)
        )
    ]
    if notices:
        where = seizure_object(seizure.case.reference, seizure.name)
        record(session, Action.HIT_RAISE, where, {"references": _references(notices)}, actor)
    return notices


def list_notices(
    session: Session, viewer: Viewer, unacknowledged_only: bool = False
) -> list[HitNotice]:
    """The notices addressed to the viewer's agency, newest first."""
    require(viewer, Permission.READ)
    query = select(HitNotice).where(hit_notice_condition(viewer))
    if unacknowledged_only:
        query = query.where(HitNotice.acknowledged_at.is_(None))
    return list(session.scalars(query.order_by(HitNotice.created_at.desc(), HitNotice.id.desc())))


def find_notice(session: Session, viewer: Viewer, reference: str) -> HitNotice:
    """The viewer's agency's notice ``reference``; NotVisibleError alike when there is none
    and when the reference is another agency's."""
    notice = session.scalar(
        select(HitNotice).where(
            HitNotice.reference == reference.strip().upper(), hit_notice_condition(viewer)
        )
    )
    if notice is None:
        raise NotVisibleError(f"hit notice: no notice {reference!r}")
    return notice


def acknowledge(session: Session, viewer: Viewer, reference: str) -> HitNotice:
    """Mark the viewer's agency's notice ``reference`` as acknowledged (once; again is a
    no-op) and record it."""
    require(viewer, Permission.REFER)
    notice = find_notice(session, viewer, reference)
    if notice.acknowledged_at is None:
        notice.acknowledged_at = utcnow()
        notice.acknowledged_by = viewer.actor.user
        session.flush()
        record(
            session,
            Action.HIT_ACKNOWLEDGE,
            f"hit:{notice.reference}",
            {"side": notice.side},
            viewer.actor,
        )
    return notice


def _own_subject(session: Session, subject: str) -> dict[str, Any]:
    """The recipient's own record, in its own terms (its seizure's case and name, its bank)."""
    kind, _, ident = subject.partition(":")
    if kind == "seizure":
        seizure = session.get_one(Seizure, int(ident))
        return {"type": "seizure", "case": seizure.case.reference, "seizure": seizure.name}
    if kind == "bank":
        return {"type": "bank", "bank": session.get_one(Bank, int(ident)).name}
    if kind == "series":
        return {"type": "series", "series": session.get_one(Series, int(ident)).name}
    if kind == "missing":
        report = session.get_one(MissingChildReport, int(ident))
        return {"type": "missing", "report": report.reference}
    return {"type": kind}


def notice_json(session: Session, notice: HitNotice) -> dict[str, Any]:
    """What the recipient sees of a notice: never the counterpart's record."""
    counterpart = session.get_one(Agency, notice.counterpart_agency_id)
    return {
        "reference": notice.reference,
        "side": notice.side,
        "created_at": as_utc(notice.created_at).isoformat(),
        "subject": _own_subject(session, notice.subject),
        "counterpart": {
            "code": counterpart.code,
            "name": counterpart.name,
            "country": counterpart.country,
            "country_name": country_name(counterpart.country),
        },
        "contact": notice.contact,
        "counterpart_reference": notice.counterpart_reference if notice.side == HOLDER else None,
        "acknowledged": notice.acknowledged_at is not None,
        "acknowledged_at": (
            None if notice.acknowledged_at is None else as_utc(notice.acknowledged_at).isoformat()
        ),
        "acknowledged_by": notice.acknowledged_by,
    }

"""Who may see and do what: the one place Vigil decides access.

Every read of shared data — domain functions, the CLI, reports, the API and pages — asks
this module, either for a yes / no on one record or for a SQL condition that keeps only the
rows a viewer may see. Nothing else in Vigil compares agency ids or dissemination levels.

The rules:

- A record (case, seizure, bank) is visible to its owning agency; to every police member
  when its level is ``all`` (partners are not members: they see only what is named or
  referred to them); to the agencies named on it when its level is ``named``; and to any
  agency it was referred to, whatever its level.
- A seizure is also visible to an agency its case was referred to. Sightings and ingest
  runs are seen through their seizure, bank entries through their bank.
- A media row (shared by SHA-256 across seizures) is visible only through a sighting in a
  visible seizure, or a referral of that media.
- A match is visible when both its sides are (or it was referred).
- A referral is seen by the agencies that sent and received it, and acted on only by its
  recipient; the central unit oversees every agency's overdue referrals.
- Roles grant permissions (:data:`ROLE_PERMISSIONS`); an API token's scopes narrow them.

A record that exists but is hidden and one that does not exist are refused alike
(:class:`NotVisibleError`, which the API answers with 404), so nobody learns what exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    exists,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.orm import QueryableAttribute, Session

from vigil.sharing.actor import Actor
from vigil.store.models import (
    Agency,
    AgencyKind,
    Bank,
    BankEntry,
    Case,
    GrantReason,
    HitNotice,
    Level,
    Match,
    Media,
    RecordType,
    Referral,
    Role,
    Scope,
    Seizure,
    ShareGrant,
    Sighting,
)
from vigil.store.repo import DEFAULT_AGENCY_CODE, default_agency

#: A column or mapped attribute a condition is built on.
ColumnLike = ColumnElement[Any] | QueryableAttribute[Any]


class Permission(StrEnum):
    """What a viewer may do, beyond seeing what is visible to its agency."""

    #: See the agency's own and shared records.
    READ = "read"
    #: Ingest, import, create and review: change the agency's own records.
    WRITE = "write"
    #: Send referrals and act on those received.
    REFER = "refer"
    #: Oversee the agency's work: the overdue referral list, exposure figures.
    SUPERVISE = "supervise"
    #: Agencies, users and tokens.
    ADMINISTER = "administer"
    #: Read and verify the audit trail.
    AUDIT = "audit"
    #: Ask the lookup service whether hashes are known.
    LOOKUP = "lookup"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.READ}),
    Role.ANALYST: frozenset({Permission.READ, Permission.WRITE, Permission.REFER}),
    Role.SUPERVISOR: frozenset(
        {Permission.READ, Permission.WRITE, Permission.REFER, Permission.SUPERVISE}
    ),
    Role.ADMIN: frozenset({Permission.READ, Permission.ADMINISTER}),
    Role.AUDITOR: frozenset({Permission.AUDIT}),
}

#: What a partner's users may do whatever their roles: ask, and read what is named to them.
PARTNER_PERMISSIONS = frozenset({Permission.READ, Permission.LOOKUP})

#: Every police member who may read may ask the lookup service too (partners are who it
#: is for).
_MEMBER_EXTRA = frozenset({Permission.LOOKUP})

SCOPE_PERMISSIONS: dict[Scope, frozenset[Permission]] = {
    Scope.READ: frozenset({Permission.READ}),
    Scope.WRITE: frozenset({Permission.READ, Permission.WRITE, Permission.REFER}),
    Scope.LOOKUP: frozenset({Permission.LOOKUP}),
    Scope.ADMIN: frozenset({Permission.ADMINISTER, Permission.AUDIT, Permission.SUPERVISE}),
}


class PolicyError(Exception):
    """Base of the refusals this module makes."""


class NotVisibleError(PolicyError, LookupError):
    """The record does not exist or the viewer may not see it: the two are told alike."""


class ForbiddenError(PolicyError):
    """The viewer may see the thing but not do this to it (or lacks the permission)."""


@dataclass(frozen=True)
class Viewer:
    """An actor resolved against the database: its agency's id and kind, its permissions."""

    actor: Actor
    agency_id: int
    agency_kind: AgencyKind
    permissions: frozenset[Permission]

    @property
    def is_partner(self) -> bool:
        """Partners are not members: ``all`` does not reach them."""
        return self.agency_kind is AgencyKind.PARTNER

    def can(self, permission: Permission) -> bool:
        """Whether the viewer holds ``permission``."""
        return permission in self.permissions


def permissions_of(
    roles: Iterable[Role], kind: AgencyKind, scopes: Iterable[Scope] | None = None
) -> frozenset[Permission]:
    """What ``roles`` allow in an agency of ``kind``, narrowed to ``scopes`` when given."""
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[Role(role)]
    if kind is AgencyKind.PARTNER:
        granted = set(PARTNER_PERMISSIONS) if granted else set()
    elif Permission.READ in granted:
        granted |= _MEMBER_EXTRA
    if scopes is not None:
        allowed: set[Permission] = set()
        for scope in scopes:
            allowed |= SCOPE_PERMISSIONS[Scope(scope)]
        granted &= allowed
    return frozenset(granted)


def resolve(session: Session, actor: Actor) -> Viewer:
    """The viewer ``actor`` is: NotVisibleError when its agency does not exist.

    The local agency always exists: it is created the first time it is asked for.
    """
    if actor.agency == DEFAULT_AGENCY_CODE:
        agency: Agency | None = default_agency(session)
    else:
        agency = session.scalar(select(Agency).where(Agency.code == actor.agency))
    if agency is None:
        raise NotVisibleError(f"agency: no agency {actor.agency!r}")
    kind = AgencyKind(agency.kind)
    return Viewer(actor, agency.id, kind, permissions_of(actor.roles, kind, actor.scopes))


def require(viewer: Viewer, permission: Permission) -> None:
    """ForbiddenError unless the viewer holds ``permission`` (the message names it)."""
    if not viewer.can(permission):
        raise ForbiddenError(
            f"{viewer.actor.user} ({viewer.actor.agency}) may not {permission.value}: "
            "no role of theirs allows it"
        )


# --- visibility as SQL conditions -------------------------------------------------------


def _granted(viewer: Viewer, record: RecordType, reasons: Iterable[GrantReason]) -> Select[int]:
    """Ids of ``record`` rows granted to the viewer's agency for one of ``reasons``."""
    return (
        select(ShareGrant.record_id)
        .where(
            ShareGrant.agency_id == viewer.agency_id,
            ShareGrant.record_type == record.value,
            ShareGrant.reason.in_([reason.value for reason in reasons]),
        )
        .correlate(None)
    )


def _owned_record(
    viewer: Viewer,
    record: RecordType,
    owner: ColumnLike,
    level: ColumnLike,
    ident: ColumnLike,
) -> ColumnElement[bool]:
    """The rule for an owned record with a level (see the module's docstring)."""
    member_level = false() if viewer.is_partner else level == Level.ALL.value
    return or_(
        owner == viewer.agency_id,
        member_level,
        and_(level == Level.NAMED.value, ident.in_(_granted(viewer, record, [GrantReason.NAMED]))),
        ident.in_(_granted(viewer, record, [GrantReason.REFERRAL])),
    )


def case_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the cases (rows of ``Case``) the viewer may see."""
    return _owned_record(viewer, RecordType.CASE, Case.agency_id, Case.dissemination, Case.id)


def seizure_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the seizures (rows of ``Seizure``) the viewer may see."""
    return or_(
        _owned_record(
            viewer, RecordType.SEIZURE, Seizure.agency_id, Seizure.dissemination, Seizure.id
        ),
        Seizure.case_id.in_(_granted(viewer, RecordType.CASE, [GrantReason.REFERRAL])),
    )


def bank_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the banks (rows of ``Bank``) the viewer may see; their entries follow them."""
    return _owned_record(viewer, RecordType.BANK, Bank.agency_id, Bank.dissemination, Bank.id)


def visible_seizure_ids(viewer: Viewer) -> Select[int]:
    """Ids of the seizures the viewer may see."""
    # A set on its own: never correlated to a query that also reads seizures.
    return select(Seizure.id).where(seizure_condition(viewer)).correlate(None)


def visible_bank_ids(viewer: Viewer) -> Select[int]:
    """Ids of the banks the viewer may see."""
    return select(Bank.id).where(bank_condition(viewer)).correlate(None)


def visible_media_ids(viewer: Viewer) -> CompoundSelect[int]:
    """Ids of the media the viewer may see: seen in a visible seizure, or referred."""
    seen = select(Sighting.media_id).where(Sighting.seizure_id.in_(visible_seizure_ids(viewer)))
    return seen.union(_granted(viewer, RecordType.MEDIA, [GrantReason.REFERRAL]))


def media_condition(viewer: Viewer, media_id: ColumnLike) -> ColumnElement[bool]:
    """True where ``media_id`` (a column or value) is a media the viewer may see."""
    seen = (
        exists()
        .where(Sighting.media_id == media_id, Sighting.seizure_id.in_(visible_seizure_ids(viewer)))
        .correlate_except(Sighting)
    )
    return or_(seen, media_id.in_(_granted(viewer, RecordType.MEDIA, [GrantReason.REFERRAL])))


def match_target_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the matches (rows of ``Match``) whose *target* side the viewer may see.

    The target is a bank entry (seen through its bank) or other media.
    """
    entry_visible = (
        exists()
        .where(BankEntry.id == Match.bank_entry_id, BankEntry.bank_id.in_(visible_bank_ids(viewer)))
        .correlate_except(BankEntry)
    )
    return or_(
        and_(Match.bank_entry_id.is_not(None), entry_visible),
        and_(Match.other_media_id.is_not(None), media_condition(viewer, Match.other_media_id)),
    )


def match_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the matches the viewer may see: both sides visible, or the match referred."""
    return or_(
        and_(media_condition(viewer, Match.media_id), match_target_condition(viewer)),
        Match.id.in_(_granted(viewer, RecordType.MATCH, [GrantReason.REFERRAL])),
    )


def hit_notice_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the hit notices (rows of ``HitNotice``) addressed to the viewer's agency.

    A notice is its recipient's alone: the counterpart has its own mirror of it.
    """
    return HitNotice.agency_id == viewer.agency_id


# --- one record ----------------------------------------------------------------------


def _check_visible(session: Session, query: Select[int], what: str) -> None:
    if session.scalar(query.limit(1)) is None:
        raise NotVisibleError(f"no {what}")


def check_case(session: Session, viewer: Viewer, case_id: int) -> None:
    """NotVisibleError unless the case exists and the viewer may see it."""
    _check_visible(
        session,
        select(Case.id).where(Case.id == case_id, case_condition(viewer)),
        f"case with id {case_id}",
    )


def check_seizure(session: Session, viewer: Viewer, seizure_id: int) -> None:
    """NotVisibleError unless the seizure exists and the viewer may see it."""
    _check_visible(
        session,
        select(Seizure.id).where(Seizure.id == seizure_id, seizure_condition(viewer)),
        f"seizure with id {seizure_id}",
    )


def check_bank(session: Session, viewer: Viewer, bank_id: int) -> None:
    """NotVisibleError unless the bank exists and the viewer may see it."""
    _check_visible(
        session,
        select(Bank.id).where(Bank.id == bank_id, bank_condition(viewer)),
        f"bank with id {bank_id}",
    )


def check_media(session: Session, viewer: Viewer, media_id: int) -> None:
    """NotVisibleError unless the media exists and the viewer may see it."""
    _check_visible(
        session,
        select(Media.id).where(Media.id == media_id, media_condition(viewer, Media.id)),
        f"media with id {media_id}",
    )


def check_match(session: Session, viewer: Viewer, match_id: int) -> None:
    """NotVisibleError unless the match exists and the viewer may see it."""
    _check_visible(
        session,
        select(Match.id).where(Match.id == match_id, match_condition(viewer)),
        f"match with id {match_id}",
    )


def owns(viewer: Viewer, owner_agency_id: int) -> bool:
    """Whether the viewer's agency owns the record (of several of one name, its own first)."""
    return owner_agency_id == viewer.agency_id


def owned_condition(viewer: Viewer, owner_agency_id: ColumnLike) -> ColumnElement[bool]:
    """True where ``owner_agency_id`` (a column) is the viewer's agency: its own records,
    e.g. the names a new bank of its must not repeat."""
    return owner_agency_id == viewer.agency_id


def check_owner(viewer: Viewer, owner_agency_id: int, what: str) -> None:
    """ForbiddenError unless the viewer's agency owns the record (to change it or share it)."""
    if owner_agency_id != viewer.agency_id:
        raise ForbiddenError(f"{what} belongs to another agency: only its owner may change it")


# --- referrals ------------------------------------------------------------------------


def referral_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the referrals (rows of ``Referral``) the viewer may see: sent or received."""
    return or_(
        Referral.from_agency_id == viewer.agency_id, Referral.to_agency_id == viewer.agency_id
    )


def inbox_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the referrals addressed to the viewer's agency."""
    return Referral.to_agency_id == viewer.agency_id


def outbox_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the referrals the viewer's agency sent."""
    return Referral.from_agency_id == viewer.agency_id


def overdue_scope_condition(viewer: Viewer) -> ColumnElement[bool]:
    """Keeps the referrals whose lateness the viewer oversees.

    Its own agency's inbox; every agency's for the central unit, which watches the network.
    """
    if viewer.agency_kind is AgencyKind.CENTRAL_UNIT:
        return true()
    return inbox_condition(viewer)


def check_recipient(viewer: Viewer, to_agency_id: int, what: str) -> None:
    """ForbiddenError unless the viewer's agency is the one ``what`` is addressed to."""
    if to_agency_id != viewer.agency_id:
        raise ForbiddenError(f"{what} is addressed to another agency: only it may act on it")


def check_other_agency(viewer: Viewer, agency_id: int, what: str) -> None:
    """ForbiddenError when ``agency_id`` is the viewer's own (``what`` must go elsewhere)."""
    if agency_id == viewer.agency_id:
        raise ForbiddenError(f"{what} must go to another agency, not your own")


# --- administration and the audit trail ------------------------------------------------


def oversees_network(viewer: Viewer) -> bool:
    """Whether the viewer acts for the whole network (the central unit): it adds agencies,
    administers every agency's users and reads every agency's audit trail."""
    return viewer.agency_kind is AgencyKind.CENTRAL_UNIT


def check_administers(viewer: Viewer, agency_id: int, what: str) -> None:
    """NotVisibleError unless the viewer may administer agency ``agency_id``'s accounts:
    its own agency's, or every agency's for the central unit.

    Refused as not found: another agency's users and tokens are not the viewer's to know.
    """
    if agency_id != viewer.agency_id and not oversees_network(viewer):
        raise NotVisibleError(f"no {what}")


def audit_agency(viewer: Viewer) -> str | None:
    """The agency code whose audit events the viewer may read; None for every agency's."""
    return None if oversees_network(viewer) else viewer.actor.agency


# --- hits on what the viewer may not see ----------------------------------------------


@dataclass(frozen=True, order=True)
class HiddenHit:
    """One of the seizure's media touches a record the viewer may not see.

    ``subject`` names the holder's record (``seizure:ID`` or ``bank:ID``): for the notice
    to the holder only, never to be shown to the viewer.
    """

    media_id: int
    holder_agency_id: int
    subject: str


def hidden_hits(session: Session, viewer: Viewer, seizure_id: int) -> list[HiddenHit]:
    """Where the seizure's media touch data held under a level the viewer does not pass.

    Three ways: the same file seen in a hidden seizure; a match to an entry of a hidden
    bank; a match (either direction) to media the viewer may not see, seen in hidden
    seizures. Rejected matches (by the viewer's agency) still count: a hit notice is about
    what is held, and the holder decides what it means.
    """
    hidden_seizures = select(Seizure.id, Seizure.agency_id).where(~seizure_condition(viewer))
    hidden_seizures_sq = hidden_seizures.subquery()
    own_media = select(Sighting.media_id).where(Sighting.seizure_id == seizure_id)
    hits: set[HiddenHit] = set()

    same_file = session.execute(
        select(Sighting.media_id, hidden_seizures_sq.c.agency_id, hidden_seizures_sq.c.id)
        .join(hidden_seizures_sq, Sighting.seizure_id == hidden_seizures_sq.c.id)
        .where(Sighting.media_id.in_(own_media))
        .distinct()
    )
    hits.update(HiddenHit(m, a, f"seizure:{s}") for m, a, s in same_file)

    hidden_banks = select(Bank.id, Bank.agency_id).where(~bank_condition(viewer)).subquery()
    banked = session.execute(
        select(Match.media_id, hidden_banks.c.agency_id, hidden_banks.c.id)
        .join(BankEntry, Match.bank_entry_id == BankEntry.id)
        .join(hidden_banks, BankEntry.bank_id == hidden_banks.c.id)
        .where(Match.media_id.in_(own_media))
        .distinct()
    )
    hits.update(HiddenHit(m, a, f"bank:{b}") for m, a, b in banked)

    # Media-to-media links, read from either side: (own media, other media).
    pairs = (
        select(Match.media_id.label("own"), Match.other_media_id.label("other"))
        .where(Match.media_id.in_(own_media), Match.other_media_id.is_not(None))
        .union(
            select(Match.other_media_id.label("own"), Match.media_id.label("other")).where(
                Match.other_media_id.in_(own_media)
            )
        )
        .subquery()
    )
    linked = session.execute(
        select(pairs.c.own, hidden_seizures_sq.c.agency_id, hidden_seizures_sq.c.id)
        .join(Sighting, Sighting.media_id == pairs.c.other)
        .join(hidden_seizures_sq, Sighting.seizure_id == hidden_seizures_sq.c.id)
        .where(~media_condition(viewer, pairs.c.other))
        .distinct()
    )
    hits.update(HiddenHit(m, a, f"seizure:{s}") for m, a, s in linked)
    return sorted(hits)


def grant(
    session: Session,
    record: RecordType,
    record_id: int,
    agency_id: int,
    reason: GrantReason,
    granted_by: str,
    referral_id: int | None = None,
) -> None:
    """Let ``agency_id`` see the record (named by its owner, or by a referral); idempotent."""
    found = session.scalar(
        select(ShareGrant.id).where(
            ShareGrant.record_type == record.value,
            ShareGrant.record_id == record_id,
            ShareGrant.agency_id == agency_id,
            ShareGrant.reason == reason.value,
            ShareGrant.referral_id.is_(None)
            if referral_id is None
            else ShareGrant.referral_id == referral_id,
        )
    )
    if found is None:
        session.add(
            ShareGrant(
                record_type=record.value,
                record_id=record_id,
                agency_id=agency_id,
                reason=reason.value,
                referral_id=referral_id,
                granted_by=granted_by,
            )
        )
        session.flush()

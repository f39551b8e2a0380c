"""Who is asking and what their roles allow: permissions, viewers, the policy's refusals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    select,
)
from sqlalchemy.orm import QueryableAttribute, Session

from vigil.sharing.actor import Actor
from vigil.store.models import (
    Agency,
    AgencyKind,
    Role,
    Scope,
)
from vigil.store.repo import DEFAULT_AGENCY_CODE, default_agency

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

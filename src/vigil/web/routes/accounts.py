"""The caller, agencies and users: who is in the network and what they may do.

Every member may list the agencies and their contacts (that is how a hit notice's "contact
NCB X" is followed up). Adding an agency is the central unit's; changing one, its own admins'
(or the central unit's). Users are administered within the admin's agency, or every agency's
from the central unit (``policy.check_administers``); another agency's users are not found.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from vigil.sharing import accounts, agencies
from vigil.sharing.errors import AccountError
from vigil.sharing.policy import (
    NotVisibleError,
    Permission,
    Viewer,
    check_administers,
    oversees_network,
    permissions_of,
)
from vigil.store.models import Agency, AgencyKind, Role, User
from vigil.web.auth import Principal, end_user_sessions, forget_tokens
from vigil.web.deps import now, reading, writing
from vigil.web.errors import ERROR_RESPONSES
from vigil.web.rules import PathRecord, allow

router = APIRouter(responses=ERROR_RESPONSES)


class AgencyOut(BaseModel):
    """An agency of the network and how to reach it."""

    code: str
    name: str
    kind: AgencyKind
    country: str | None
    contact: str | None


class AgencyIn(BaseModel):
    """A new agency."""

    code: str = Field(max_length=32, examples=["NCB-FR"])
    name: str = Field(max_length=200, examples=["NCB Paris"])
    kind: AgencyKind
    country: str | None = Field(None, max_length=2, examples=["FR"])
    contact: str | None = Field(None, max_length=2000)


class AgencyChange(BaseModel):
    """The fields of an agency to change (absent: unchanged; an empty contact clears it)."""

    name: str | None = Field(None, max_length=200)
    kind: AgencyKind | None = None
    country: str | None = Field(None, max_length=2)
    contact: str | None = Field(None, max_length=2000)


class MeOut(BaseModel):
    """The caller: their user, agency, roles, and what those allow (narrowed by a token)."""

    username: str
    agency: str
    roles: list[Role]
    permissions: list[Permission]
    scopes: list[str] | None
    via: str


class UserOut(BaseModel):
    """A user (never their password)."""

    username: str
    display_name: str
    agency: str
    roles: list[Role]
    active: bool
    last_login_at: str | None


class UserIn(BaseModel):
    """A new user."""

    username: str = Field(max_length=64, examples=["marie.d"])
    display_name: str = Field(max_length=200, examples=["Marie D."])
    roles: list[Role] = Field(min_length=1)
    password: str = Field(max_length=1000)
    agency: str | None = Field(None, max_length=32, description="Default: the admin's agency.")


class UserChange(BaseModel):
    """What to change about a user (absent: unchanged)."""

    roles: list[Role] | None = Field(None, min_length=1)
    active: bool | None = None
    password: str | None = Field(None, max_length=1000)


def agency_out(agency: Agency) -> AgencyOut:
    """An agency as the API shows it."""
    return AgencyOut(
        code=agency.code,
        name=agency.name,
        kind=AgencyKind(agency.kind),
        country=agency.country,
        contact=agency.contact,
    )


def user_out(user: User) -> UserOut:
    """A user as the API shows it."""
    return UserOut(
        username=user.username,
        display_name=user.display_name,
        agency=user.agency.code,
        roles=sorted(accounts.user_roles(user)),
        active=user.active,
        last_login_at=user.last_login_at.isoformat() if user.last_login_at else None,
    )


@router.get("/api/me", tags=["accounts"])
def me(caller: Annotated[Principal, allow()]) -> MeOut:
    """Who the caller is and what they may do."""
    actor = caller.actor
    return MeOut(
        username=caller.username,
        agency=actor.agency,
        roles=sorted(actor.roles),
        permissions=sorted(permissions_of(actor.roles, caller.viewer.agency_kind, caller.scopes)),
        scopes=sorted(scope.value for scope in caller.scopes) if caller.scopes else None,
        via="token" if caller.token_prefix else "session",
    )


@router.get("/api/agencies", tags=["agencies"])
def list_agencies(
    request: Request, caller: Annotated[Principal, allow(Permission.READ)]
) -> list[AgencyOut]:
    """Every agency of the network and its contact."""
    with reading(request) as session:
        return [agency_out(agency) for agency in agencies.list_agencies(session)]


@router.post("/api/agencies", tags=["agencies"], status_code=201)
def create_agency(
    request: Request,
    body: AgencyIn,
    caller: Annotated[Principal, allow(Permission.ADMINISTER, network_wide=True)],
) -> AgencyOut:
    """Add an agency (the central unit's admins)."""
    with writing(request) as session:
        agency = agencies.create_agency(
            session, body.code, body.name, body.kind, body.country, body.contact, caller.actor
        )
        return agency_out(agency)


@router.patch("/api/agencies/{code}", tags=["agencies"])
def update_agency(
    request: Request,
    code: str,
    body: AgencyChange,
    caller: Annotated[Principal, allow(Permission.ADMINISTER, records={"code": PathRecord.AGENCY})],
) -> AgencyOut:
    """Change an agency: its own admins, or the central unit's."""
    with writing(request) as session:
        agency = administered_agency(session, caller.viewer, code)
        changed = agencies.update_agency(
            session,
            agency.code,
            name=body.name,
            kind=body.kind,
            country=body.country,
            contact=body.contact,
            actor=caller.actor,
        )
        return agency_out(changed)


def administered_agency(session: Session, viewer: Viewer, code: str) -> Agency:
    """The agency, when the viewer administers it; 404 for another agency's."""
    agency = agencies.find_agency(session, code)
    check_administers(viewer, agency.id, f"agency {code!r} you administer")
    return agency


def administered_user(session: Session, viewer: Viewer, username: str) -> User:
    """The user, when the viewer administers their agency; 404 alike otherwise."""
    what = f"user {username!r}"
    try:
        user = accounts.find_user(session, username)
    except AccountError:
        raise NotVisibleError(f"no {what}") from None
    check_administers(viewer, user.agency_id, what)
    return user


@router.get("/api/users", tags=["users"])
def list_users(
    request: Request,
    caller: Annotated[Principal, allow(Permission.ADMINISTER)],
    agency: Annotated[
        str | None, Query(max_length=32, description="Only this agency's users.")
    ] = None,
) -> list[UserOut]:
    """The users the caller administers (of ``agency`` when given), by username."""
    with reading(request) as session:
        if agency is not None:
            users = accounts.list_users(
                session, administered_agency(session, caller.viewer, agency)
            )
        elif oversees_network(caller.viewer):
            users = accounts.list_users(session)
        else:
            own = agencies.find_agency(session, caller.actor.agency)
            users = accounts.list_users(session, own)
        return [user_out(user) for user in users]


@router.post("/api/users", tags=["users"], status_code=201)
def create_user(
    request: Request, body: UserIn, caller: Annotated[Principal, allow(Permission.ADMINISTER)]
) -> UserOut:
    """Add a user to an agency the caller administers (their own by default)."""
    with writing(request) as session:
        agency = administered_agency(session, caller.viewer, body.agency or caller.actor.agency)
        user = accounts.create_user(
            session,
            agency,
            body.username,
            body.display_name,
            body.roles,
            body.password,
            caller.actor,
        )
        return user_out(user)


@router.patch("/api/users/{username}", tags=["users"])
def change_user(
    request: Request,
    username: str,
    body: UserChange,
    caller: Annotated[
        Principal, allow(Permission.ADMINISTER, records={"username": PathRecord.USER})
    ],
) -> UserOut:
    """Change a user's roles, active flag or password.

    Deactivating a user or changing their password ends their browser sessions.
    """
    moment = now(request)
    with writing(request) as session:
        user = administered_user(session, caller.viewer, username)
        if body.roles is not None:
            accounts.set_roles(session, user.username, body.roles, caller.actor)
        if body.active is not None:
            accounts.set_active(session, user.username, body.active, caller.actor)
        if body.password is not None:
            accounts.set_password(session, user.username, body.password, caller.actor)
        if body.active is False or body.password is not None:
            end_user_sessions(session, user.id, moment)
        answer = user_out(user)
    # This process stops trusting tokens it verified before the change (others: within
    # VIGIL_TOKEN_CACHE_SECONDS).
    forget_tokens(request)
    return answer

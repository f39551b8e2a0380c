"""The demo's two agencies and their users, with passwords made at that moment.

``make run`` calls this (``vigil demo users``) so that the demo can be logged into: one NCB
and one specialised unit of another country, one user each (analyst and supervisor). The
passwords are random, made when the users are, printed once and stored only as argon2id
hashes: Vigil has no built-in password anywhere, the demo's included.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.sharing.accounts import create_user, set_active, set_password, set_roles
from vigil.sharing.actor import Actor
from vigil.sharing.agencies import create_agency
from vigil.store.models import Agency, AgencyKind, Role, User

#: 18 random bytes: 24 URL-safe characters, well past the password policy's minimum.
PASSWORD_BYTES = 18
DEMO_ROLES = (Role.ANALYST, Role.SUPERVISOR)


@dataclass(frozen=True)
class DemoAgency:
    """A demo agency and the one user it gets."""

    code: str
    name: str
    kind: AgencyKind
    country: str
    contact: str
    username: str


DEMO_AGENCIES = (
    DemoAgency(
        "DEMO-A",
        "Demo NCB (France)",
        AgencyKind.NCB,
        "FR",
        "demo only: ncb-desk@demo-a.invalid",
        "demo-a",
    ),
    DemoAgency(
        "DEMO-B",
        "Demo specialised unit (Brazil)",
        AgencyKind.SPECIALISED_UNIT,
        "BR",
        "demo only: unit-desk@demo-b.invalid",
        "demo-b",
    ),
)


class DemoUsersExistError(Exception):
    """The demo users exist already: their passwords are not known any more."""


@dataclass(frozen=True)
class DemoLogin:
    """A demo user's login, shown once."""

    agency: str
    username: str
    password: str


def _agency(session: Session, demo: DemoAgency, actor: Actor) -> Agency:
    found = session.scalar(select(Agency).where(Agency.code == demo.code))
    if found is not None:
        return found
    return create_agency(
        session, demo.code, demo.name, demo.kind, demo.country, demo.contact, actor
    )


def create_demo_users(session: Session, actor: Actor, reset: bool = False) -> list[DemoLogin]:
    """Create the demo agencies (when missing) and their users with new random passwords.

    DemoUsersExistError when a demo user exists, unless ``reset``: then each gets a new
    password, the demo roles and is active again.
    """
    existing = list(
        session.scalars(
            select(User.username).where(User.username.in_([d.username for d in DEMO_AGENCIES]))
        )
    )
    if existing and not reset:
        raise DemoUsersExistError(
            f"demo users already exist ({', '.join(sorted(existing))}); their passwords were "
            "shown when they were made: --reset gives them new ones"
        )
    logins = []
    for demo in DEMO_AGENCIES:
        agency = _agency(session, demo, actor)
        password = secrets.token_urlsafe(PASSWORD_BYTES)
        if demo.username in existing:
            set_password(session, demo.username, password, actor)
            set_roles(session, demo.username, DEMO_ROLES, actor)
            set_active(session, demo.username, True, actor)
        else:
            create_user(
                session,
                agency,
                demo.username,
                f"Demo user of {demo.code}",
                DEMO_ROLES,
                password,
                actor,
            )
        logins.append(DemoLogin(demo.code, demo.username, password))
    return logins

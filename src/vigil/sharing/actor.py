"""Who is acting: a user name and the code of the agency the user acts for."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass

from vigil.store.models import Role, Scope
from vigil.store.repo import DEFAULT_AGENCY_CODE

#: Names the person at the terminal (`--by` of `vigil match review` reads it too).
USER_ENV = "VIGIL_USER"

#: The person at the terminal can open the database itself: the CLI acts with every role
#: (for the agency it is told to act for), and the audit trail says who it was.
TERMINAL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class Actor:
    """The user and agency an act is done by and recorded under, with the user's roles.

    ``scopes`` narrows what an API token may do; None for a login or the terminal.
    What the roles allow is decided by ``vigil.sharing.policy``.
    """

    user: str
    agency: str = DEFAULT_AGENCY_CODE
    roles: frozenset[Role] = TERMINAL_ROLES
    scopes: frozenset[Scope] | None = None


def login_name() -> str:
    """``$VIGIL_USER``, else the operating system's login name, else the numeric user id.

    A container may run under a uid without a passwd entry: the audit trail still says who.
    """
    named = os.environ.get(USER_ENV, "").strip()
    if named:
        return named
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


def local_actor(agency: str = DEFAULT_AGENCY_CODE) -> Actor:
    """The person at this terminal (see :func:`login_name`), acting for ``agency``."""
    return Actor(login_name(), agency)

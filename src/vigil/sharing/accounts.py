"""Users: who they are, which agency they act for, their roles, and logging in."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.sharing import throttle
from vigil.sharing.actor import Actor, local_actor
from vigil.sharing.audit import Action, Details, record
from vigil.sharing.clock import as_utc
from vigil.sharing.errors import AccountError, AuthenticationError, parse_choices
from vigil.sharing.passwords import (
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_password,
)
from vigil.store.models import Agency, Role, User

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
DISPLAY_NAME_MAX = 200
# One message for an unknown user, a wrong password and an inactive user: a caller must not
# learn which names exist by trying them.
LOGIN_FAILED = "login failed: wrong username or password (or the account is inactive)"
# The agency recorded for a failed login under a name that is nobody's.
NO_AGENCY = "-"


def user_object(username: str) -> str:
    """How audit events name a user: ``user:NAME``."""
    return f"user:{username}"


def parse_username(value: str) -> str:
    """A username as stored: lower case, 2-64 letters, digits, ``.``, ``_`` or ``-``."""
    username = value.strip().lower()
    if not _USERNAME.fullmatch(username):
        raise AccountError(
            f"username: {value!r} is not a username "
            "(2-64 letters, digits, . _ -, starting with a letter or digit)"
        )
    return username


def parse_roles(values: Iterable[str]) -> list[Role]:
    """Roles by name, sorted and without repeats; at least one."""
    return parse_choices(
        Role, values, "role", "give at least one (deactivate a user to take all access away)"
    )


def user_roles(user: User) -> frozenset[Role]:
    """The roles a user holds."""
    return frozenset(Role(role) for role in user.roles)


def _clean_display_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise AccountError("display name: empty; give the person's name")
    if len(name) > DISPLAY_NAME_MAX:
        raise AccountError(
            f"display name: {len(name)} characters, at most {DISPLAY_NAME_MAX} allowed"
        )
    return name


def find_user(session: Session, username: str) -> User:
    """The user with this username, or an AccountError."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise AccountError(f"user: no user {username!r} (vigil user list shows them)")
    return user


def list_users(session: Session, agency: Agency | None = None) -> list[User]:
    """Every user (of ``agency`` when given), by username."""
    query = select(User).order_by(User.username)
    if agency is not None:
        query = query.where(User.agency_id == agency.id)
    return list(session.scalars(query))


def create_user(
    session: Session,
    agency: Agency,
    username: str,
    display_name: str,
    roles: Iterable[Role],
    password: str,
    actor: Actor | None = None,
) -> User:
    """Add an active user of ``agency`` with this password (which must meet the policy).

    Changes to users are recorded in the audit trail as done by ``actor`` (default: the
    person at the terminal); never the password.
    """
    username = parse_username(username)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"username: {username!r} is taken; choose another")
    chosen = parse_roles(roles)
    check_password_policy(password, username)
    user = User(
        agency_id=agency.id,
        username=username,
        display_name=_clean_display_name(display_name),
        roles=[role.value for role in chosen],
        password_hash=hash_password(password),
        active=True,
    )
    session.add(user)
    session.flush()
    details = {"agency": agency.code, "display_name": user.display_name, "roles": user.roles}
    record(session, Action.USER_CREATE, user_object(username), details, actor or local_actor())
    return user


def _changed(session: Session, user: User, details: Details, actor: Actor | None) -> User:
    session.flush()
    record(session, Action.USER_CHANGE, user_object(user.username), details, actor or local_actor())
    return user


def set_roles(
    session: Session, username: str, roles: Iterable[Role], actor: Actor | None = None
) -> User:
    """Replace a user's roles."""
    user = find_user(session, username)
    user.roles = [role.value for role in parse_roles(roles)]
    return _changed(session, user, {"roles": user.roles}, actor)


def set_active(session: Session, username: str, active: bool, actor: Actor | None = None) -> User:
    """Let a user log in and use their tokens again, or stop them from doing either."""
    user = find_user(session, username)
    user.active = active
    return _changed(session, user, {"active": active}, actor)


def set_password(
    session: Session, username: str, password: str, actor: Actor | None = None
) -> User:
    """Give a user a new password (which must meet the policy)."""
    user = find_user(session, username)
    check_password_policy(password, user.username)
    user.password_hash = hash_password(password)
    return _changed(session, user, {"password": "changed"}, actor)


def _record_refusal(
    session: Session, name: str, user: User | None, address: str, now: datetime, reason: str
) -> None:
    """Record a refused login in the audit trail and commit it (with the throttle's record).

    The trail, read by auditors only, keeps the reason the caller is never told.
    """
    actor = Actor(name, user.agency.code if user is not None else NO_AGENCY)
    details = {"address": address[: throttle.KEY_MAX], "reason": reason}
    record(session, Action.LOGIN_FAILED, user_object(name), details, actor, at=now)
    session.commit()


def authenticate(
    session: Session, username: str, password: str, address: str, now: datetime
) -> User:
    """The user whose username and password these are, or an AuthenticationError.

    ``address`` is where the attempt comes from (the client's IP address, or e.g.
    ``cli:LOGIN`` on a terminal). While the username or the address is locked out the
    password is not even checked. A refused attempt is recorded (for the throttle and in
    the audit trail) and committed, with whatever the session held before, before the error
    is raised, so that a caller rolling back on the error does not erase it. On success the
    account's failures are forgotten, the login time is kept and audited, and a hash made
    with older argon2 parameters is replaced.
    """
    now = as_utc(now)
    name = username.strip().lower()[: throttle.KEY_MAX]
    until = throttle.locked_until(session, username, address, now)
    if until is not None:
        _record_refusal(session, name, None, address, now, "locked out")
        raise AuthenticationError(
            "login refused: too many failed attempts for this account or from this address; "
            f"try again after {until:%Y-%m-%d %H:%M} UTC"
        )
    user = session.scalar(select(User).where(User.username == name))
    # The password is checked even for an unknown user, against a decoy, so that the time
    # taken does not tell the two apart either.
    matches = verify_password(user.password_hash if user else None, password)
    if user is None or not matches or not user.active:
        reason = "unknown user" if user is None else "inactive" if matches else "wrong password"
        throttle.record_failure(session, username, address, now)
        _record_refusal(session, name, user, address, now, reason)
        raise AuthenticationError(LOGIN_FAILED)
    throttle.clear_account(session, user.username)
    user.last_login_at = now
    if user.password_hash is not None and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.flush()
    details = {"address": address[: throttle.KEY_MAX]}
    actor = Actor(user.username, user.agency.code)
    record(session, Action.LOGIN, user_object(user.username), details, actor, at=now)
    return user

"""API tokens: secrets that programs present instead of a password.

A token reads ``vigil_<prefix>_<secret>``: the prefix is public (it names the token in
listings and finds its row), the secret has 256 bits from ``secrets``. Only the SHA-256 of
the whole token is stored, and the token is shown once, when it is made: a leaked database
does not leak working tokens. A slow hash (argon2) would add nothing for a secret this long
and would cost every API request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.sharing.actor import Actor, local_actor
from vigil.sharing.audit import Action, record
from vigil.sharing.clock import as_utc
from vigil.sharing.errors import AccountError, TokenError, parse_choices
from vigil.store.models import ApiToken, Scope, User

TOKEN_TAG = "vigil"
_TOKEN = re.compile(rf"{TOKEN_TAG}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})")
_PREFIX = re.compile(rf"(?:{TOKEN_TAG}_)?([0-9a-f]{{12}})(?:_.*)?")
DEFAULT_LIFETIME = timedelta(days=90)
LONGEST_LIFETIME = timedelta(days=366)
NAME_MAX = 200
# Recording every use would write on every API request; to the minute is enough to tell
# a token in use from a forgotten one.
LAST_USED_RESOLUTION = timedelta(minutes=1)
TOKEN_REFUSED = "token refused: unknown, expired, revoked, or its user is inactive"


class TokenStatus(StrEnum):
    """Whether a token can be used now."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class IssuedToken:
    """A token just made, with its secret: the only time the secret exists in the clear."""

    token: ApiToken
    secret: str


@dataclass(frozen=True)
class TokenGrant:
    """What a presented token allows: whose it is and its scopes."""

    user: User
    scopes: frozenset[Scope]
    token: ApiToken


def token_object(prefix: str) -> str:
    """How audit events name a token: ``token:PREFIX`` (never its secret)."""
    return f"token:{prefix}"


def _digest(presented: str) -> str:
    return hashlib.sha256(presented.encode()).hexdigest()


def parse_scopes(values: Iterable[str]) -> list[Scope]:
    """Scopes by name, sorted and without repeats; at least one."""
    return parse_choices(Scope, values, "scope", "give at least one")


def token_status(token: ApiToken, now: datetime) -> TokenStatus:
    """Whether ``token`` is active, expired or revoked at ``now``."""
    if token.revoked_at is not None:
        return TokenStatus.REVOKED
    if as_utc(token.expires_at) <= as_utc(now):
        return TokenStatus.EXPIRED
    return TokenStatus.ACTIVE


def create_token(
    session: Session,
    user: User,
    name: str,
    scopes: Iterable[Scope],
    now: datetime,
    lifetime: timedelta = DEFAULT_LIFETIME,
    actor: Actor | None = None,
) -> IssuedToken:
    """Make a token for an active ``user``, valid for ``lifetime`` from ``now``.

    Recorded in the audit trail (never the secret) as done by ``actor`` (default: the
    person at the terminal).
    """
    label = name.strip()
    if not label or len(label) > NAME_MAX:
        raise AccountError(f"name: give the token a name of 1-{NAME_MAX} characters")
    if not timedelta(0) < lifetime <= LONGEST_LIFETIME:
        raise AccountError(
            f"lifetime: {lifetime.days} days; a token lives 1-{LONGEST_LIFETIME.days} days"
        )
    if not user.active:
        raise AccountError(f"user: {user.username} is inactive; activate them first")
    chosen = parse_scopes(scopes)
    now = as_utc(now)
    prefix = secrets.token_hex(6)
    while session.scalar(select(ApiToken.id).where(ApiToken.prefix == prefix)) is not None:
        prefix = secrets.token_hex(6)
    presented = f"{TOKEN_TAG}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user_id=user.id,
        prefix=prefix,
        secret_sha256=_digest(presented),
        name=label,
        scopes=[scope.value for scope in chosen],
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(token)
    session.flush()
    details = {
        "user": user.username,
        "name": label,
        "scopes": token.scopes,
        "expires_at": token.expires_at.isoformat(),
    }
    record(session, Action.TOKEN_CREATE, token_object(prefix), details, actor or local_actor())
    return IssuedToken(token=token, secret=presented)


def list_tokens(session: Session, user: User | None = None) -> list[ApiToken]:
    """Every token (of ``user`` when given), newest first."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.scalars(query))


def find_token(session: Session, prefix: str) -> ApiToken:
    """The token with this public prefix (or this whole token), or an AccountError."""
    found = _PREFIX.fullmatch(prefix.strip())
    token = (
        session.scalar(select(ApiToken).where(ApiToken.prefix == found.group(1))) if found else None
    )
    if token is None:
        raise AccountError(f"token: no token {prefix!r} (vigil token list shows the prefixes)")
    return token


def revoke_token(
    session: Session, prefix: str, now: datetime, actor: Actor | None = None
) -> ApiToken:
    """Revoke the token with this prefix for good; revoking it again changes nothing."""
    token = find_token(session, prefix)
    if token.revoked_at is None:
        token.revoked_at = as_utc(now)
        session.flush()
        details = {"user": token.user.username, "name": token.name}
        record(
            session,
            Action.TOKEN_REVOKE,
            token_object(token.prefix),
            details,
            actor or local_actor(),
        )
    return token


def verify_token(session: Session, presented: str, now: datetime) -> TokenGrant:
    """What the token ``presented`` allows, or a TokenError (one message for every reason)."""
    now = as_utc(now)
    parsed = _TOKEN.fullmatch(presented.strip())
    token = (
        session.scalar(select(ApiToken).where(ApiToken.prefix == parsed.group(1)))
        if parsed
        else None
    )
    if (
        token is None
        or not hmac.compare_digest(token.secret_sha256, _digest(presented.strip()))
        or token_status(token, now) is not TokenStatus.ACTIVE
        or not token.user.active
    ):
        raise TokenError(TOKEN_REFUSED)
    if token.last_used_at is None or now - as_utc(token.last_used_at) >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        session.flush()
    return TokenGrant(
        user=token.user, scopes=frozenset(Scope(scope) for scope in token.scopes), token=token
    )

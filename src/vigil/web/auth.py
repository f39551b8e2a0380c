"""Who is calling: a browser session (cookie) or an API token, and the CSRF guard.

A browser session is a row of ``web_session``: the cookie holds a random secret, the row its
SHA-256 (a leaked database does not leak live sessions). It ends at a fixed time after login
and after a spell of idleness (:class:`vigil.web.config.WebConfig`), on logout, and as soon as
its user is found inactive. Every state-changing request made with the cookie carries the
session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``); a request made
with an API token (``Authorization: Bearer vigil_...``) needs none, as no browser sends it on
its own.

No server secret is needed: session secrets and CSRF tokens are random and kept on the
server.

A verified API token is remembered for a few seconds (:class:`TokenCache`,
``VIGIL_TOKEN_CACHE_SECONDS``, 5 by default, 0 for none), so that a program asking many
times a second does not cost three database reads a request. The price: a token revoked, or
a user deactivated or given other roles, keeps working in a process that verified it for up
to that many seconds (in each worker process). A token's own expiry is checked on every
request, and a refused token is never remembered.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from fastapi import Request, Response
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from vigil.sharing.accounts import user_object, user_roles
from vigil.sharing.actor import Actor
from vigil.sharing.audit import Action, record
from vigil.sharing.clock import as_utc
from vigil.sharing.errors import TokenError
from vigil.sharing.policy import Viewer, resolve
from vigil.sharing.tokens import verify_token
from vigil.store.db import Store
from vigil.store.models import Scope, User, WebSession
from vigil.web.config import ConfigError, WebConfig
from vigil.web.errors import ApiError, UnauthenticatedError

SESSION_COOKIE = "vigil_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Recording every request would write on each one; to the minute is enough for idleness.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
_ADDRESS_MAX = 64
TOKEN_CACHE_ENV = "VIGIL_TOKEN_CACHE_SECONDS"
DEFAULT_TOKEN_CACHE_SECONDS = 5.0
# More tokens than this remembered at once and the cache starts again (a flood of valid
# tokens is unlikely; memory must stay bounded all the same).
_TOKEN_CACHE_MAX = 10_000

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Principal:
    """The caller of a route: a user, as a policy viewer, and how they came in."""

    viewer: Viewer
    user_id: int
    username: str
    #: The token's scopes; None for a browser session.
    scopes: frozenset[Scope] | None = None
    #: The browser session's id and CSRF token, when logged in by cookie.
    session_id: int | None = None
    csrf_token: str | None = None
    #: The token's public prefix, when called with a token.
    token_prefix: str | None = None

    @property
    def actor(self) -> Actor:
        """The actor the domain functions record acts under."""
        return self.viewer.actor


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenCache:
    """API tokens verified in the last ``seconds``, by the SHA-256 of the token, with whom
    they let in.

    ``clock`` (monotonic seconds) times the entries; the token's own expiry is compared with
    the request's time on every hit. ``seconds`` 0 remembers nothing.
    """

    def __init__(
        self,
        seconds: float = DEFAULT_TOKEN_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if seconds < 0:
            raise ValueError(f"seconds: {seconds!r} must be 0 or more")
        self.seconds = seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[bytes, tuple[Principal, float, datetime]] = {}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TokenCache:
        """A cache remembering tokens for ``VIGIL_TOKEN_CACHE_SECONDS`` (default 5)."""
        env = os.environ if environ is None else environ
        text = env.get(TOKEN_CACHE_ENV, "").strip()
        if not text:
            return cls()
        try:
            seconds = float(text)
        except ValueError:
            raise ConfigError(f"{TOKEN_CACHE_ENV}: {text!r} is not a number") from None
        if not 0 <= seconds <= 3600:
            raise ConfigError(f"{TOKEN_CACHE_ENV}: {text!r} must be 0-3600 seconds")
        return cls(seconds)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, presented: str, now: datetime) -> Principal | None:
        """Whom ``presented`` let in, if verified less than ``seconds`` ago and not expired
        at ``now``; None otherwise (verify it again)."""
        if not self.seconds:
            return None
        key = hashlib.sha256(presented.encode()).digest()
        entry = self._entries.get(key)
        if entry is None:
            return None
        principal, until, expires_at = entry
        if self._clock() >= until or as_utc(now) >= expires_at:
            with self._lock:
                self._entries.pop(key, None)
            return None
        return principal

    def clear(self) -> None:
        """Forget every token (a token was revoked or a user changed: verify afresh).

        Tokens are keyed by their hash, not their owner, so everything is dropped: the next
        request of each token costs one database read again.
        """
        with self._lock:
            self._entries = {}

    def put(self, presented: str, principal: Principal, expires_at: datetime) -> None:
        """Remember that ``presented`` (valid until ``expires_at``) lets ``principal`` in."""
        if not self.seconds:
            return
        key = hashlib.sha256(presented.encode()).digest()
        now = self._clock()
        with self._lock:
            if len(self._entries) >= _TOKEN_CACHE_MAX:
                self._entries = {k: e for k, e in self._entries.items() if e[1] > now}
                if len(self._entries) >= _TOKEN_CACHE_MAX:
                    self._entries = {}
            self._entries[key] = (principal, now + self.seconds, as_utc(expires_at))


def client_address(request: Request) -> str:
    """The caller's IP address, as the throttle and the audit trail keep it."""
    return (request.client.host if request.client else "unknown")[:_ADDRESS_MAX]


def start_session(
    session: Session, user: User, address: str, now: datetime, config: WebConfig
) -> tuple[str, WebSession]:
    """Open a browser session for ``user``: the cookie's value (shown once) and the row."""
    now = as_utc(now)
    secret = secrets.token_urlsafe(32)
    row = WebSession(
        secret_sha256=_digest(secret),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        address=address[:_ADDRESS_MAX],
        created_at=now,
        last_seen_at=now,
        expires_at=now + config.session_lifetime,
    )
    session.add(row)
    session.flush()
    return secret, row


def find_session(
    session: Session, secret: str, now: datetime, config: WebConfig
) -> tuple[WebSession, User] | None:
    """The live session whose cookie holds ``secret``, with its user; None otherwise.

    A session found expired, idle too long or of an inactive user is ended on the spot.
    """
    now = as_utc(now)
    row = session.scalar(select(WebSession).where(WebSession.secret_sha256 == _digest(secret)))
    if row is None or row.ended_at is not None:
        return None
    user = session.get(User, row.user_id)
    if (
        user is None
        or not user.active
        or as_utc(row.expires_at) <= now
        or as_utc(row.last_seen_at) + config.session_idle <= now
    ):
        row.ended_at = now
        session.flush()
        return None
    if now - as_utc(row.last_seen_at) >= LAST_SEEN_RESOLUTION:
        row.last_seen_at = now
        session.flush()
    return row, user


def end_session(session: Session, session_id: int, now: datetime) -> None:
    """End one browser session (its cookie is refused from now on)."""
    session.execute(
        update(WebSession)
        .where(WebSession.id == session_id, WebSession.ended_at.is_(None))
        .values(ended_at=as_utc(now))
    )


def end_user_sessions(session: Session, user_id: int, now: datetime) -> None:
    """End every browser session of a user (when deactivated, or their password changed)."""
    session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=as_utc(now))
    )


def principal_of(
    session: Session,
    user: User,
    scopes: frozenset[Scope] | None = None,
    session_row: WebSession | None = None,
    token_prefix: str | None = None,
) -> Principal:
    """The principal ``user`` is, narrowed to ``scopes`` for a token."""
    actor = Actor(user.username, user.agency.code, user_roles(user), scopes)
    return Principal(
        viewer=resolve(session, actor),
        user_id=user.id,
        username=user.username,
        scopes=scopes,
        session_id=session_row.id if session_row else None,
        csrf_token=session_row.csrf_token if session_row else None,
        token_prefix=token_prefix,
    )


def _bearer(request: Request) -> str | None:
    """The API token the request presents; None without one, 401 for another scheme."""
    authorization = request.headers.get("authorization")
    if not authorization:
        return None
    scheme, _, presented = authorization.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise UnauthenticatedError("authorization: expected 'Bearer vigil_...' (an API token)")
    return presented.strip()


def token_cache_of(request: Request) -> TokenCache | None:
    """The app's cache of verified API tokens (None for an app made without one)."""
    cache: TokenCache | None = getattr(request.app.state, "token_cache", None)
    return cache


def forget_tokens(request: Request) -> None:
    """Make this process verify every API token afresh (one was revoked, a user changed)."""
    cache = token_cache_of(request)
    if cache is not None:
        cache.clear()


def _identify(store: Store, config: WebConfig, now: datetime, request: Request) -> Principal | None:
    presented = _bearer(request)
    if presented is not None:
        cache = token_cache_of(request)
        if cache is not None:
            remembered = cache.get(presented, now)
            if remembered is not None:
                return remembered
        with store.session() as session:
            try:
                grant = verify_token(session, presented, now)
            except TokenError as exc:
                raise UnauthenticatedError(str(exc)) from None
            principal = principal_of(session, grant.user, grant.scopes, None, grant.token.prefix)
            expires_at = grant.token.expires_at
        if cache is not None:
            cache.put(presented, principal, expires_at)
        return principal
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    with store.session() as session:
        found = find_session(session, secret, now, config)
        if found is None:
            return None
        row, user = found
        return principal_of(session, user, None, row)


def identify(request: Request) -> Principal | None:
    """The caller of ``request`` (computed once per request); None when not logged in.

    UnauthenticatedError for a token that is refused: a bad token never falls back to a cookie.
    """
    if "principal" not in request.scope.setdefault("state", {}):
        state = request.app.state
        principal = _identify(state.store, state.config, state.clock(), request)
        request.scope["state"]["principal"] = principal
    found: Principal | None = request.scope["state"]["principal"]
    return found


async def identify_async(request: Request) -> Principal | None:
    """:func:`identify`, off the event loop when it reads the database (a token verified
    lately is answered from the :class:`TokenCache`, on the loop)."""
    state = request.scope.setdefault("state", {})
    if "principal" not in state:
        cache = token_cache_of(request)
        presented = _bearer(request) if cache is not None else None
        if cache is not None and presented is not None:
            remembered = cache.get(presented, request.app.state.clock())
            if remembered is not None:
                state["principal"] = remembered
                return remembered
    return await run_in_threadpool(identify, request)


def require_same_origin(request: Request) -> None:
    """403 for a state-changing browser request sent from another site's page.

    Browsers say where a request comes from: ``Sec-Fetch-Site`` (``same-origin``, or
    ``none`` when typed by the user), else the ``Origin`` of the page (``null`` under this
    app's no-referrer policy, so only another site's origin is refused by it). A program
    that sends neither is let through (a cookie session still needs its CSRF token). This
    also stops a login form on another site from logging the victim into the attacker's
    account.
    """
    if request.method in SAFE_METHODS:
        return
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site.lower() not in {"same-origin", "none"}:
            raise ApiError(403, f"origin: a {site[:20]} request", "origin", code="csrf")
        return
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return
    if urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower():
        raise ApiError(403, f"origin: {origin[:100]!r} is another site", "origin", code="csrf")


async def require_csrf(request: Request, principal: Principal) -> None:
    """403 unless a state-changing request of a browser session carries its CSRF token."""
    if request.method in SAFE_METHODS or principal.csrf_token is None:
        return
    presented = request.headers.get(CSRF_HEADER)
    if presented is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    if presented is None or not hmac.compare_digest(
        presented.encode(), principal.csrf_token.encode()
    ):
        raise ApiError(
            403,
            f"{CSRF_FIELD}: missing or wrong; reload the page and try again",
            CSRF_FIELD,
            code="csrf",
        )


def set_session_cookie(response: Response, secret: str, config: WebConfig) -> None:
    """Give the browser its session cookie: HttpOnly, SameSite=Strict, Secure, Path=/.

    Secure holds on plain http too: browsers treat 127.0.0.1 and localhost as secure
    contexts, and anywhere else Vigil belongs behind TLS.
    """
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(config.session_lifetime.total_seconds()),
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response) -> None:
    """Tell the browser to forget its session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")


def record_logout(session: Session, principal: Principal, now: datetime) -> None:
    """End the caller's browser session and record the logout."""
    if principal.session_id is not None:
        end_session(session, principal.session_id, now)
    record(session, Action.LOGOUT, user_object(principal.username), {}, principal.actor, at=now)

"""API tokens: a user makes their own (shown once), lists and revokes them; an admin revokes
those of the users they administer."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from vigil.sharing import tokens
from vigil.sharing.errors import AccountError
from vigil.sharing.policy import NotVisibleError, Permission, Viewer, check_administers
from vigil.store.models import ApiToken, Scope, User
from vigil.web.auth import Principal, forget_tokens
from vigil.web.deps import now, reading, writing
from vigil.web.errors import ERROR_RESPONSES
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["tokens"], responses=ERROR_RESPONSES)


class TokenOut(BaseModel):
    """A token as listed: its public prefix, never its secret."""

    prefix: str
    name: str
    user: str
    scopes: list[Scope]
    status: tokens.TokenStatus
    created_at: str
    expires_at: str
    last_used_at: str | None


class TokenIn(BaseModel):
    """A new token for the caller."""

    name: str = Field(max_length=200, examples=["nightly export"])
    scopes: list[Scope] = Field(min_length=1)
    lifetime_days: int = Field(tokens.DEFAULT_LIFETIME.days, ge=1, le=tokens.LONGEST_LIFETIME.days)


class IssuedTokenOut(TokenOut):
    """A token just made, with its secret: shown this once, never again."""

    token: str


def token_out(token: ApiToken, request: Request) -> TokenOut:
    """A token as the API lists it."""
    return TokenOut(
        prefix=token.prefix,
        name=token.name,
        user=token.user.username,
        scopes=[Scope(scope) for scope in token.scopes],
        status=tokens.token_status(token, now(request)),
        created_at=token.created_at.isoformat(),
        expires_at=token.expires_at.isoformat(),
        last_used_at=token.last_used_at.isoformat() if token.last_used_at else None,
    )


def caller_user(session: Session, caller: Principal) -> User:
    """The caller's own user."""
    user = session.get(User, caller.user_id)
    if user is None:
        raise NotVisibleError("no such user")
    return user


@router.get("/api/tokens")
def list_tokens(request: Request, caller: Annotated[Principal, allow()]) -> list[TokenOut]:
    """The caller's own tokens, newest first."""
    with reading(request) as session:
        user = caller_user(session, caller)
        return [token_out(token, request) for token in tokens.list_tokens(session, user)]


@router.post("/api/tokens", status_code=201)
def create_token(
    request: Request, body: TokenIn, caller: Annotated[Principal, allow(scopes=())]
) -> IssuedTokenOut:
    """Make a token for the caller (from a browser session only: a token makes no tokens)."""
    with writing(request) as session:
        issued = tokens.create_token(
            session,
            caller_user(session, caller),
            body.name,
            body.scopes,
            now(request),
            timedelta(days=body.lifetime_days),
            caller.actor,
        )
        listed = token_out(issued.token, request)
        return IssuedTokenOut(**listed.model_dump(), token=issued.secret)


def revocable(session: Session, viewer: Viewer, caller: Principal, prefix: str) -> ApiToken:
    """The token, when it is the caller's or the caller administers its user; 404 otherwise."""
    what = f"token {prefix!r}"
    try:
        token = tokens.find_token(session, prefix.lower())
    except AccountError:
        raise NotVisibleError(f"no {what}") from None
    if token.user_id != caller.user_id:
        if not viewer.can(Permission.ADMINISTER):
            raise NotVisibleError(f"no {what}")
        check_administers(viewer, token.user.agency_id, what)
    return token


@router.delete("/api/tokens/{prefix}")
def revoke_token(
    request: Request,
    prefix: str,
    caller: Annotated[Principal, allow(records={"prefix": PathRecord.TOKEN})],
) -> TokenOut:
    """Revoke a token: one's own, or (ADMINISTER) one of a user the caller administers."""
    with writing(request) as session:
        token = revocable(session, caller.viewer, caller, prefix)
        revoked = tokens.revoke_token(session, token.prefix, now(request), caller.actor)
        answer = token_out(revoked, request)
    # This process stops accepting it at once (others: within VIGIL_TOKEN_CACHE_SECONDS).
    forget_tokens(request)
    return answer

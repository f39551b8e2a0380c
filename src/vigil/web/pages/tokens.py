"""Pages: API tokens — every user's own (listed, made with scopes and a lifetime, revoked);
an admin revokes those of the users they administer from the user's page.

A new token's secret is shown once, on the page that answers the form, and never again (the
store keeps only its hash). The rules are the API's (``vigil.web.routes.tokens``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vigil.sharing import tokens
from vigil.sharing.errors import AccountError
from vigil.store.models import Scope
from vigil.web.auth import Principal, forget_tokens
from vigil.web.deps import now, reading, writing
from vigil.web.pages.form_errors import field_error
from vigil.web.pages.render import back_to, render
from vigil.web.routes.tokens import caller_user, revocable, token_out
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["pages"], include_in_schema=False)

_SECTION = "tokens"
# A page showing a secret is kept by no cache and no history.
_NO_STORE = {"Cache-Control": "no-store"}


def _tokens_page(
    request: Request,
    caller: Principal,
    values: Mapping[str, object] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    with reading(request) as session:
        user = caller_user(session, caller)
        listed = [token_out(token, request) for token in tokens.list_tokens(session, user)]
    context = {
        "tokens": listed,
        "scopes": list(Scope),
        "default_days": tokens.DEFAULT_LIFETIME.days,
        "longest_days": tokens.LONGEST_LIFETIME.days,
        "values": values or {"name": "", "scopes": [], "lifetime_days": ""},
        "errors": errors or {},
    }
    status = 422 if errors else 200
    return render(
        request, caller, "pages/admin/tokens.html", context, section=_SECTION, status=status
    )


@router.get("/tokens")
def tokens_page(request: Request, caller: Annotated[Principal, allow(scopes=())]) -> HTMLResponse:
    """The caller's own tokens, newest first, and the form to make one."""
    return _tokens_page(request, caller)


def _lifetime(text: str) -> timedelta:
    """The lifetime the form asks for, in days (the default when left empty)."""
    days = text.strip()
    if not days:
        return tokens.DEFAULT_LIFETIME
    if not days.isdecimal() or len(days) > 4:
        raise AccountError(f"lifetime: {text!r} is not a number of days")
    return timedelta(days=int(days))


@router.post("/tokens")
def make_token(
    request: Request,
    caller: Annotated[Principal, allow(scopes=())],
    name: Annotated[str, Form(max_length=400)] = "",
    scopes: Annotated[list[str] | None, Form(max_length=10)] = None,
    lifetime_days: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Make a token for the caller and show its secret, this once."""
    chosen = scopes or []
    values = {"name": name, "scopes": chosen, "lifetime_days": lifetime_days}
    try:
        with writing(request) as session:
            issued = tokens.create_token(
                session,
                caller_user(session, caller),
                name,
                tokens.parse_scopes(chosen),
                now(request),
                _lifetime(lifetime_days),
                caller.actor,
            )
            made = token_out(issued.token, request)
            secret = issued.secret
    except AccountError as exc:
        return _tokens_page(request, caller, values, field_error(exc, "name"))
    context = {"token": made, "secret": secret}
    return render(
        request, caller, "pages/admin/token_made.html", context, section=_SECTION, headers=_NO_STORE
    )


@router.post("/tokens/{prefix}/revoke")
def revoke(
    request: Request,
    prefix: str,
    caller: Annotated[Principal, allow(scopes=(), records={"prefix": PathRecord.TOKEN})],
) -> RedirectResponse:
    """Revoke a token: one's own, or (ADMINISTER) one of a user the caller administers; back
    to the page it was listed on."""
    with writing(request) as session:
        token = revocable(session, caller.viewer, caller, prefix)
        tokens.revoke_token(session, token.prefix, now(request), caller.actor)
        own = token.user_id == caller.user_id
        owner = token.user.username
    forget_tokens(request)
    return back_to("/tokens" if own else f"/admin/users/{owner}")

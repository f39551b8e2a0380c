"""Logging in and out of the investigators' pages (the pages themselves: vigil.web.pages)."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vigil import __version__
from vigil.sharing import throttle
from vigil.sharing.accounts import authenticate
from vigil.sharing.errors import AuthenticationError
from vigil.web.auth import (
    Principal,
    clear_session_cookie,
    client_address,
    end_session,
    record_logout,
    set_session_cookie,
    start_session,
)
from vigil.web.deps import config_of, now, reading, writing
from vigil.web.rules import allow, public
from vigil.web.templating import TEMPLATES

router = APIRouter(tags=["pages"])


def _login_page(
    request: Request, error: str | None = None, status: int = 200, retry_after: int | None = None
) -> HTMLResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return TEMPLATES.TemplateResponse(
        request,
        "login.html",
        {"error": error, "version": __version__},
        status_code=status,
        headers=headers,
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, caller: Annotated[Principal | None, public()]) -> HTMLResponse:
    """The login form."""
    return _login_page(request)


@router.post("/login", response_class=HTMLResponse, status_code=303)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    caller: Annotated[Principal | None, public()],
) -> Response:
    """Log in: a session cookie and on to the dashboard; the form again when refused.

    401 for a wrong name or password (one message for both); 429 with Retry-After while the
    account or the address is locked out after too many failures.
    """
    moment = now(request)
    address = client_address(request)
    config = config_of(request)
    try:
        with writing(request) as session:
            user = authenticate(session, username, password, address, moment)
            # A new login is a new session: one the browser held before is ended.
            if caller is not None and caller.session_id is not None:
                end_session(session, caller.session_id, moment)
            secret, _ = start_session(session, user, address, moment, config)
    except AuthenticationError as exc:
        with reading(request) as session:
            until = throttle.locked_until(session, username, address, moment)
        if until is None:
            return _login_page(request, str(exc), 401)
        wait = max(1, math.ceil((until - moment).total_seconds()))
        return _login_page(request, str(exc), 429, retry_after=wait)
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, secret, config)
    return response


@router.post("/logout", status_code=303)
def logout(request: Request, caller: Annotated[Principal, allow(scopes=())]) -> Response:
    """End the browser session (on the server, not only in the browser)."""
    with writing(request) as session:
        record_logout(session, caller, now(request))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response

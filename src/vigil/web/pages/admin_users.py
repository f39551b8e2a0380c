"""Pages: administration of users — those of the admin's agency (every agency's for the
central unit): adding one with roles and an initial password, changing roles, deactivating
and reactivating, a new password, and the user's API tokens to revoke.

The rules are the API's (``vigil.web.routes.accounts``): the same domain functions, the same
check of who administers whom; another agency's user answers as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vigil.sharing import accounts, agencies, tokens
from vigil.sharing.errors import AccountError
from vigil.sharing.policy import Permission, oversees_network
from vigil.store.models import Role
from vigil.web.auth import Principal, end_user_sessions, forget_tokens
from vigil.web.deps import now, reading, writing
from vigil.web.pages.admin import SECTION
from vigil.web.pages.form_errors import field_error
from vigil.web.pages.render import back_to, render
from vigil.web.routes.accounts import UserOut, administered_agency, administered_user, user_out
from vigil.web.routes.tokens import TokenOut, token_out
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["pages"], include_in_schema=False)

_USERNAME = {"username": PathRecord.USER}
_ADMIN = allow(Permission.ADMINISTER, scopes=())
_ADMIN_OF_USER = allow(Permission.ADMINISTER, scopes=(), records=_USERNAME)


def _users_page(
    request: Request,
    caller: Principal,
    values: Mapping[str, object] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    network = oversees_network(caller.viewer)
    with reading(request) as session:
        if network:
            users = accounts.list_users(session)
            codes = [agency.code for agency in agencies.list_agencies(session)]
        else:
            users = accounts.list_users(session, agencies.find_agency(session, caller.actor.agency))
            codes = []
        listed = [user_out(user) for user in users]
    context = {
        "users": listed,
        "roles": list(Role),
        "agency_codes": codes,
        "values": values or {"username": "", "display_name": "", "roles": [], "agency": ""},
        "errors": errors or {},
    }
    status = 422 if errors else 200
    return render(
        request, caller, "pages/admin/users.html", context, section=SECTION, status=status
    )


@router.get("/admin/users")
def users_page(request: Request, caller: Annotated[Principal, _ADMIN]) -> HTMLResponse:
    """The users the caller administers, and the form to add one."""
    return _users_page(request, caller)


@router.post("/admin/users")
def add_user(
    request: Request,
    caller: Annotated[Principal, _ADMIN],
    username: Annotated[str, Form(max_length=64)] = "",
    display_name: Annotated[str, Form(max_length=400)] = "",
    roles: Annotated[list[str] | None, Form(max_length=10)] = None,
    password: Annotated[str, Form(max_length=1000)] = "",
    agency: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Add a user to an agency the caller administers (their own by default)."""
    chosen = roles or []
    values = {"username": username, "display_name": display_name, "roles": chosen, "agency": agency}
    try:
        with writing(request) as session:
            target = administered_agency(session, caller.viewer, agency or caller.actor.agency)
            user = accounts.create_user(
                session,
                target,
                username,
                display_name,
                accounts.parse_roles(chosen),
                password,
                caller.actor,
            )
            made = user.username
    except AccountError as exc:
        return _users_page(request, caller, values, field_error(exc, "username"))
    return back_to(f"/admin/users/{made}")


def _user_page(
    request: Request,
    caller: Principal,
    shown: UserOut,
    listed: list[TokenOut],
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    context = {"shown": shown, "tokens": listed, "roles": list(Role), "errors": errors or {}}
    status = 422 if errors else 200
    return render(request, caller, "pages/admin/user.html", context, section=SECTION, status=status)


def _user_and_tokens(
    request: Request, caller: Principal, username: str
) -> tuple[UserOut, list[TokenOut]]:
    with reading(request) as session:
        user = administered_user(session, caller.viewer, username)
        listed = [token_out(token, request) for token in tokens.list_tokens(session, user)]
        return user_out(user), listed


@router.get("/admin/users/{username}")
def user_page(
    request: Request, username: str, caller: Annotated[Principal, _ADMIN_OF_USER]
) -> HTMLResponse:
    """A user the caller administers: roles, active or not, a new password, their tokens."""
    shown, listed = _user_and_tokens(request, caller, username)
    return _user_page(request, caller, shown, listed)


def _refused(request: Request, caller: Principal, username: str, exc: AccountError) -> Response:
    shown, listed = _user_and_tokens(request, caller, username)
    return _user_page(request, caller, shown, listed, field_error(exc, "roles"))


def _back(username: str) -> RedirectResponse:
    return back_to(f"/admin/users/{username}")


@router.post("/admin/users/{username}/roles")
def change_roles(
    request: Request,
    username: str,
    caller: Annotated[Principal, _ADMIN_OF_USER],
    roles: Annotated[list[str] | None, Form(max_length=10)] = None,
) -> Response:
    """Replace the user's roles (at least one: deactivate a user to take all access away)."""
    try:
        with writing(request) as session:
            user = administered_user(session, caller.viewer, username)
            accounts.set_roles(
                session, user.username, accounts.parse_roles(roles or []), caller.actor
            )
            name = user.username
    except AccountError as exc:
        return _refused(request, caller, username, exc)
    forget_tokens(request)
    return _back(name)


@router.post("/admin/users/{username}/active")
def change_active(
    request: Request,
    username: str,
    caller: Annotated[Principal, _ADMIN_OF_USER],
    active: Annotated[bool, Form()],
) -> RedirectResponse:
    """Deactivate the user (their sessions end, their tokens stop working) or reactivate them."""
    with writing(request) as session:
        user = administered_user(session, caller.viewer, username)
        accounts.set_active(session, user.username, active, caller.actor)
        if not active:
            end_user_sessions(session, user.id, now(request))
        name = user.username
    forget_tokens(request)
    return _back(name)


@router.post("/admin/users/{username}/password")
def change_password(
    request: Request,
    username: str,
    caller: Annotated[Principal, _ADMIN_OF_USER],
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Give the user a new password (which must meet the policy); their sessions end."""
    try:
        with writing(request) as session:
            user = administered_user(session, caller.viewer, username)
            accounts.set_password(session, user.username, password, caller.actor)
            end_user_sessions(session, user.id, now(request))
            name = user.username
    except AccountError as exc:
        return _refused(request, caller, username, exc)
    forget_tokens(request)
    return _back(name)

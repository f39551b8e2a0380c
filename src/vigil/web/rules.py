"""Every route's access rule, declared where the route is and checked when the app is made.

A route states its rule by taking its caller from :func:`allow` (or :func:`public`)::

    @router.get("/api/ingest-runs/{run_id}")
    def run(run_id: int, caller: Principal = allow(Permission.READ, records={"run_id": ...})):

The dependency both enforces the rule on each request and records it on the route, so that
:func:`check_rules` (run by ``create_app`` and by the authorization-matrix test) finds any
route without one: a route cannot be served without saying who may call it.

A rule names the permissions it needs (``vigil.sharing.policy.Permission``), the API token
scopes that may call it (by default, every scope whose permissions cover the route's; an
empty set: browser sessions only), and the records its path parameters name (so that the
matrix test can call it with the caller's own, a shared and another agency's restricted
record).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from starlette.routing import BaseRoute, Mount

from vigil.sharing.policy import SCOPE_PERMISSIONS, Permission, oversees_network
from vigil.store.models import Scope
from vigil.web.auth import (
    SESSION_COOKIE,
    Principal,
    identify_async,
    require_csrf,
    require_same_origin,
)
from vigil.web.errors import ApiError, UnauthenticatedError


class PathRecord(StrEnum):
    """The kinds of record a path parameter can name (the matrix test has one of each)."""

    INGEST_RUN = "ingest_run"
    CASE = "case"
    SEIZURE = "seizure"
    BANK = "bank"
    MEDIA = "media"
    MATCH = "match"
    REFERRAL = "referral"
    HIT_NOTICE = "hit_notice"
    SERIES = "series"
    VICTIM = "victim"
    OFFENDER = "offender"
    LOCATION = "location"
    MISSING_REPORT = "missing_report"
    ALERT = "alert"
    AGENCY = "agency"
    USER = "user"
    TOKEN = "token"


@dataclass(frozen=True)
class Rule:
    """Who may call a route."""

    #: Permissions the caller must hold (all of them); empty: any logged-in caller.
    permissions: frozenset[Permission]
    #: Token scopes that may call it (one of them suffices); empty: browser sessions only.
    scopes: frozenset[Scope]
    #: Path parameter -> the kind of record it names.
    records: Mapping[str, PathRecord] = field(default_factory=dict)
    #: Only callers of the central unit (adding agencies): see policy.oversees_network.
    network_wide: bool = False
    #: Anyone may call it, logged in or not (the login page, static files, the API document).
    public: bool = False

    def admits_scopes(self, scopes: Iterable[Scope]) -> bool:
        """Whether a token with ``scopes`` may call the route at all."""
        return not self.scopes.isdisjoint(scopes)


def covering_scopes(permissions: Iterable[Permission]) -> frozenset[Scope]:
    """The scopes whose permissions include all of ``permissions``."""
    wanted = set(permissions)
    return frozenset(scope for scope, allowed in SCOPE_PERMISSIONS.items() if wanted <= allowed)


# Declared so that the OpenAPI document names both ways in (neither refuses on its own).
_BEARER = HTTPBearer(auto_error=False, description="An API token: vigil_PREFIX_SECRET")
_COOKIE = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="A browser session")


class Guard:
    """The dependency that enforces a rule and carries it (see the module's docstring)."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    async def __call__(
        self,
        request: Request,
        _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
        _cookie: Annotated[str | None, Depends(_COOKIE)],
    ) -> Principal | None:
        rule = self.rule
        principal = await identify_async(request)
        if rule.public or (principal is not None and principal.session_id is not None):
            require_same_origin(request)
        if rule.public:
            return principal
        if principal is None:
            raise UnauthenticatedError()
        if principal.scopes is not None and not rule.admits_scopes(principal.scopes):
            wanted = ", ".join(sorted(scope.value for scope in rule.scopes)) or "none"
            raise ApiError(
                403, f"token: its scopes do not allow this (it needs one of: {wanted})", "token"
            )
        for permission in sorted(rule.permissions):
            if not principal.viewer.can(permission):
                raise ApiError(
                    403,
                    f"{principal.username} may not {permission.value}: no role of theirs allows it",
                )
        if rule.network_wide and not oversees_network(principal.viewer):
            raise ApiError(403, "only the central unit may do this: it acts for the network")
        if principal.session_id is not None:
            await require_csrf(request, principal)
        return principal


def allow(
    *permissions: Permission,
    scopes: Iterable[Scope] | None = None,
    records: Mapping[str, PathRecord] | None = None,
    network_wide: bool = False,
) -> Any:
    """The caller of a route that needs ``permissions`` (see :class:`Rule`)."""
    needed = frozenset(permissions)
    rule = Rule(
        permissions=needed,
        scopes=covering_scopes(needed) if scopes is None else frozenset(scopes),
        records=dict(records or {}),
        network_wide=network_wide,
    )
    return Depends(Guard(rule))


def public() -> Any:
    """The caller of a route anyone may call (a Principal when logged in, else None)."""
    return Depends(Guard(Rule(frozenset(), frozenset(), public=True)))


def _guards(dependant: Any) -> list[Guard]:
    found = [dependant.call] if isinstance(dependant.call, Guard) else []
    for sub in dependant.dependencies:
        found += _guards(sub)
    return found


def rule_of(route: BaseRoute) -> Rule | None:
    """The rule ``route`` declares, None when it declares none (or several)."""
    if isinstance(route, APIRoute):
        guards = _guards(route.dependant)
        return guards[0].rule if len(guards) == 1 else None
    return None


#: Framework routes that are public by nature: the API's own description.
PUBLIC_FRAMEWORK_PATHS = frozenset({"/openapi.json"})
#: Mounted folders served to anyone (the pages' styles and scripts; never media).
PUBLIC_MOUNTS = frozenset({"/static"})


@dataclass(frozen=True)
class ServedRoute:
    """One route as served: its full path, methods and the rule it declares."""

    path: str
    methods: frozenset[str]
    route: BaseRoute
    rule: Rule | None

    @property
    def exempt(self) -> bool:
        """Public by nature: the static folder, the OpenAPI document."""
        if isinstance(self.route, Mount):
            return self.path in PUBLIC_MOUNTS
        return not isinstance(self.route, APIRoute) and self.path in PUBLIC_FRAMEWORK_PATHS

    def __str__(self) -> str:
        return f"{','.join(sorted(self.methods)) or '*'} {self.path}"


def served_routes(routes: Iterable[BaseRoute], prefix: str = "") -> list[ServedRoute]:
    """Every route of ``routes``, routers included by ``include_router`` opened up."""
    found = []
    for route in routes:
        # FastAPI keeps an included router as one entry holding the original router.
        included = getattr(route, "original_router", None)
        if included is not None:
            context = getattr(route, "include_context", None)
            found += served_routes(included.routes, prefix + getattr(context, "prefix", ""))
            continue
        path = prefix + str(getattr(route, "path", ""))
        methods = frozenset(getattr(route, "methods", None) or ())
        found.append(ServedRoute(path, methods, route, rule_of(route)))
    return found


class MissingRuleError(RuntimeError):
    """Routes without an access rule: the message names each."""


def routes_without_rule(app: FastAPI) -> list[str]:
    """``METHOD PATH`` of every route of ``app`` that declares no rule (or several)."""
    return [
        str(served)
        for served in served_routes(app.routes)
        if served.rule is None and not served.exempt
    ]


def check_rules(app: FastAPI) -> None:
    """MissingRuleError naming every route of ``app`` without exactly one rule."""
    missing = routes_without_rule(app)
    if missing:
        raise MissingRuleError(
            "routes without an access rule (take the caller from web.rules.allow or "
            f"public): {'; '.join(missing)}"
        )

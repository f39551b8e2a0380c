"""What the authorization matrix needs to call the admin pages' routes (see __init__):
agencies, users, tokens, sharing levels and the audit log."""

from __future__ import annotations

from collections.abc import Callable

from tests.web.matrix_body import Body
from tests.web.network import PASSWORD

BODIES: dict[tuple[str, str], Callable[[int], Body]] = {
    ("POST", "/admin/agencies"): lambda n: Body(
        form={"code": f"PAGE-{n}", "name": "A unit", "kind": "specialised_unit", "country": "DE"}
    ),
    # The matrix's callers are of NCB-FR (its own agency) or of the partner (refused).
    ("POST", "/admin/agencies/{code}"): lambda n: Body(
        form={"name": "NCB Paris", "kind": "ncb", "country": "FR", "contact": f"desk {n}"}
    ),
    ("POST", "/admin/users"): lambda n: Body(
        form={
            "username": f"page-user-{n}",
            "display_name": "Page User",
            "roles": ["viewer"],
            "password": PASSWORD,
        }
    ),
    ("POST", "/admin/users/{username}/roles"): lambda n: Body(form={"roles": ["viewer"]}),
    ("POST", "/admin/users/{username}/active"): lambda n: Body(form={"active": "true"}),
    ("POST", "/admin/users/{username}/password"): lambda n: Body(form={"password": PASSWORD}),
    ("POST", "/tokens"): lambda n: Body(form={"name": f"matrix page {n}", "scopes": ["read"]}),
}
NO_BODY: set[tuple[str, str]] = {
    ("POST", "/tokens/{prefix}/revoke"),
    ("POST", "/admin/audit/verify"),
}
OWNER_ONLY: set[tuple[str, str]] = set()
QUERIES: dict[tuple[str, str], dict[str, str]] = {}
REFUSED_BY_DESIGN: dict[tuple[str, str], int] = {}

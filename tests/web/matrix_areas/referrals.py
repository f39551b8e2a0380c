"""What the authorization matrix needs to call the referrals pages' routes (see __init__)."""

from __future__ import annotations

from collections.abc import Callable

from tests.web.matrix_body import Body

BODIES: dict[tuple[str, str], Callable[[int], Body]] = {
    ("POST", "/referrals"): lambda n: Body(
        form={
            "to": "NCB-BR",
            "priority": "routine",
            "subject": f"matrix page {n}",
            "body": "text",
            "records": "",
        }
    ),
    ("POST", "/referrals/{reference}/close"): lambda n: Body(form={"outcome": "closed"}),
}
NO_BODY: set[tuple[str, str]] = {
    ("POST", "/referrals/{reference}/acknowledge"),
    ("POST", "/referrals/{reference}/progress"),
}
OWNER_ONLY: set[tuple[str, str]] = set()
QUERIES: dict[tuple[str, str], dict[str, str]] = {}
REFUSED_BY_DESIGN: dict[tuple[str, str], int] = {}

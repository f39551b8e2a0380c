"""The matrix's knowledge of the pages, one module per area of ``vigil.web.pages``: the bodies
of their form posts, the posts without a body, the owner-only routes, the query parameters a
GET needs, the routes refused by design, and the routes whose record must be new at each
call (FRESH: a step the workflow takes once, such as identifying a victim). The matrix
merges them with its own."""

from __future__ import annotations

from collections.abc import Callable

from tests.web.matrix_areas import admin, dashboard, previews, records, referrals, review, triage
from tests.web.matrix_body import Body, MakeRecord

_AREAS = (admin, dashboard, previews, records, referrals, review, triage)

BODIES: dict[tuple[str, str], Callable[[int], Body]] = {}
NO_BODY: set[tuple[str, str]] = set()
OWNER_ONLY: set[tuple[str, str]] = set()
QUERIES: dict[tuple[str, str], dict[str, str]] = {}
REFUSED_BY_DESIGN: dict[tuple[str, str], int] = {}
FRESH: dict[str, MakeRecord] = {}
for _area in _AREAS:
    BODIES.update(_area.BODIES)
    NO_BODY |= _area.NO_BODY
    OWNER_ONLY |= _area.OWNER_ONLY
    QUERIES.update(_area.QUERIES)
    REFUSED_BY_DESIGN.update(_area.REFUSED_BY_DESIGN)
    FRESH.update(getattr(_area, "FRESH", {}))

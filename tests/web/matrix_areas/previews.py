"""What the authorization matrix needs to call the previews pages' routes (see __init__)."""

from __future__ import annotations

from collections.abc import Callable

from tests.web.matrix_body import Body

_REVEAL = ("POST", "/media/{media_id}/reveal")

BODIES: dict[tuple[str, str], Callable[[int], Body]] = {
    ("POST", "/api/me/exposure"): lambda n: Body(json={"seconds": 30}),
}
NO_BODY: set[tuple[str, str]] = {_REVEAL}
OWNER_ONLY: set[tuple[str, str]] = set()
QUERIES: dict[tuple[str, str], dict[str, str]] = {}
#: The matrix's media have no preview made: a reveal of one is 409 wherever it is allowed
#: (the preview itself answers the placeholder, 200).
REFUSED_BY_DESIGN: dict[tuple[str, str], int] = {_REVEAL: 409}

"""What the authorization matrix needs to call the previews pages' routes (see __init__)."""

from __future__ import annotations

from collections.abc import Callable

from tests.web.matrix_body import Body

BODIES: dict[tuple[str, str], Callable[[int], Body]] = {}
NO_BODY: set[tuple[str, str]] = set()
OWNER_ONLY: set[tuple[str, str]] = set()
QUERIES: dict[tuple[str, str], dict[str, str]] = {}
REFUSED_BY_DESIGN: dict[tuple[str, str], int] = {}

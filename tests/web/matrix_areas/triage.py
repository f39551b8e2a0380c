"""What the authorization matrix needs to call the triage pages' routes (see __init__)."""

from __future__ import annotations

from collections.abc import Callable

from tests.web.matrix_body import Body

_MARKS = ("POST", "/runs/{run_id}/marks")

#: No media: the matrix knows none of the run's, and marking none is allowed (and does
#: nothing) wherever marking is.
BODIES: dict[tuple[str, str], Callable[[int], Body]] = {
    _MARKS: lambda n: Body(form={"verdict": "pertinent"}),
}
NO_BODY: set[tuple[str, str]] = set()
#: Only the seizure's agency marks its media: a run shared with all is refused too.
OWNER_ONLY: set[tuple[str, str]] = {_MARKS}
QUERIES: dict[tuple[str, str], dict[str, str]] = {}
REFUSED_BY_DESIGN: dict[tuple[str, str], int] = {}
